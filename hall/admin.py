from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_sites import StaffAuthenticationForm
from .models import ShopAsset

admin.site.site_header = _("Shop administration")
admin.site.site_title = _("Shop administration")
admin.site.index_template = "admin/shop_index.html"  # adds the decoration editor to the admin home
admin.site.login_form = StaffAuthenticationForm


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
