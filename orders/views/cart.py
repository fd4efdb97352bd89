"""Cart pages: thin — parse, call orders.cart.services, render."""

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import redirect_back
from orders import signals
from orders.cart import services as carts
from orders.cart import visitor


def cart(request: HttpRequest):
    summary = carts.summarise(visitor.current_cart(request))
    return render(request, "orders/cart.html", {"tab": "cart", "summary": summary})


@require_POST
def cart_add(request: HttpRequest):
    try:
        line = carts.add_to_cart(
            visitor.cart_to_fill(request),
            request.POST.get("offer"),
            quantity=request.POST.get("quantity", 1),
            variant_id=request.POST.get("variant"),
            city_code=request.session.get("city"),
            number=request.POST.get("number"),
        )
    except carts.CartError as exc:
        messages.error(request, str(exc))
        return redirect_back(request, "cart")
    signals.line_added.send(type(line), request=request, line=line)
    if request.POST.get("buy_now"):  # 立即购买: straight on to confirming the order
        return redirect("checkout")
    messages.success(request, _("Added “%(name)s” to your cart.") % {"name": line.offer.name})
    return redirect("cart")


def _change_line(request: HttpRequest, change):
    current = visitor.current_cart(request)
    try:
        if current is None:
            raise carts.CartError(_("Your cart is empty."))
        change(current)
    except carts.CartError as exc:
        messages.error(request, str(exc))
    return redirect("cart")


@require_POST
def cart_quantity(request: HttpRequest, line_id):
    return _change_line(request, lambda cart: carts.set_quantity(cart, line_id, request.POST.get("quantity")))


@require_POST
def cart_remove(request: HttpRequest, line_id):
    return _change_line(request, lambda cart: carts.remove_line(cart, line_id))


@require_POST
def cart_code_add(request: HttpRequest):
    """A typed coupon code, kept on the cart; the page then says whether it applies and why not."""
    try:
        visitor.may_try_code(request, request.POST.get("code", ""))
        code = carts.add_code(visitor.cart_to_fill(request), request.POST.get("code", ""))
    except (carts.CartError, visitor.CodesTooFast) as exc:
        messages.error(request, str(exc))
        return redirect_back(request, "cart")
    summary = carts.summarise(visitor.current_cart(request))
    why = next((w for c, w in summary.quote.refused if c == code), "")
    if why:
        messages.error(request, _("Code %(code)s: %(why)s") % {"code": code, "why": why})
    elif any(a.code == code for a in summary.quote.applied):
        messages.success(request, _("Code %(code)s applied.") % {"code": code})
    return redirect_back(request, "cart")


@require_POST
def cart_code_remove(request: HttpRequest):
    current = visitor.current_cart(request)
    if current is not None:
        carts.remove_code(current, request.POST.get("code", ""))
    return redirect_back(request, "cart")
