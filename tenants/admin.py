from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from hall.admin_sites import platform_site

from .models import Carrier, CarrierGroup, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Carrier, site=platform_site)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "group", "kind", "region", "status", "schema_name", "created_at")
    list_filter = ("status", "kind", "group")
    search_fields = ("slug", "name")
    readonly_fields = ("schema_name", "created_at")
    inlines = [DomainInline]

    def get_queryset(self, request):
        # The public row and the template schema are platform machinery, not carriers to edit:
        # a domain on the template would let strangers write rows that every new carrier copies.
        return super().get_queryset(request).exclude(kind=Carrier.Kind.PLATFORM)

    def has_add_permission(self, request):
        return False  # carriers are created with `manage.py create_carrier` (schema + staff, atomically)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CarrierGroup, site=platform_site)
class CarrierGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "numbers_per_id", "minimum_age")


platform_site.register(User, UserAdmin)
platform_site.register(Group, GroupAdmin)
