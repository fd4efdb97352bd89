"""Template tags of the staff admin's frame."""
from django import template
from django.db import connection

from tenants.gateways import simulated_systems as systems_of

register = template.Library()


@register.simple_tag
def simulated_systems() -> list[str]:
    """The active carrier's systems served by a simulator ([] on the public host)."""
    tenant = getattr(connection, "tenant", None)
    if not hasattr(tenant, "gateways") or getattr(tenant, "kind", "") == "platform":
        return []
    return systems_of(tenant)
