from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenapiTmfConfig(AppConfig):
    name = "openapi_tmf"
    verbose_name = _("TM Forum Open APIs")

    def ready(self) -> None:
        from openapi_tmf import events

        events.register()  # the TMF documents of events sent to hubs
