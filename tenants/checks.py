"""Production refuses simulated carrier systems.

A Django system check (deploy tag: `manage.py check --deploy` shows it) and a start guard that
the web application and the Celery worker and beat run before they serve anything, so a carrier
whose payment gateway is the simulator can never take simulated money in production."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError


def _carriers() -> list:
    from tenants.models import Carrier

    return list(Carrier.objects.exclude(kind=Carrier.Kind.PLATFORM).exclude(status=Carrier.Status.TEMPLATE))


def simulators_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if not settings.PRODUCTION:
        return []
    from tenants.gateways import simulated_systems, simulator_allowed

    try:
        carriers = _carriers()
    except DatabaseError as exc:  # not migrated yet, or the database is down: say so, block nothing
        return [checks.Warning(f"Could not read the carriers to check their gateways: {exc}".strip(), id="hall.W002")]
    messages: list[checks.CheckMessage] = []
    for carrier in carriers:
        for system in simulated_systems(carrier):
            if simulator_allowed(system, carrier):
                messages.append(
                    checks.Warning(
                        f"Carrier {carrier.slug!r} uses the simulated {system} gateway in production (allowed by "
                        f"{'HALL_ALLOW_SIMULATORS' if settings.HALL_ALLOW_SIMULATORS else 'allow_in_production'}).",
                        hint="A demo site only: no real money moves and real-name checks are simulated.",
                        id="hall.W001",
                    )
                )
            else:
                messages.append(
                    checks.Error(
                        f"Carrier {carrier.slug!r} uses the simulated {system} gateway in production.",
                        hint=f"Configure a real adapter in Carrier.gateways[{system!r}], or, for a demo site only, set "
                        f"gateways[{system!r}]['allow_in_production'] = true or HALL_ALLOW_SIMULATORS=1.",
                        id="hall.E001",
                    )
                )
    return messages


def refuse_to_start_with_simulators() -> None:
    """Run by every production process at start: raise with every offending carrier named."""
    errors = [m for m in simulators_in_production() if m.is_serious()]
    if errors:
        lines = "\n".join(f"  {m.id}: {m.msg} {m.hint}" for m in errors)
        raise ImproperlyConfigured(f"Hall refuses to start in production:\n{lines}")
