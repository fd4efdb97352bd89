"""What partners created through TMF620, for staff to see (and tidy); orders show their channel."""

from django.contrib import admin

from core.admin.readonly import ReadOnlyAdmin
from openapi_tmf.models import Cancellation, Price, Reservation, Specification


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


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    """Numbers partners reserved through TMF685 (their holds show on the numbers too)."""

    list_display = ["id", "user", "numbers", "state", "expires_at", "taken_by", "created_at"]
    list_filter = ["state"]
    search_fields = ["user__username", "hold_owner"]
