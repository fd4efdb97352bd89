from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from storefront.decoration.models import ShopAsset


@admin.register(ShopAsset)
class ShopAssetAdmin(admin.ModelAdmin):
    list_display = ("title", "thumbnail", "width", "height", "uploaded_by", "uploaded_at")
    readonly_fields = ("image", "width", "height", "uploaded_by", "uploaded_at")
    search_fields = ("title",)

    def has_add_permission(self, request):
        return False  # uploads go through the decoration editor, which re-encodes them

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        return format_html('<img src="{}" alt="" width="60">', obj.image.url)
