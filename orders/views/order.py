"""Checkout, top-up and the subscriber's order pages: thin — parse, call a service, render."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import ratelimit
from core.http import SignedInRequest, loads_safely
from core.money import yuan
from orders import fulfilment, signals
from orders.aftersales import closing, tickets
from orders.cart import visitor
from orders.checkout import services as checkout
from orders.checkout.form import CheckoutForm, IdentityForm
from orders.events import describe
from orders.fulfilment import verification as verifying
from orders.live import live_signatures
from orders.models import Order, OrderStatus, Ticket
from orders.payments import links, payouts
from orders.payments import services as payments
from orders.selectors import address_initial, current_balance, my_order, my_orders, own_number, timeline
from orders.states import ENDED
from subscribers import bindings, codes
from tenants import ports
from tenants.gateways import UnknownAdapter, current_carrier


def _proved(request: HttpRequest, number: str) -> frozenset[str]:
    """The number, if this visitor confirmed it by a code in the last 15 minutes."""
    return frozenset([number]) if number and codes.proved(request.session, number) else frozenset()


def pay_redirect(request: SignedInRequest, order: Order, back: str = ""):
    """Send the subscriber to the gateway's page for this order (`back`: where to come back to,
    the order's page by default)."""
    signals.order_handed_to_payment.send(Order, request=request, order=order)
    back = back or reverse("order", args=[order.number])
    if order.payable == 0 and order.status == OrderStatus.AWAITING_PAYMENT:
        payments.settle_free(order)
        return redirect(back)
    try:
        carrier = current_carrier()  # the configured domain, never the request's Host header
        url = payments.start_payment(
            order,
            notify_url=carrier.public_url(reverse("payment-notify", args=[ports.payment().name])),
            return_url=carrier.public_url(
                back if back != reverse("order", args=[order.number]) else reverse("order-return", args=[order.number])
            ),
        )
    except payments.PaymentError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    except UnknownAdapter:  # no payment gateway this carrier may use (production refuses simulators)
        messages.error(request, _("Online payment is not available in this shop right now."))
        return redirect(back)
    return HttpResponseRedirect(url)


@login_required
def checkout_page(request: SignedInRequest):
    if request.method == "POST" and (done := checkout.placed_with(request.user, request.POST.get("token", ""))):
        return pay_redirect(request, done)  # a double click: the first click's order
    cart = visitor.current_cart(request)
    plan = checkout.plan_checkout(cart)
    form = None
    if request.method == "POST" and not plan.problems and cart is not None:
        form = CheckoutForm(request.POST, needs=plan.needs, terms=plan.terms, sims=plan.sims)
        if form.is_valid():
            try:
                order = checkout.place_from_cart(
                    request.user,
                    cart,
                    form.details(),
                    token=form.cleaned_data["token"],
                    expected_total=form.cleaned_data["expected_total"],
                    proved=_proved(request, form.details().service_number),
                )
                return pay_redirect(request, order)
            except checkout.CheckoutError as exc:
                form.add_error(getattr(exc, "field", None), str(exc))
                plan = checkout.plan_checkout(cart, checkout.who_from(request.user, form.details()))
                data = request.POST.copy()
                data["expected_total"] = str(plan.payable)
                form.data = data  # the next submit agrees to the new prices
    if form is None:
        if plan.summary.lines:
            signals.checkout_started.send(Order, request=request, offer_kind=plan.summary.lines[0].line.offer.kind)
        form = CheckoutForm(
            initial={
                "token": uuid.uuid4().hex,
                "expected_total": plan.payable,
                "service_number": next(iter(bindings.numbers_of(request.user)), ""),
                **address_initial(request.user),
            },
            needs=plan.needs,
            terms=plan.terms,
            sims=plan.sims,
        )
    return render(request, "orders/checkout.html", {"tab": "cart", "plan": plan, "form": form})


