from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecorationConfig(AppConfig):
    """Theme, blocks, pages and their versions, the editor and preview. Its tables keep the names
    they had when they belonged to `hall` (migrations/0001 adopts them)."""

    name = "storefront.decoration"
    label = "shop"  # not "decoration": /admin/decoration/ is the editor
    verbose_name = _("Shop")

    def ready(self) -> None:
        from core import fragments
        from storefront.decoration.models import Page, ShopAsset

        # an image or a page under the cached shop changed (publishing bumps by itself)
        fragments.bump_on_change(fragments.DECOR, ShopAsset, Page)
