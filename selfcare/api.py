"""/api/v1/me/…: the signed-in subscriber, their bound numbers with balance and allowances, bills,
itemised records (after the same second check as the page) and plan changes, with the same rules
as 我的. Session or token authentication; 401/403 when signed out."""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Offer
from core.api import error_body
from core.errors import HallError
from core.phone import mask_phone
from orders.checkout import telecom
from orders.checkout.services import CheckoutError
from orders.models import OrderStatus
from orders.payments import services as payments
from selfcare import records, selectors, services
from selfcare.views import BIND
from subscribers import bindings, codes
from subscribers.models import BoundNumber
from tenants.gateways.bss import BssError


class BucketSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    used = serializers.DecimalField(max_digits=14, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2)
    valid_until = serializers.DateField()


class BoundNumberSerializer(serializers.Serializer):
    number = serializers.CharField()
    primary = serializers.BooleanField()
    status = serializers.CharField(allow_null=True)
    plan = serializers.CharField(allow_null=True)
    contract_until = serializers.DateField(allow_null=True)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    arrears = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)
    buckets = BucketSerializer(many=True)
    unavailable = serializers.BooleanField(help_text="The BSS did not answer; nothing else is shown.")


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    numbers = BoundNumberSerializer(many=True)


class BillItemSerializer(serializers.Serializer):
    name = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class BillSerializer(serializers.Serializer):
    period = serializers.CharField()
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    items = BillItemSerializer(many=True)
    status = serializers.ChoiceField(choices=["paid", "unpaid", "overdue"])
    due_on = serializers.DateField()


class RecordSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=["call", "sms", "data"])
    direction = serializers.CharField(allow_blank=True)
    counterpart = serializers.CharField(allow_blank=True, help_text="Masked: 138****5678.")
    quantity = serializers.IntegerField(help_text="Seconds of a call, texts, or KB of data.")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class PlanChangeSerializer(serializers.Serializer):
    plan = serializers.CharField(max_length=60)
    effective = serializers.ChoiceField(choices=["next_month", "now"], default="next_month")
    accept_terms = serializers.BooleanField()


class PlacedSerializer(serializers.Serializer):
    order = serializers.CharField()
    status = serializers.CharField()


def _number(card: selectors.NumberCard) -> dict:
    usage, subscriber = card.usage, card.subscriber
    return {
        "number": card.number,
        "primary": card.primary,
        "status": usage.status if usage else None,
        "plan": subscriber.plan if subscriber else None,
        "contract_until": card.contract_until,
        "balance": usage.balance if usage else None,
        "arrears": usage.arrears if usage else None,
        "as_of": usage.as_of if usage else None,
        "buckets": [{**vars(b), "remaining": b.remaining} for b in (usage.buckets if usage else ())],
        "unavailable": card.unavailable,
    }


def _user(request: Request) -> User:
    return cast(User, request.user)  # IsAuthenticated


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        cards = selectors.cards(_user(request))
        return Response(MeSerializer({"username": request.user.get_username(), "numbers": map(_number, cards)}).data)


class BillsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: BillSerializer(many=True), 502: OpenApiResponse(description="The BSS is down.")})
    def get(self, request: Request, number: str) -> Response:
        try:
            found = selectors.bills(selectors.own_number(_user(request), number))
        except BssError:
            busy = _("The carrier's system did not answer. Please try again in a moment.")
            return Response(error_body("bss_unavailable", busy), status=status.HTTP_502_BAD_GATEWAY)
        return Response(BillSerializer(found, many=True).data)


class RecordsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=["call", "sms", "data"], required=False)],
        responses={
            200: RecordSerializer(many=True),
            403: OpenApiResponse(description="A fresh code to the number is needed first (second_check_required)."),
        },
    )
    def get(self, request: Request, number: str, period: str) -> Response:
        number = selectors.own_number(_user(request), number)
        if not codes.proved(request.session, number):
            return Response(
                error_body("second_check_required", _("Confirm a fresh code sent to the number first.")),
                status=status.HTTP_403_FORBIDDEN,
            )
        kind = request.query_params.get("kind", "")
        found = records.read(_user(request), number, period, kind, via="api")
        response = Response(RecordSerializer(found, many=True).data)
        response["Cache-Control"] = "no-store"
        return response


class PlanChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PlanChangeSerializer,
        responses={
            201: PlacedSerializer,
            409: OpenApiResponse(description="Refused: the carrier's rules (error.message says which), or no terms."),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        number = selectors.own_number(_user(request), number)
        data = PlanChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["accept_terms"]:
            raise CheckoutError(_("Choose a plan and accept its terms."), "terms_not_accepted")
        offer = Offer.objects.filter(slug=data.validated_data["plan"], kind="plan").first()
        if offer is None:
            raise HallError(_("This plan is not on sale."), "unknown_plan")
        key = request.headers.get("Idempotency-Key", "").strip()[:40] or uuid.uuid4().hex
        order = telecom.place_plan_change(
            _user(request), number, offer, data.validated_data["effective"], proved=True, token=key
        )
        if order.status == OrderStatus.AWAITING_PAYMENT:
            payments.settle_free(order)
            order.refresh_from_db()
        selectors.forget(number)
        return Response({"order": order.number, "status": order.status}, status=status.HTTP_201_CREATED)


class SendBindCodeSerializer(serializers.Serializer):
    number = serializers.RegexField(r"^1[3-9]\d{9}$", help_text="A mobile number of this carrier.")


class VerifyBindCodeSerializer(serializers.Serializer):
    number = serializers.RegexField(r"^1[3-9]\d{9}$")
    code = serializers.RegexField(r"^\d{6}$")


class SentSerializer(serializers.Serializer):
    sent_to = serializers.CharField(help_text="The number, masked.")


class BoundSerializer(serializers.Serializer):
    number = serializers.CharField()
    primary = serializers.BooleanField()


class ServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    monthly_fee = serializers.DecimalField(max_digits=8, decimal_places=2)
    ends_on = serializers.DateField(allow_null=True)
    cancellable = serializers.BooleanField()
    cancel_effective = serializers.CharField(allow_blank=True)


class PlanChoiceSerializer(serializers.Serializer):
    plan = serializers.CharField()
    name = serializers.CharField()
    monthly_fee = serializers.DecimalField(max_digits=8, decimal_places=2)
    allowed = serializers.BooleanField()
    refusal = serializers.CharField(allow_blank=True, help_text="Why not, in the subscriber's words.")
    effective = serializers.ListField(child=serializers.CharField())
    fee_difference = serializers.DecimalField(max_digits=8, decimal_places=2)


class PlanSerializer(serializers.Serializer):
    plan = serializers.CharField(allow_null=True)
    contract_until = serializers.DateField(allow_null=True)
    services = ServiceSerializer(many=True)
    choices = PlanChoiceSerializer(many=True)


class StopsSerializer(serializers.Serializer):
    stops_on = serializers.DateField()


class BindNumbersView(APIView):
    """Bind a number: a code is texted to it (this POST), then confirmed (…/verify/)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=SendBindCodeSerializer, responses={202: SentSerializer})
    def post(self, request: Request) -> Response:
        data = SendBindCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = data.validated_data["number"]
        if bindings.is_bound(request.user, number):
            raise HallError(_("%(number)s is already bound to your account.") % {"number": number}, "already_bound")
        if error := BIND.send(request, number):
            raise HallError(error, "code_not_sent")
        return Response({"sent_to": mask_phone(number)}, status=status.HTTP_202_ACCEPTED)


class VerifyBindCodeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=VerifyBindCodeSerializer, responses={201: BoundSerializer})
    def post(self, request: Request) -> Response:
        data = VerifyBindCodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = data.validated_data["number"]
        if BIND.number(request) != number:
            raise HallError(_("Ask for a code first."), "no_code")
        if error := BIND.verify(request, data.validated_data["code"]):
            raise HallError(error, "wrong_code")
        binding = bindings.bind(_user(request), number, BoundNumber.Proof.CODE)
        BIND.change(request)
        selectors.forget(number)
        return Response({"number": binding.number, "primary": binding.primary}, status=status.HTTP_201_CREATED)


class PlanView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PlanSerializer, 409: OpenApiResponse(description="The BSS did not answer.")})
    def get(self, request: Request, number: str) -> Response:
        number = selectors.own_number(_user(request), number)
        shown = selectors.plan_card(number)
        choices = [
            {
                "plan": offer.slug,
                "name": offer.name,
                "monthly_fee": offer.sale_price,
                "allowed": quote.allowed,
                "refusal": refusal,
                "effective": list(quote.effective),
                "fee_difference": quote.fee_difference,
            }
            for offer, quote, refusal in selectors.plan_choices(number)
        ]
        body = {
            "plan": shown.plan.name if shown.plan else None,
            "contract_until": shown.contract_until,
            "services": [vars(p) for p in shown.services],
            "choices": choices,
        }
        return Response(PlanSerializer(body).data)


class CancelServiceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: StopsSerializer})
    def post(self, request: Request, number: str, code: str) -> Response:
        until = services.cancel_service(selectors.own_number(_user(request), number), code)
        selectors.forget(number)
        return Response({"stops_on": until})
