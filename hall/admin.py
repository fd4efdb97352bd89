from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ShopTheme

admin.site.site_header = _("Shop administration")
admin.site.site_title = _("Shop administration")


@admin.register(ShopTheme)
class ShopThemeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "primary_color", "accent_color", "updated_at")
