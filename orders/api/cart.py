"""Cart API: the same services as the cart pages, for the session's or the token user's cart."""

import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import HallError
from orders.cart import services as carts
from orders.cart import visitor


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line.pk")
    offer = serializers.IntegerField(source="line.offer_id")
    offer_name = serializers.CharField(source="line.offer.name")
    variant = serializers.IntegerField(source="line.variant_id", allow_null=True)
    quantity = serializers.IntegerField(source="line.quantity")
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit_list_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    subtotal = serializers.DecimalField(max_digits=16, decimal_places=2)
    saving = serializers.DecimalField(max_digits=16, decimal_places=2)
    needs = serializers.CharField()
    problem = serializers.CharField()


class DiscountLineSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why: the promotion's description, as on the cart page.")
    code = serializers.CharField(allow_blank=True, help_text="The coupon code it came with, if any.")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Off the payable.")
    credit = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="话费 credited after activation.")


class RefusedCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()


class CartSerializer(serializers.Serializer):
    lines = LineSerializer(many=True)
    promotions = DiscountLineSerializer(many=True, source="quote.applied")
    refused_codes = RefusedCodeSerializer(many=True, source="refused")
    promotion_discount = serializers.DecimalField(max_digits=16, decimal_places=2)
    count = serializers.IntegerField()
    list_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    discount = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    needs_input = serializers.BooleanField()


class AddLineSerializer(serializers.Serializer):
    offer = serializers.IntegerField()
    quantity = serializers.IntegerField(default=1)
    variant = serializers.IntegerField(required=False, allow_null=True)


class QuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField()


class Priced:
    """A cart summary as the API shows it (the refused codes as objects)."""

    def __init__(self, summary: carts.CartSummary) -> None:
        self.summary = summary
        self.refused = [{"code": code, "reason": why} for code, why in summary.quote.refused]

    def __getattr__(self, name: str):
        return getattr(self.summary, name)


def _cart_response(request: Request, status_code=status.HTTP_200_OK):
    summary = carts.summarise(visitor.current_cart(request))
    return Response(CartSerializer(Priced(summary)).data, status=status_code)


REFUSED = OpenApiResponse(description="Refused (see error.message), or the values are not valid (error.fields).")


class CartView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=CartSerializer)
    def get(self, request: Request):
        return _cart_response(request)


class CartLinesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=AddLineSerializer, responses={201: CartSerializer, 400: REFUSED})
    def post(self, request: Request):
        data = AddLineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        carts.add_to_cart(
            visitor.cart_to_fill(request),
            data.validated_data["offer"],
            quantity=data.validated_data["quantity"],
            variant_id=data.validated_data.get("variant"),
            city_code=request.session.get("city"),
        )
        return _cart_response(request, status.HTTP_201_CREATED)


class CartLineView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=QuantitySerializer, responses={200: CartSerializer, 400: REFUSED})
    def patch(self, request: Request, line_id):
        data = QuantitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        carts.set_quantity(self._cart(request), line_id, data.validated_data["quantity"])
        return _cart_response(request)

    @extend_schema(responses={200: CartSerializer, 400: REFUSED})
    def delete(self, request: Request, line_id):
        carts.remove_line(self._cart(request), line_id)
        return _cart_response(request)

    @staticmethod
    def _cart(request: Request):
        cart = visitor.current_cart(request)
        if cart is None:
            raise carts.CartError("empty")
        return cart


class CodeSerializer(serializers.Serializer):
    code = serializers.RegexField(r"^[A-Za-z0-9 ]{1,30}$", help_text="A coupon code as printed (spaces ignored).")


class CodeRefused(HallError):
    """A typed code that does not apply to this cart; `code` says which kind of refusal."""

    status = 409


CODE_REFUSED = OpenApiResponse(
    description="The code does not apply: error.code is unknown_code, expired, used_up, not_eligible, "
    "not_combinable, not_live, min_spend, not_applicable, budget_exhausted or code_refused; error.message says "
    "why in the request's language."
)


class CartCodesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=CodeSerializer, responses={201: CartSerializer, 400: REFUSED, 409: CODE_REFUSED})
    def post(self, request: Request):
        """Apply a coupon code to the cart. A code that does not apply is not kept, and the answer says why."""
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visitor.may_try_code(request, data.validated_data["code"])
        cart = visitor.cart_to_fill(request)
        code = carts.add_code(cart, data.validated_data["code"])
        summary = carts.summarise(cart)
        why = next((w for c, w in summary.quote.refused if c == code), "")
        if why:
            carts.remove_code(cart, code)
            raise CodeRefused(why, refusal_code(why))
        return Response(CartSerializer(Priced(summary)).data, status=status.HTTP_201_CREATED)


class CartCodeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CartSerializer})
    def delete(self, request: Request, code: str):
        """Take a coupon code off the cart (nothing happens when it was not on it)."""
        cart = visitor.current_cart(request)
        if cart is not None:
            carts.remove_code(cart, code)
        return _cart_response(request)


def refusal_code(why: str) -> str:
    """A stable code for a refusal the pricing engine explains in words (in the request's language,
    so the same words are compared)."""
    kinds = {
        "unknown_code": [_("There is no coupon with this code.")],
        "expired": [_("This coupon has expired."), _("This promotion has ended.")],
        "used_up": [_("This code has been used up."), _("This code has already been used.")],
        "not_eligible": [
            _("Not available in your city."),
            _("Only for new subscribers."),
            _("Only for holders of a number bound under 我的."),
            _("Sign in to use a coupon."),
        ],
        "not_combinable": [_("Cannot be combined with the better discount already applied.")],
        "not_live": [_("This promotion is paused."), _("This promotion starts at %(when)s.")],
        "min_spend": [_("Spend ¥%(min)s on eligible items to use it (¥%(now)s now).")],
        "not_applicable": [
            _("Does not apply to what is in your cart."),
            _("This code does not apply."),
            _("The price is already at the lowest the carrier allows."),
        ],
        "budget_exhausted": [_("This promotion has run out.")],
    }
    for kind, messages in kinds.items():
        for message in messages:
            pattern = ".+".join(re.escape(part) for part in re.split(r"%\(\w+\)s", message))
            if re.fullmatch(pattern, why):
                return kind
    return "code_refused"