def _top_up_amount(post) -> str:
    """A typed amount wins over the tiles (typing is the explicit act; without script the
    "other amount" tile cannot tick itself), else the chosen tile."""
    custom = post.get("custom", "").strip()
    chosen = post.get("amount", "")
    return custom if custom or chosen == "other" else chosen


@login_required
def top_up(request: SignedInRequest):
    error = ""
    if request.method == "POST":
        if not ratelimit.allow(request, "top-up", 10):
            return render(request, "hall/slow_down.html", {"tab": "home"}, status=429)
        try:
            order = checkout.place_top_up(
                request.user,
                request.POST.get("number", "").strip(),
                _top_up_amount(request.POST),
                token=request.POST.get("token", "")[:40] or uuid.uuid4().hex,
            )
            return pay_redirect(request, order)
        except checkout.CheckoutError as exc:
            error = str(exc)
    # The number: as posted, as asked for (?number=, e.g. from "我的"), else the subscriber's own.
    bound = bindings.numbers_of(request.user)
    mine = bound[0] if bound else own_number(request.user)
    number = (request.POST.get("number") or request.GET.get("number") or mine).strip()[:11]
    chosen = request.POST.get("amount") or str(checkout.TOP_UP_PRESETS[0])
    return render(
        request,
        "orders/top_up.html",
        {
            "tab": "home",
            "presets": [str(p) for p in checkout.TOP_UP_PRESETS],
            "token": uuid.uuid4().hex,
            "error": error,
            "low": checkout.TOP_UP_MIN,
            "high": checkout.TOP_UP_MAX,
            "posted": request.POST,
            "number": number,
            "chosen": chosen,
            "balance": _balance_for(request, number),
            "bound": bound,
        },
    )


def _balance_for(request: SignedInRequest, number: str):
    """A balance is the holder's business: shown only for a number bound to this account, or one
    this visitor proved by an SMS code in the last 15 minutes, never for any number typed in."""
    holds = number and (bindings.is_bound(request.user, number) or codes.proved(request.session, number))
    return current_balance(number) if holds else None


@login_required
def top_up_balance(request: SignedInRequest):
    """The balance of the number being typed on the top-up page (shop.js asks once 11 digits are
    in), for a number this visitor proved; rate-limited like the top-up itself."""
    if not ratelimit.allow(request, "top-up-balance", 20):
        return JsonResponse({"balance": None}, status=429)
    balance = _balance_for(request, request.GET.get("number", "").strip()[:11])
    return JsonResponse({"balance": None if balance is None else yuan(balance)}, headers={"Cache-Control": "no-store"})


@login_required
def order_list(request: SignedInRequest):
    return render(request, "orders/order_list.html", {"tab": "me", "orders": my_orders(request.user)})


def _mine(request: SignedInRequest, number: str) -> Order:
    return my_order(request.user, number)


def _detail(request: SignedInRequest, order: Order, identity_form: IdentityForm | None = None, status: int = 200):
    verification = getattr(order, "verification", None)
    return render(
        request,
        "orders/order_detail.html",
        {
            "tab": "me",
            "order": order,
            "events": timeline(order),
            "lines": order.lines.all(),
            "discounts": order.discounts.all(),
            "payouts": payouts.progress(order),
            "renewed_until": fulfilment.new_expiry(order),
            "verification": verification,
            "verify": verifying.choices(order),
            "live": live_signatures(order),
            "identity_form": identity_form or IdentityForm(),
            "follow": order.status not in ENDED,  # the page follows an order until nothing more happens
            "ticket_kinds": [(k, Ticket.Kind(k).label) for k in tickets.kinds_for(order)],
            "fault_slots": tickets.fault_slots(),
            "tickets": order.tickets.all(),
            "verification_reason": verifying.reason_text(verification) if verification else "",
        },
        status=status,
    )


@login_required
def order_detail(request: SignedInRequest, number: str):
    return _detail(request, _mine(request, number))


