from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenapiTmfConfig(AppConfig):
    name = "openapi_tmf"
    verbose_name = _("TM Forum Open APIs")
