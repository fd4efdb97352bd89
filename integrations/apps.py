from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Open platform")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from integrations.models import Subscription
        from integrations.outbox import forget_subscriptions

        def changed(sender, **kwargs):
            forget_subscriptions()

        post_save.connect(changed, sender=Subscription, weak=False, dispatch_uid="integrations.subscription_saved")
        post_delete.connect(changed, sender=Subscription, weak=False, dispatch_uid="integrations.subscription_deleted")
