"""What partners created through TMF620, for staff to see (and tidy); orders show their channel."""

from django.contrib import admin

from openapi_tmf.models import Cancellation, Price, Specification


@admin.register(Specification)
class SpecificationAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "kind", "lifecycle_status", "updated_at"]
    search_fields = ["name", "brand"]


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ["name", "price_type", "value", "offer", "lifecycle_status", "updated_at"]
    search_fields = ["name"]
    raw_id_fields = ["offer"]


@admin.register(Cancellation)
class CancellationAdmin(admin.ModelAdmin):
    list_display = ["order", "state", "reason", "requested_at", "done_at"]
    readonly_fields = ["order", "state", "reason", "message", "requested_at", "done_at"]

    def has_add_permission(self, request) -> bool:
        return False
