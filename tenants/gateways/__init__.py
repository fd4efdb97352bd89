"""Gateways to a carrier's own systems (ports and adapters).

Each system (BSS, SMS, payment, logistics, the real-name provider) has an interface here and
adapters elsewhere: the built-in simulator in `tenants.simulators`, real ones later.
Which adapter serves a carrier is its configuration (`Carrier.gateways`), never code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from core.errors import HallError
from core.tenancy import current_schema

if TYPE_CHECKING:
    from tenants.models import Carrier  # the gateways sit below the models that name them


# system → adapter name → class. A real adapter is one more entry here plus its configuration.
ADAPTERS = {
    "payment": {
        "simulator": "tenants.simulators.payment.SimulatedPaymentGateway",
    },
    "bss": {
        "simulator": "tenants.simulators.bss.SimulatedBss",
    },
    "sms": {
        "simulator": "tenants.simulators.sms.SimulatedSms",
    },
    "logistics": {
        "simulator": "tenants.simulators.logistics.SimulatedLogistics",
    },
    "realname": {
        "simulator": "tenants.simulators.realname.SimulatedRealnameProvider",
        "http-json": "tenants.gateways.realname_http.HttpJsonRealnameProvider",
    },
}
DEFAULT_ADAPTER = "simulator"


SIMULATOR_PACKAGE = "tenants.simulators."


class UnknownAdapter(HallError):
    pass


class SimulatorRefused(UnknownAdapter):
    """Production never reaches a simulator (simulated money, a real-name check that passes
    everyone) unless the operator opted in for that carrier and system."""


def adapter_name(system: str, carrier: Carrier | None) -> str:
    return config_for(system, carrier).get("adapter") or DEFAULT_ADAPTER


def is_simulated(system: str, carrier: Carrier | None) -> bool:
    return ADAPTERS.get(system, {}).get(adapter_name(system, carrier), "").startswith(SIMULATOR_PACKAGE)


def simulated_systems(carrier: Carrier | None) -> list[str]:
    """The carrier's systems that a built-in simulator serves (for the admin's red badge)."""
    return [system for system in ADAPTERS if is_simulated(system, carrier)]


def simulator_allowed(system: str, carrier: Carrier | None) -> bool:
    """Development always; production only with HALL_ALLOW_SIMULATORS (a demo site) or the
    carrier's own `gateways[system]["allow_in_production"]`."""
    if not settings.PRODUCTION or settings.HALL_ALLOW_SIMULATORS:
        return True
    return config_for(system, carrier).get("allow_in_production") is True


def current_carrier():
    """The carrier whose schema is active (schema_context leaves only a stand-in on the connection)."""
    from tenants.models import Carrier

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Carrier):
        return tenant
    return Carrier.objects.get(schema_name=current_schema())


def config_for(system: str, carrier: Carrier | None = None) -> dict:
    carrier = carrier or current_carrier()
    return dict((carrier.gateways or {}).get(system) or {})


def gateway(system: str, carrier: Carrier | None = None, adapter: str | None = None):
    """The adapter serving `system` for `carrier` (default: the current tenant). `adapter` names
    one explicitly, e.g. the one a callback URL says it came from."""
    carrier = carrier or current_carrier()
    config = config_for(system, carrier)
    name = adapter or adapter_name(system, carrier)
    try:
        path = ADAPTERS[system][name]
    except KeyError:
        raise UnknownAdapter(f"no {system} adapter named {name!r}") from None
    if path.startswith(SIMULATOR_PACKAGE) and not simulator_allowed(system, carrier):
        raise SimulatorRefused(f"carrier {carrier.slug}: the simulated {system} gateway is refused in production")
    return import_string(path)(carrier, config)
