from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulatorsConfig(AppConfig):
    """The built-in simulators of a carrier's systems; their state lives in the carrier's schema."""

    name = "tenants.simulators"
    label = "simulators"
    verbose_name = _("Simulated carrier systems")
