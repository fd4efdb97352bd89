from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    """The shop shell: home and landing pages, subscriber accounts, staff roles, template tags."""

    name = "storefront"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from storefront.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="storefront.sync_staff_roles")
