from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Page analytics and the funnel: a listener (it subscribes to order reactions and storefront
    views; nothing imports it). Its tables keep the names they had under `hall`."""

    name = "analytics"
    verbose_name = _("Shop analytics")

    def ready(self) -> None:
        from analytics import receivers

        receivers.connect()
