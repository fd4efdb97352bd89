"""Orders in the carrier's staff admin: filter and read everything; change state only through
orders.staff (the status field is never editable here)."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import staff, tickets
from .models import FulfilmentStep, Order, OrderEvent, OrderLine, Payment, Ticket, TicketEvent
from .states import ACTIONS as EVENT_LABELS
from .states import IllegalTransition


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("category", "name", "detail", "number", "unit_price", "unit_list_price", "quantity", "terms")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("out_trade_no", "adapter", "amount", "status", "trade_no", "paid_at", "confirmed_by")


class StepInline(ReadOnlyInline):
    model = FulfilmentStep
    verbose_name_plural = _("fulfilment steps")
    fields = ("step", "status", "attempts", "duration_ms", "error", "result", "started_at", "finished_at")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name_plural = _("timeline")
    fields = ("at", "what", "from_status", "to_status", "actor_label", "actor", "reason", "public", "data")
    readonly_fields = fields

    @admin.display(description=_("event"))
    def what(self, event):
        return EVENT_LABELS.get(event.action, event.action)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "status", "payable", "user", "created_at", "payment_due_at")
    list_filter = ("status", "kind", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("number", "service_number", "lines__number", "user__username")
    list_select_related = ("user",)
    inlines = [LineInline, PaymentInline, StepInline, EventInline]
    change_form_template = "admin/orders/order/change_form.html"
    actions = ["retry_selected"]
    fieldsets = (
        (None, {"fields": ("number", "kind", "status", "user", "created_at", "status_changed_at",
                           "payment_due_at", "paid_at")}),
        (_("Money"), {"fields": ("goods_total", "deposit_total", "discount_total", "payable")}),
        (_("Subscriber"), {"fields": ("identity", "service_number", "recipient", "contact_phone", "province",
                                      "city", "district", "address_detail", "terms_accepted")}),
    )

    @admin.action(description=_("Retry the failed step of the selected orders that need attention"),
                  permissions=["act"])
    def retry_selected(self, request, queryset):
        done, refused = 0, 0
        for order in queryset.filter(status="needs_attention"):
            try:
                staff.retry(order, request.user, str(_("bulk retry")))
                done += 1
            except (staff.StaffActionError, IllegalTransition):
                refused += 1
        self.message_user(request, _("%(done)d orders sent again; %(refused)d refused.") % {"done": done,
                                                                                            "refused": refused})

    def has_act_permission(self, request):
        return request.user.has_perm("orders.act_on_order")

    def get_readonly_fields(self, request, obj=None):
        return [f for group in self.fieldsets for f in group[1]["fields"]]

    def has_add_permission(self, request):
        return False  # orders come from checkout

    def has_delete_permission(self, request, obj=None):
        return False  # the timeline is the record

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [path("<int:order_id>/act/", act, name="orders_order_act"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra = {"staff_actions": staff.available(order) if order else [],
                 "can_act": request.user.has_perm("orders.act_on_order")}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def act_view(self, request, order_id):
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


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    verbose_name_plural = _("history")
    fields = ("at", "action", "from_status", "to_status", "actor_label", "actor", "note", "internal")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Staff assign tickets (the one editable field) and move them through their kind's states,
    with a note to the subscriber or an internal one."""

    list_display = ("code", "kind", "status", "user", "order", "assigned_to", "sla_due_at", "escalated_at")
    list_filter = ("status", "kind", ("escalated_at", admin.EmptyFieldListFilter), "assigned_to")
    search_fields = ("order__number", "user__username")
    list_select_related = ("user", "order", "assigned_to")
    fields = ("kind", "status", "user", "order", "description", "broadband_account", "appointment_at",
              "assigned_to", "sla_due_at", "escalated_at", "created_at")
    readonly_fields = ("kind", "status", "user", "order", "description", "broadband_account", "appointment_at",
                       "sla_due_at", "escalated_at", "created_at")
    inlines = [TicketEventInline]
    change_form_template = "admin/orders/ticket/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        act = self.admin_site.admin_view(self.act_view)
        return [path("<int:ticket_id>/act/", act, name="orders_ticket_act"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        moves = sorted(tickets.MACHINES[ticket.kind].get(ticket.status, set())) if ticket else []
        extra = {"moves": [(m, Ticket.Status(m).label) for m in moves],
                 "can_act": request.user.has_perm("orders.change_ticket")}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def act_view(self, request, ticket_id):
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
                tickets.move(ticket, request.POST.get("action", ""), actor=request.user, actor_label="staff",
                             note=note)
            messages.success(request, _("Done."))
        except (tickets.TicketError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("admin:orders_ticket_change", ticket_id)
