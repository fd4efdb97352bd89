"""Carts (and, with checkout, orders) of one carrier's subscribers (tenant schema)."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Offer, OfferVariant
from promotions.models import Promotion
from realname.models import Identity


class Cart(models.Model):
    """An anonymous visitor's cart is found by a random token kept in the session (the session
    key itself changes at sign-in); a signed-in subscriber's by the user. Signing in merges the
    first into the second."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    token = models.CharField(max_length=32, null=True, blank=True, unique=True)
    # The city the visitor shopped in (city-scoped promotions and budgets), and the codes they typed.
    city = models.SlugField(max_length=20, blank=True, default="")
    promo_codes = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | models.Q(token__isnull=False), name="cart_has_an_owner"
            ),
        ]

    def __str__(self):
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(OfferVariant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)], default=1)
    # What the offer still needs before checkout (a chosen number, an installation address).
    details = models.JSONField(default=dict, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "offer", "variant"], name="cart_line_unique", nulls_distinct=False),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.offer} × {self.quantity}"


class OrderStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    IN_FULFILMENT = "in_fulfilment", _("In fulfilment")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED_UNPAID = "closed_unpaid", _("Closed (not paid)")
    REFUNDING = "refunding", _("Refunding")
    REFUNDED = "refunded", _("Refunded")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")


class OrderKind(models.TextChoices):
    NEW_SIM = "new_sim", _("New SIM with number")
    BROADBAND_INSTALL = "broadband_install", _("New broadband")
    BROADBAND_RENEWAL = "broadband_renewal", _("Broadband renewal")
    DEPOSIT_CREDIT = "deposit_credit", _("Deposit for credit")
    TOP_UP = "top_up", _("Top-up")
    ADDON = "addon", _("Add-on / plan")
    DEVICE = "device", _("Device")
    PLAN_CHANGE = "plan_change", _("Plan change")


