from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealnameConfig(AppConfig):
    name = "realname"
    verbose_name = _("Real-name verification")