@login_required
@require_POST
def order_identity(request: SignedInRequest, number: str):
    """A corrected name and ID after a mismatch; errors are shown on the form, kept as typed."""
    order = _mine(request, number)
    if getattr(order, "verification", None) is None:
        raise Http404
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            verifying.correct_identity(
                order, form.cleaned_data["holder_name"], form.cleaned_data["holder_id_number"], user=request.user
            )
            messages.success(request, _("Thank you: now verify with a photo of your face."))
            return redirect("order", order.number)
        except verifying.IdentityCorrectionError as exc:
            form.add_error("holder_name", str(exc))
    return _detail(request, my_order(request.user, order.number), form, status=400)


@login_required
@require_POST
def order_verify(request: SignedInRequest, number: str):
    order = _mine(request, number)
    verification = getattr(order, "verification", None)
    if verification is None:
        raise Http404
    upload = request.FILES.get("portrait")
    try:
        liveness = loads_safely(request.POST.get("liveness") or "{}")
    except ValueError:
        liveness = {}
    try:
        verifying.submit(
            verification,
            upload.read(verifying.MAX_PORTRAIT_BYTES + 1) if upload else b"",
            liveness if isinstance(liveness, dict) else {},
        )
        messages.success(request, _("Thank you: your photo is being checked."))
    except verifying.VerificationError as exc:
        messages.error(request, str(exc))
    return redirect("order", order.number)


@login_required
def order_status(request: SignedInRequest, number: str):
    """What the order page shows, for it to refresh itself without a reload."""
    order = _mine(request, number)
    events = [
        {"at": localtime(e.at).strftime("%m-%d %H:%M:%S"), "label": str(describe(e)), "reason": e.subscriber_reason}
        for e in timeline(order)
    ]
    verification = getattr(order, "verification", None)
    return JsonResponse(
        {
            "status": order.status,
            "status_label": order.get_status_display(),
            "events": events,
            "verification": verification.get_status_display() if verification else "",
            "sections": live_signatures(order),
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@require_POST
def order_pay(request: SignedInRequest, number: str):
    return pay_redirect(request, _mine(request, number))


def order_pay_link(request: HttpRequest, number: str, token: str):
    """A channel order's payment link: its customer pays without an account (see orders.payments.links)."""
    order = links.order_for_link(number, token)
    if order is None:
        raise Http404
    if request.method == "POST" and order.status == OrderStatus.AWAITING_PAYMENT:
        here = reverse("order-pay-link", args=[number, token])
        return pay_redirect(request, order, back=here)  # type: ignore[arg-type]  # the customer needs no account
    if order.status == OrderStatus.AWAITING_PAYMENT:
        payments.sync_with_gateway(order)  # back from the gateway: ask it rather than wait
        order.refresh_from_db()
    return render(request, "orders/pay_link.html", {"order": order, "token": token, "tab": "me"})


@login_required
def order_return(request: SignedInRequest, number: str):
    """Back from the gateway's page: ask the gateway rather than wait for its notification."""
    order = _mine(request, number)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        if payments.sync_with_gateway(order):
            messages.success(request, _("Payment received. Thank you!"))
        else:
            messages.info(request, _("We have not received the payment yet."))
    return redirect("order", order.number)


@login_required
@require_POST
def order_cancel(request: SignedInRequest, number: str):
    order = _mine(request, number)
    refund = verifying.choices(order)["cancel"]  # a card that cannot be verified: cancelled with a refund
    if request.POST.get("confirm") != "yes":  # the order page's button asks first, with or without script
        return render(request, "orders/cancel_confirm.html", {"order": order, "tab": "me", "refund": refund})
    try:
        if refund:
            verifying.cancel_unverified(order, user=request.user, reason=request.POST.get("reason", "")[:200])
            messages.success(request, _("The order is cancelled; the payment is being refunded."))
        else:
            closing.cancel(order, actor=request.user, reason=request.POST.get("reason", "")[:200])
            messages.success(request, _("The order is cancelled."))
    except (closing.CancelRefused, payments.PaymentError, verifying.IdentityCorrectionError) as exc:
        messages.error(request, str(exc))
    return redirect("order", number)
