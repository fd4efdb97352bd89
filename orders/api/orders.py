"""Order API: place an order from the cart, read my orders, and the payment gateways'
notification endpoint. The same services as the pages."""

from typing import cast

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import ratelimit
from core.api import error_body
from core.http import max_body
from orders.cart import visitor
from orders.checkout import services as checkout
from orders.checkout.form import CheckoutForm
from orders.events import describe
from orders.models import Order, OrderEvent, OrderLine
from orders.payments import services as payments
from orders.selectors import my_orders, timeline
from subscribers import codes
from tenants import ports
from tenants.gateways import ADAPTERS, UnknownAdapter

NOTIFICATIONS_PER_MINUTE = 600  # per sending address; a gateway sends far fewer


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "category",
            "offer",
            "offer_kind",
            "name",
            "detail",
            "number",
            "unit_price",
            "unit_list_price",
            "quantity",
            "terms",
        ]


class EventSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()  # type: ignore[assignment]  # the event's label, not the field's
    reason = serializers.CharField(source="subscriber_reason")

    class Meta:
        model = OrderEvent
        fields = ["at", "action", "label", "from_status", "to_status", "reason"]

    def get_label(self, event) -> str:

        return describe(event)


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    status_label = serializers.CharField(source="get_status_display")
    holder = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "kind",
            "status",
            "status_label",
            "goods_total",
            "deposit_total",
            "discount_total",
            "payable",
            "payment_due_at",
            "paid_at",
            "created_at",
            "service_number",
            "holder",
            "lines",
        ]

    def get_holder(self, order: Order) -> str:  # masked: personal data never leaves in full
        return str(order.identity) if order.identity_id else ""


class OrderDetailSerializer(OrderSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = OrderSerializer.Meta.fields + ["timeline"]

    def get_timeline(self, order: Order) -> list:
        return list(EventSerializer(timeline(order), many=True).data)


class PlaceOrderSerializer(serializers.Serializer):
    expected_total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="The total the subscriber agreed to; a changed price refuses."
    )
    holder_name = serializers.CharField(required=False)
    holder_id_number = serializers.CharField(required=False)
    recipient = serializers.CharField(required=False)
    contact_phone = serializers.CharField(required=False)
    province = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    district = serializers.CharField(required=False)
    address_detail = serializers.CharField(required=False)
    service_number = serializers.CharField(required=False)
    accept_terms = serializers.BooleanField(required=False)
    agreements = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Every SIM number in the cart, for each of which the subscriber accepted the network access "
        "service agreement and the privacy policy (required for every SIM).",
    )


class OrdersView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer

    def get_queryset(self):
        return my_orders(cast(User, self.request.user))  # IsAuthenticated

    @extend_schema(
        request=PlaceOrderSerializer,
        responses={
            201: OrderDetailSerializer,
            400: OpenApiResponse(description="No Idempotency-Key, or the details are not valid (see error.fields)."),
            409: OpenApiResponse(description="The cart cannot be ordered now (e.g. empty, a price changed)."),
        },
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The same key again returns the same order.",
            )
        ],
    )
    def post(self, request: Request):
        key = request.headers.get("Idempotency-Key", "").strip()[:40]
        if not key:
            return Response(
                error_body("idempotency_key_required", "Send an Idempotency-Key header."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = cast(User, request.user)  # IsAuthenticated
        if (done := checkout.placed_with(user, key)) is not None:
            return Response(OrderDetailSerializer(done).data, status=status.HTTP_201_CREATED)
        cart = visitor.current_cart(request)
        plan = checkout.plan_checkout(cart)
        if plan.problems or cart is None:
            return Response(error_body("checkout_refused", " ".join(plan.problems)), status=status.HTTP_409_CONFLICT)
        data = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        form = CheckoutForm({**data, "token": key}, needs=plan.needs, terms=plan.terms, sims=plan.sims)
        if not form.is_valid():
            return Response(
                error_body("invalid", str(next(iter(form.errors.values()))[0]), form.errors),
                status=status.HTTP_400_BAD_REQUEST,
            )
        order = checkout.place_from_cart(
            user,
            cart,
            form.details(),
            token=key,
            expected_total=form.cleaned_data["expected_total"],
            proved=frozenset(n for n in [form.details().service_number] if n and codes.proved(request.session, n)),
        )
        return Response(OrderDetailSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OrderDetailSerializer, 404: OpenApiResponse(description="Not one of my orders.")})
    def get(self, request: Request, number: str):
        return Response(OrderDetailSerializer(get_object_or_404(Order, number=number, user=request.user)).data)


NOTIFICATION_MAX_BYTES = 64 * 1024  # a gateway's notification is a few hundred bytes


@csrf_exempt  # the gateway posts from outside; its signature is the proof, not a cookie
@require_POST
@max_body(NOTIFICATION_MAX_BYTES)
def payment_notify(request: HttpRequest, adapter):
    if adapter not in ADAPTERS["payment"]:
        raise Http404
    try:  # only the adapter this carrier may use answers (production refuses simulators)
        payment_gateway = ports.payment(adapter=adapter)
    except UnknownAdapter:
        raise Http404 from None
    if not ratelimit.allow(request, "payment-notify", NOTIFICATIONS_PER_MINUTE):  # junk floods
        return HttpResponse("fail: slow down", content_type="text/plain", status=429)
    ok, outcome = payments.handle_notification(adapter, request.POST.dict())
    if ok:
        return HttpResponse(payment_gateway.acknowledgement, content_type="text/plain")
    return HttpResponse(f"fail: {outcome}", content_type="text/plain", status=400)
