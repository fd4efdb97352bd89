"""Orders in the carrier's staff admin: filter and read everything; change state only through
orders.aftersales.staff (the status field is never editable here)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin.readonly import ReadOnlyAdmin
from core.http import SignedInRequest
from orders.aftersales import staff, staff_selectors, tickets
from orders.fulfilment.verification import reason_text
from orders.models import Order, OrderStatus, Ticket, Verification
from orders.states import IllegalTransition


def _short(value) -> str:
    """A list cell's date: "05-12 14:03" (the long form wraps and widens the list past 1280 px)."""
    return formats.date_format(timezone.localtime(value), "m-d H:i") if value else "—"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "status_chip", "payable", "subscriber", "placed", "pay_by")
    list_filter = ("status", "kind", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("number", "service_number", "lines__number", "user__username")
    list_select_related = ("user",)
    change_form_template = "admin/orders/order/change_form.html"
    actions = ["retry_selected"]
    # The header card, items, steps and timeline are the template's (orders.aftersales.staff_selectors.work_order);
    # these are the plain facts under them.
    fieldsets = (
        (_("Dates"), {"fields": ("created_at", "paid_at", "payment_due_at", "status_changed_at", "channel")}),
        (_("Money"), {"fields": ("goods_total", "deposit_total", "discount_total", "payable")}),
        (
            _("Subscriber"),
            {
                "fields": (
                    "subscriber",
                    "identity",
                    "service_number",
                    "recipient",
                    "contact_phone",
                    "address_line",
                    "terms",
                )
            },
        ),
    )

    @admin.display(description=_("status"), ordering="status")
    def status_chip(self, order: Order):
        return format_html('<span class="hall-chip hall-status-{}">{}</span>', order.status, order.get_status_display())

    @admin.display(description=_("subscriber"), ordering="user__username")
    def subscriber(self, order: Order):
        return staff_selectors.subscriber_masked(order)

    @admin.display(description=_("placed at"), ordering="created_at")
    def placed(self, order: Order):
        return _short(order.created_at)

    @admin.display(description=_("pay by"), ordering="payment_due_at")
    def pay_by(self, order: Order):
        return _short(order.payment_due_at)

    @admin.display(description=_("channel"))
    def channel(self, order: Order):
        """The partner's system that placed it through the open platform, or the shop itself."""
        link = getattr(order, "tmf_link", None)  # openapi_tmf's record, by its reverse name (no import upward)
        return f"{link.channel} · {link.external_id}".rstrip(" ·") if link else _("Online shop")

    @admin.display(description=_("address"))
    def address_line(self, order: Order):
        return order.address_line or "—"

    @admin.display(description=_("terms accepted"))
    def terms(self, order: Order):
        return "、".join(str(t) for t in order.terms_accepted or []) or "—"

    @admin.action(
        description=_("Retry the failed step of the selected orders that need attention"), permissions=["act"]
    )
    def retry_selected(self, request: SignedInRequest, queryset: QuerySet):
        done, refused = 0, 0
        for order in queryset.filter(status=OrderStatus.NEEDS_ATTENTION):
            try:
                staff.retry(order, request.user, str(_("bulk retry")))
                done += 1
            except (staff.StaffActionError, IllegalTransition):
                refused += 1
        self.message_user(
            request, _("%(done)d orders sent again; %(refused)d refused.") % {"done": done, "refused": refused}
        )

    def has_act_permission(self, request: HttpRequest):
        return request.user.has_perm("orders.act_on_order")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [f for group in self.fieldsets for f in group[1]["fields"]]

    def has_add_permission(self, request: HttpRequest):
        return False  # orders come from checkout

    def has_delete_permission(self, request: HttpRequest, obj=None):
        return False  # the timeline is the record

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [path("<int:order_id>/act/", act, name="orders_order_act"), *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra = {
            "staff_actions": staff.available(order) if order else [],
            "work_order": staff_selectors.work_order(order) if order else None,
            "can_act": request.user.has_perm("orders.act_on_order"),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def act_view(self, request: SignedInRequest, order_id):
        if request.method != "POST":
            return redirect("admin:orders_order_change", order_id)
        if not request.user.has_perm("orders.act_on_order"):
            raise PermissionDenied
        order = get_object_or_404(Order, pk=order_id)
        try:
            staff.act(order, request.POST.get("action", ""), request.user, request.POST.get("reason", ""))
            messages.success(request, _("Done: the order's timeline shows it."))
        except staff.StaffActionError as exc:
            messages.error(request, str(exc))
        return redirect("admin:orders_order_change", order_id)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Staff assign tickets (the one editable field) and move them through their kind's states,
    with a note to the subscriber or an internal one."""

    list_display = ("ticket_code", "kind", "status", "subscriber", "order", "assigned_to", "sla_due_at", "escalated_at")
    list_filter = ("status", "kind", ("escalated_at", admin.EmptyFieldListFilter), "assigned_to")
    search_fields = ("order__number", "user__username")
    list_select_related = ("user", "order", "assigned_to")
    fields = (
        "ticket_code",
        "kind",
        "status",
        "subscriber",
        "order",
        "description",
        "broadband_account",
        "appointment_at",
        "assigned_to",
        "sla_due_at",
        "escalated_at",
        "created_at",
    )
    readonly_fields = tuple(f for f in fields if f != "assigned_to")  # staff assign; the rest is the request
    change_form_template = "admin/orders/ticket/change_form.html"

    @admin.display(description=_("ticket number"), ordering="pk")
    def ticket_code(self, ticket: Ticket):
        return ticket.code

    @admin.display(description=_("subscriber"), ordering="user__username")
    def subscriber(self, ticket: Ticket):
        return staff_selectors.mask_phone(ticket.user.username)

    def has_add_permission(self, request: HttpRequest):
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None):
        return False

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [path("<int:ticket_id>/act/", act, name="orders_ticket_act"), *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        moves = sorted(tickets.MACHINES[ticket.kind].get(ticket.status, set())) if ticket else []
        extra = {
            "moves": [(m, Ticket.Status(m).label) for m in moves],
            "history": staff_selectors.ticket_history(ticket) if ticket else [],
            "can_act": request.user.has_perm("orders.change_ticket"),
        }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def act_view(self, request: SignedInRequest, ticket_id):
        if request.method != "POST":
            return redirect("admin:orders_ticket_change", ticket_id)
        if not request.user.has_perm("orders.change_ticket"):
            raise PermissionDenied
        ticket = get_object_or_404(Ticket, pk=ticket_id)
        note = request.POST.get("note", "")
        try:
            if request.POST.get("action") == "note":
                tickets.add_note(ticket, request.user, note, internal=True)
            else:
                tickets.move(ticket, request.POST.get("action", ""), actor=request.user, actor_label="staff", note=note)
            messages.success(request, _("Done."))
        except (tickets.TicketError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("admin:orders_ticket_change", ticket_id)


PROVIDERS = {"simulator": _("the built-in simulated provider"), "http-json": _("HTTP JSON provider")}
PRECHECK = {  # how the name + ID check before the order went (realname.precheck.check)
    "passed": _("passed before the order"),
    "skipped": _("not offered by the provider"),
    "unavailable": _("provider unavailable: checked later"),
}


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = ("order", "status", "why", "name_id_check", "attempts", "deadline", "decided_at")
    list_filter = ("status",)
    fields = (
        "order",
        "identity",
        "status",
        "why",
        "name_id_check",
        "attempts",
        "provider_shown",
        "provider_ref",
        "deadline",
        "reminders",
        "submitted_at",
        "decided_at",
    )
    readonly_fields = ("why", "name_id_check", "provider_shown", "reminders")
    list_select_related = ("order",)

    @admin.display(description=_("reason"), ordering="reason")
    def why(self, verification: Verification):
        return reason_text(verification) if verification.reason else "—"

    @admin.display(description=_("name and ID check before the order"), ordering="precheck")
    def name_id_check(self, verification: Verification):
        return PRECHECK.get(verification.precheck, verification.precheck or "—")

    @admin.display(description=_("provider"), ordering="provider")
    def provider_shown(self, verification: Verification):
        return PROVIDERS.get(verification.provider, verification.provider or "—")

    @admin.display(description=_("reminders sent (days left)"))
    def reminders(self, verification: Verification):
        return "、".join(str(d) for d in verification.reminders_sent or []) or "—"
