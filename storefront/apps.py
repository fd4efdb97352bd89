from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StorefrontConfig(AppConfig):
    """The shop shell: home and landing pages, subscriber accounts, staff roles, template tags."""

    name = "storefront"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from django_tenants.signals import post_schema_sync

        from storefront.roles import sync_roles_after_migrate, sync_roles_in_new_schema

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="storefront.sync_staff_roles")
        post_schema_sync.connect(sync_roles_in_new_schema, dispatch_uid="storefront.sync_staff_roles_new_schema")
