from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Carriers")

    def ready(self) -> None:
        from django.core import checks

        from tenants.checks import simulators_in_production

        checks.register(simulators_in_production, "hall", deploy=True)
