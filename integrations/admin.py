"""Staff issue and revoke API tokens; the secret is shown once, on the page after saving. Staff set
up webhooks (their signing secret shown once too), read the outgoing events with their deliveries
and each delivery's log, and send deliveries again."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from integrations import callbacks, delivery, tokens
from integrations.hub_api import new_secret
from integrations.models import ApiToken, Delivery, DeliveryAttempt, OutboxEvent, Subscription
from integrations.scopes import SCOPES


class IssueTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=list(SCOPES.items()), widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=3650, required=False)

    class Meta:
        model = ApiToken
        fields = ["name", "user", "scopes", "rate_per_minute"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "begins", "scope_list", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]
    raw_id_fields = ["user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            # a token acts as its account: staff issue them for partners' accounts and their own, not for
            # an account with more rights than theirs
            kwargs["queryset"] = User.objects.filter(Q(is_staff=False) | Q(pk=request.user.pk))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueTokenForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "user", "begins", "scope_list", "created_at", "expires_at", "revoked_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scopes", "days", "rate_per_minute"]
        return [
            "name",
            "user",
            "begins",
            "scope_list",
            "rate_per_minute",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["rate_per_minute"])
            return
        token, secret = tokens.issue(
            form.cleaned_data["user"],
            form.cleaned_data["name"],
            form.cleaned_data["scopes"],
            days=form.cleaned_data.get("days"),
            rate_per_minute=form.cleaned_data["rate_per_minute"],
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(request, _("The token, shown only now: %(secret)s") % {"secret": secret})

    @admin.display(description=_("scopes"))
    def scope_list(self, token: ApiToken) -> str:
        return "、".join(str(SCOPES.get(scope, scope)) for scope in token.scopes)

    @admin.display(description=_("token begins with"))
    def begins(self, token: ApiToken) -> str:
        return f"{token.prefix}****"  # enough to tell tokens apart, never the secret

    @admin.display(description=_("state"))
    def state(self, token: ApiToken) -> str:
        if token.revoked_at:
            return str(_("revoked"))
        if token.expires_at and token.expires_at <= timezone.now():
            return str(_("expired"))
        return str(_("active"))

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            tokens.revoke(token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)


# --- the outbox: webhooks, TMF hubs, events and their deliveries ----------------------------------

TOPIC_LABELS = {
    "order.created": _("Order placed"),
    "order.state_changed": _("Order status changed"),
    "offer.created": _("Offer created"),
    "offer.changed": _("Offer changed"),
    "offer.deleted": _("Offer deleted"),
    "ticket.created": _("After-sales ticket opened"),
    "ticket.state_changed": _("After-sales ticket status changed"),
    "payment.succeeded": _("Payment received"),
    "payment.refunded": _("Refund completed"),
}


API_LABELS = {
    "productOrderingManagement": _("TMF622 order events"),
    "productCatalogManagement": _("TMF620 catalogue events"),
    "troubleTicket": _("TMF621 ticket events"),
}


class WebhookForm(forms.ModelForm):
    callback = forms.URLField(label=_("callback URL"), max_length=callbacks.MAX_LENGTH, assume_scheme="https")
    topics = forms.MultipleChoiceField(
        label=_("topics"),
        choices=list(TOPIC_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Subscription
        fields = ["callback", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["topics"].initial = self.instance.topics

    def clean_callback(self) -> str:
        try:
            return callbacks.check(self.cleaned_data["callback"])
        except callbacks.CallbackRefused as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["callback", "kind", "listens_to", "active", "pending_count", "failed_count", "created_at"]
    list_filter = ["kind", "active", "api"]
    search_fields = ["callback", "query"]
    readonly_fields = ["kind", "api", "query", "token", "created_at", "created_by"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
                failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.GAVE_UP)),
            )
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None or obj.kind == Subscription.Kind.WEBHOOK:
            kwargs["form"] = WebhookForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["callback", "topics", "active"]
        if obj.kind == Subscription.Kind.WEBHOOK:
            return ["callback", "topics", "active", "kind", "token", "created_at", "created_by"]
        return ["callback", "active", "kind", "api", "query", "token", "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.kind == Subscription.Kind.TMF_HUB:  # a partner's registration: staff may only turn it off
            return [*self.readonly_fields, "callback"]
        return ["kind", "token", "created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        if "topics" in form.cleaned_data:
            obj.query = ",".join(t for t in TOPIC_LABELS if t in form.cleaned_data["topics"])
        if change:
            obj.save()
            return
        secret = new_secret()
        obj.kind, obj.secret, obj.created_by = Subscription.Kind.WEBHOOK, secret, request.user
        obj.save()
        messages.warning(
            request,
            _("The signing secret, shown only now: %(secret)s (check X-Hall-Signature with it).") % {"secret": secret},
        )

    @admin.display(description=_("listens to"))
    def listens_to(self, sub: Subscription) -> str:
        if sub.kind == Subscription.Kind.WEBHOOK:
            return "、".join(str(TOPIC_LABELS.get(t, t)) for t in sub.topics)
        return str(API_LABELS.get(sub.api, sub.api))

    @admin.display(description=_("pending"), ordering="pending")
    def pending_count(self, sub) -> int:
        return sub.pending

    @admin.display(description=_("given up"), ordering="failed")
    def failed_count(self, sub) -> int:
        return sub.failed


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["subscription", "status", "attempts", "next_attempt_at", "delivered_at", "last_status", "last_error"]
    readonly_fields = [
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status",
        "last_error",
    ]

    def has_add_permission(self, request, obj=None):
        return False


def _replayed(modeladmin, request, count: int) -> None:
    modeladmin.message_user(
        request, _("%(count)d deliveries will be sent again now.") % {"count": count}, messages.SUCCESS
    )


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["id", "topic", "resource_type", "resource_id", "created_at", "delivery_summary"]
    list_filter = ["topic", "resource_type"]
    search_fields = ["=resource_id", "=event_id"]
    fields = ["id", "event_id", "topic", "resource_type", "resource_id", "created_at", "payload_json"]
    readonly_fields = ["id", "event_id", "topic", "resource_type", "resource_id", "created_at", "payload_json"]
    inlines = [DeliveryInline]
    actions = ["replay_events", "send_again_from"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                delivered=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DELIVERED)),
                total=Count("deliveries"),
            )
        )

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("delivered"))
    def delivery_summary(self, event) -> str:
        return f"{event.delivered}/{event.total}"

    @admin.display(description=_("payload"))
    def payload_json(self, event) -> str:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, ensure_ascii=False, indent=2))

    @admin.action(description=_("Replay: send every delivery of the selected events again"))
    def replay_events(self, request, queryset):
        _replayed(self, request, delivery.replay(Delivery.objects.filter(event__in=queryset.values("pk"))))

    @admin.action(description=_("Send again from the first selected event on (every later event too)"))
    def send_again_from(self, request, queryset):
        first = queryset.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            _replayed(self, request, delivery.replay_from(first))


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "duration_ms", "error"]
    readonly_fields = ["at", "status_code", "duration_ms", "error"]

    def has_add_permission(self, request, obj=None):
        return False


DELIVERY_FIELDS = (
    "event",
    "subscription",
    "status",
    "attempts",
    "next_attempt_at",
    "delivered_at",
    "last_status",
    "last_error",
)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "subscription", "status", "attempts", "next_attempt_at", "delivered_at", "last_status"]
    list_filter = ["status", "subscription"]
    list_select_related = ["event", "subscription"]
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS  # the log is a record: replay is an action, not an edit
    inlines = [AttemptInline]
    actions = ["replay_deliveries"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Replay: send the selected deliveries again now"))
    def replay_deliveries(self, request, queryset):
        _replayed(self, request, delivery.replay(Delivery.objects.filter(pk__in=queryset.values("pk"))))
