from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecorationConfig(AppConfig):
    """Theme, blocks, pages and their versions, the editor and preview. Its tables keep the names
    they had when they belonged to `hall` (migrations/0001 adopts them)."""

    name = "storefront.decoration"
    label = "shop"  # not "decoration": /admin/decoration/ is the editor
    verbose_name = _("Shop")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from core import fragments
        from storefront.decoration.models import Page, ShopAsset

        def changed(sender, **kwargs) -> None:  # an image or a page under the cached shop changed
            fragments.bump(fragments.DECOR)

        for model in (ShopAsset, Page):
            post_save.connect(changed, sender=model, dispatch_uid=f"decor-generation-save-{model.__name__}")
            post_delete.connect(changed, sender=model, dispatch_uid=f"decor-generation-delete-{model.__name__}")
