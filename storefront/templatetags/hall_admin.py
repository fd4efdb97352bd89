"""Template tags of the staff admin's frame."""

from django import template
from django.db import connection
from django.utils.translation import pgettext_lazy

from tenants.gateways import simulated_systems as systems_of

register = template.Library()

SYSTEM_NAMES = {  # the carrier systems as staff call them (the badge names them, not their codes)
    "bss": pgettext_lazy("carrier system", "BSS"),
    "sms": pgettext_lazy("carrier system", "SMS"),
    "payment": pgettext_lazy("carrier system", "payment"),
    "logistics": pgettext_lazy("carrier system", "logistics"),
    "realname": pgettext_lazy("carrier system", "real-name check"),
}


@register.simple_tag
def simulated_systems() -> list[str]:
    """The active carrier's systems served by a simulator, by name ([] on the public host)."""
    tenant = getattr(connection, "tenant", None)
    if not hasattr(tenant, "gateways") or getattr(tenant, "kind", "") == "platform":
        return []
    return [str(SYSTEM_NAMES.get(code, code)) for code in systems_of(tenant)]
