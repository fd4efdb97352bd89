"""Staff see bound numbers and who read itemised records (read-only: subscribers bind and unbind
themselves; the audit is never edited)."""

from django.contrib import admin

from core.admin.readonly import ReadOnlyAdmin
from core.phone import mask_phone
from subscribers.models import BoundNumber, RecordsRead


@admin.register(BoundNumber)
class BoundNumberAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "user", "primary", "proof", "proved_at", "unbound_at", "unbound_why")
    list_filter = ("proof", "unbound_why")
    fields = list_display
    readonly_fields = ("__str__",)


@admin.register(RecordsRead)
class RecordsReadAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "masked_number", "month", "via")
    list_filter = ("via",)
    fields = ("at", "user", "masked_number", "month", "via")
    readonly_fields = ("masked_number",)

    @admin.display(description=BoundNumber._meta.get_field("number").verbose_name)
    def masked_number(self, read: RecordsRead) -> str:
        return mask_phone(read.number)
