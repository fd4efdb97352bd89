"""The visitor's cart, found from the request: the one place that reads the cart's session key
(the services take a user and a token, never a request)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core import ratelimit
from core.errors import HallError
from orders.cart import services
from orders.models import Cart

SESSION_TOKEN = "cart_token"


class CodesTooFast(HallError):
    code = "slow_down"
    status = 429


def may_try_code(request: HttpRequest, code: str) -> None:
    """Refuse a visitor trying many different codes (guessing short partner codes); retrying the
    same one is free."""
    limit = settings.HALL_PROMO_CODES_PER_HOUR
    if not ratelimit.allow_distinct(request, "promo-code", code.strip().upper(), limit):
        raise CodesTooFast(_("Too many different codes tried. Please wait a while and try again."))


def current_cart(request: HttpRequest) -> Cart | None:
    """The visitor's cart, or None before they put anything in one."""
    return services.find_cart(request.user, request.session.get(SESSION_TOKEN))


def cart_to_fill(request: HttpRequest) -> Cart:
    """The visitor's cart, made if need be; an anonymous visitor's session remembers it."""
    cart = services.open_cart(request.user, request.session.get(SESSION_TOKEN))
    if cart.user_id is None:
        request.session[SESSION_TOKEN] = cart.token
    return cart


def adopt_session_cart(request: HttpRequest, user: User) -> None:
    """On sign-in: the anonymous cart this session named joins the user's cart."""
    services.merge_anonymous_cart(request.session.pop(SESSION_TOKEN, None), user)
