from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    """The one-ID-five-numbers registry: in the public schema, because the limit counts across
    every carrier of a carrier group."""

    name = "realname.registry"
    label = "realname_registry"
    verbose_name = _("ID-to-numbers registry")
