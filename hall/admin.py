from django.apps import apps
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .models import ShopAsset

admin.site.site_header = _("Shop administration")
admin.site.site_title = _("Shop administration")
admin.site.index_template = "admin/shop_index.html"  # adds the decoration editor to the admin home

# django-axes ships no Chinese: its app is named here, and the words it shows staff are in our
# catalogue (same msgids, so its own gettext calls find them).
apps.get_app_config("axes").verbose_name = _("Sign-in attempts and lockouts")
AXES_WORDS = (gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("access failure"),
              gettext_noop("access failures"), gettext_noop("access log"), gettext_noop("access logs"),
              gettext_noop("User Agent"), gettext_noop("IP Address"), gettext_noop("Username"),
              gettext_noop("HTTP Accept"), gettext_noop("Path"), gettext_noop("Attempt Time"),
              gettext_noop("Access lock out"), gettext_noop("GET Data"), gettext_noop("POST Data"),
              gettext_noop("Failed Logins"), gettext_noop("Logout Time"), gettext_noop("Session key hash (sha256)"),
              gettext_noop("Expires At"), gettext_noop("Locked Out"), gettext_noop("Form Data"),
              gettext_noop("Meta Data"), gettext_noop("Clean up expired attempts"), gettext_noop("Not set"),
              gettext_noop("Attempt Remaining"), gettext_noop("Access Attempt"),
              gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
              gettext_noop("The time when access attempt expires and is no longer valid."))


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
