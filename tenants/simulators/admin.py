"""The demo page of the simulated systems: which numbers and accounts to try, and the texts the
SMS simulator "sent" (so a demo user can read their code). Never in production settings."""

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin.readonly import ReadOnlyAdmin
from tenants.simulators.models import SimBroadbandAccount, SimSms, SimSubscriber


class SimSubscriberAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "plan", "balance", "arrears", "offers", "note")
    search_fields = ("number",)
    list_filter = ("status",)
    # the BSS's internal id is plumbing; services and a booked plan change read as words
    exclude = ("account_id", "services", "pending_plan")
    readonly_fields = ("services_shown", "pending_shown")

    @admin.display(description=_("value-added services"))
    def services_shown(self, record: SimSubscriber) -> str:
        return (
            "、".join(
                f"{s['name']} ¥{s.get('fee', '0')}" + (f"（{s['until']} 止）" if s.get("until") else "")
                for s in record.services
            )
            or "—"
        )

    @admin.display(description=_("plan from next month"))
    def pending_shown(self, record: SimSubscriber) -> str:
        pending = record.pending_plan or {}
        return f"{pending['name']}（{pending['from']} 起）" if pending else "—"


class SimBroadbandAccountAdmin(ReadOnlyAdmin):
    list_display = ("account", "bound_number", "bandwidth_mbps", "expires_on", "promotion_until", "opened_on", "note")
    search_fields = ("account", "bound_number")


class SimSmsAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "number", "text")
    fields = ("sent_at", "number", "text")  # the idempotency key is plumbing
    search_fields = ("number",)


if not settings.PRODUCTION:
    admin.site.register(SimSubscriber, SimSubscriberAdmin)
    admin.site.register(SimBroadbandAccount, SimBroadbandAccountAdmin)
    admin.site.register(SimSms, SimSmsAdmin)
