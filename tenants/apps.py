from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Carriers")

    def ready(self) -> None:
        from django.core import checks

        from tenants.checks import simulators_in_production

        checks.register(simulators_in_production, "hall", deploy=True)

        from django.db.models.signals import post_delete, post_save

        from tenants.middleware import forget_hosts
        from tenants.models import Carrier, Domain

        def changed(**_kwargs) -> None:  # every web process looks the hosts up again
            forget_hosts()

        for model in (Carrier, Domain):
            post_save.connect(changed, sender=model, dispatch_uid=f"forget-hosts-save-{model.__name__}", weak=False)
            post_delete.connect(changed, sender=model, dispatch_uid=f"forget-hosts-delete-{model.__name__}", weak=False)
