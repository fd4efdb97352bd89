"""The demo page of the simulated systems: which numbers and accounts to try, and the texts the
SMS simulator "sent" (so a demo user can read their code). Never in production settings."""

from django.conf import settings
from django.contrib import admin

from core.admin.readonly import ReadOnlyAdmin
from tenants.simulators.models import SimBroadbandAccount, SimSms, SimSubscriber


class SimSubscriberAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "plan", "balance", "arrears", "offers", "note")
    search_fields = ("number",)
    list_filter = ("status",)
    exclude = ("account_id",)  # the BSS's internal id: nothing to try it with


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