money: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class Order(models.Model):
    """One subscriber order of any kind. `status` changes only through orders.states.transition."""

    number = models.CharField(_("order number"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("subscriber"), on_delete=models.PROTECT, related_name="orders"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrderKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PAYMENT, editable=False
    )
    # A double click or a retried request carries the same key: one order.
    idempotency_key = models.CharField(max_length=80, unique=True, editable=False)
    goods_total = models.DecimalField(_("goods"), **money, default=Decimal("0"))
    deposit_total = models.DecimalField(_("deposits and number fees"), **money, default=Decimal("0"))
    discount_total = models.DecimalField(_("discounts"), **money, default=Decimal("0"))
    payable = models.DecimalField(_("to pay"), **money, default=Decimal("0"))
    # The subscriber's existing number an add-on, top-up or renewal is for.
    service_number = models.CharField(_("service number"), max_length=11, blank=True)
    identity = models.ForeignKey(
        Identity,
        verbose_name=_("registered to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    contact_phone = models.CharField(_("contact phone"), max_length=11, blank=True)
    recipient = models.CharField(_("recipient"), max_length=30, blank=True)
    province = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    district = models.CharField(_("district"), max_length=30, blank=True)
    address_detail = models.CharField(_("address"), max_length=120, blank=True)
    terms_accepted = models.JSONField(_("terms accepted"), default=list, blank=True)
    # The analytics visitor (a random cookie id) who placed it: paid and activated count for them.
    visitor_id = models.CharField(max_length=32, blank=True, editable=False)
    payment_due_at = models.DateTimeField(_("pay by"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status since"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["status", "payment_due_at"]),
            models.Index(fields=["kind", "status"]),
        ]
        permissions = [("act_on_order", _("Can act on orders (cancel, refund, flag)"))]

    def __str__(self):
        return self.number

    @property
    def hold_owner(self) -> str:
        """Numbers this order holds are held by the order, not by a cart."""
        return f"order:{self.pk}"

    @property
    def address_line(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district, self.address_detail) if p)


class OrderLine(models.Model):
    """A frozen copy of what was bought, at the price of the moment."""

    class Category(models.TextChoices):
        GOODS = "goods", _("Goods")
        NUMBER_FEE = "number_fee", _("Number fee")
        DEPOSIT = "deposit", _("Deposit")
        GIFT = "gift", _("Gift")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(max_length=12, choices=Category.choices, default=Category.GOODS)
    offer = models.ForeignKey(Offer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    variant = models.ForeignKey(OfferVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    offer_kind = models.CharField(max_length=20, blank=True)
    name = models.CharField(_("item"), max_length=120)
    detail = models.CharField(_("detail"), max_length=120, blank=True)
    number = models.CharField(_("number"), max_length=11, blank=True)
    unit_price = models.DecimalField(_("unit price"), **money)
    unit_list_price = models.DecimalField(_("list price"), **money)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    # This line's part of the order's promotion discounts (all units together); see OrderDiscount.
    discount = models.DecimalField(_("promotion discount"), **money, default=Decimal("0"))
    # A lucky number's tier terms: minimum monthly spend and contract months.
    terms = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def net_subtotal(self) -> Decimal:
        """What the line cost after its part of the promotions."""
        return self.subtotal - self.discount


class OrderDiscount(models.Model):
    """A promotion the order had, as the subscriber and the invoice see it: its reason and amount,
    and how the amount sat on the lines (a partial refund gives back the refunded lines' part)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    promotion = models.ForeignKey(Promotion, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("discount"), max_length=120)
    code = models.CharField(_("code"), max_length=20, blank=True)
    klass = models.CharField(max_length=10, blank=True)
    amount = models.DecimalField(_("amount"), **money, default=Decimal("0"))
    credit = models.DecimalField(_("话费 credit"), **money, default=Decimal("0"))
    shares = models.JSONField(default=dict, blank=True)  # order line id → yuan

    class Meta:
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class OrderEvent(models.Model):
    """The order's timeline, append-only: who did what, when and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=40, default="system")  # "subscriber", "staff", "gateway", "system"
    reason = models.CharField(max_length=300, blank=True)
    public = models.BooleanField(default=True)  # shown to the subscriber
    data = models.JSONField(default=dict, blank=True)  # technical detail for staff

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.order_id} {self.action}"

    @property
    def subscriber_reason(self) -> str:
        """Staff write their reasons for colleagues: the subscriber sees the event, not the note."""
        return "" if self.actor_label == "staff" else self.reason


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Closed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    out_trade_no = models.CharField(max_length=64, unique=True)  # "<carrier>-<order>P<n>": unique at a shared gateway
    adapter = models.CharField(max_length=20)
    amount = models.DecimalField(**money)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    trade_no = models.CharField(max_length=64, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(max_length=20, blank=True)  # "notification" or "query"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.out_trade_no


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=72, unique=True)
    amount = models.DecimalField(**money)
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # True for the refund of the order itself (it ends the order); False for giving back a
    # stray payment (a late or second one), which leaves the order as it is.
    closes_order = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class PaymentNotification(models.Model):
    """Every notification that reached us, verified or not: replays are found by notify_id."""

    adapter = models.CharField(max_length=20)
    notify_id = models.CharField(max_length=64, blank=True)
    out_trade_no = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=40)  # "applied", "duplicate", "ignored: …", "rejected: …"
    fields = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["adapter", "notify_id"], condition=~models.Q(notify_id=""), name="payment_notification_once"
            )
        ]


class FulfilmentStep(models.Model):
    """One step of an order's fulfilment, done at most once (the guard for its external effect)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["order", "step"], name="fulfilment_step_once")]


class Payout(models.Model):
    """One month of a deposit-for-credit order's returns."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Scheduled")
        CREDITED = "credited", _("Credited")
        STOPPED = "stopped", _("Stopped")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payouts")
    month = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    bonus_part = models.DecimalField(**money, default=Decimal("0"))
    deposit_part = models.DecimalField(**money, default=Decimal("0"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "month"]
        constraints = [models.UniqueConstraint(fields=["order", "month"], name="payout_month_once")]
        indexes = [models.Index(fields=["status", "due_on"])]

    @property
    def amount(self) -> Decimal:
        return self.bonus_part + self.deposit_part


class Ticket(models.Model):
    """An after-sales request with its own state machine (orders.aftersales.tickets)."""

    class Kind(models.TextChoices):
        CANCEL = "cancel", _("Cancel before shipment")
        REFUND = "refund", _("Refund request")
        RETURN = "return", _("Return the card")
        REPLACEMENT = "replacement", _("Card replacement")
        COMPLAINT = "complaint", _("Complaint")
        FAULT = "fault", _("Broadband fault")

    class Status(models.TextChoices):
        OPEN = "open", _("Submitted")
        IN_PROGRESS = "in_progress", _("Being handled")
        APPROVED = "approved", _("Approved")
        RECEIVED = "received", _("Received back")
        SCHEDULED = "scheduled", _("Technician booked")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Declined")
        CLOSED = "closed", _("Closed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("subscriber"), on_delete=models.PROTECT, related_name="tickets"
    )
    order = models.ForeignKey(
        Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, editable=False)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    broadband_account = models.CharField(_("broadband account"), max_length=20, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
    )
    sla_due_at = models.DateTimeField(_("answer due by"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("after-sales ticket")
        verbose_name_plural = _("after-sales tickets")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "sla_due_at"])]

    def __str__(self):
        return self.code

    @property
    def code(self) -> str:
        return f"T{self.pk:07d}" if self.pk else "T"


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True, choices=Ticket.Status.choices)
    to_status = models.CharField(max_length=12, blank=True, choices=Ticket.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=20, default="system")
    note = models.CharField(max_length=1000, blank=True)
    internal = models.BooleanField(default=False)  # staff notes: never shown to the subscriber

    class Meta:
        ordering = ["at", "pk"]


class Verification(models.Model):
    """The real-name check of a SIM order's identity: ship first, verify later; activation waits
    for "passed". The portrait is kept (encrypted) only until the provider has it. The workflow
    is orders.fulfilment.verification."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for your portrait")
        CHECKING = "checking", _("Being checked")
        PASSED = "passed", _("Verified")
        FAILED = "failed", _("Not verified")
        EXPIRED = "expired", _("Deadline passed")

    order = models.OneToOneField(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="verification")
    identity = models.ForeignKey(
        Identity, verbose_name=_("identity"), on_delete=models.CASCADE, related_name="verifications"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=20, blank=True)
    # the two-factor check before the order: passed, skipped (the provider has none), unavailable
    precheck = models.CharField(_("name and ID check before the order"), max_length=12, blank=True)
    portrait_encrypted = models.TextField(blank=True)
    liveness = models.JSONField(default=dict, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    reminders_sent = models.JSONField(_("reminders sent (days left)"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("portrait submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        db_table = "realname_verification"  # made by realname's migrations before the model moved here
        verbose_name = _("real-name verification")
        verbose_name_plural = _("real-name verifications")
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return str(self.order)  # staff find a verification by its order number
