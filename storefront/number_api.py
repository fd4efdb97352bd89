"""Number selection API: search the pool, hold a number for this session's cart."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_body, form_parameters
from core.phone import MOBILE_NUMBER
from core.ratelimit import allow
from numberpool import holds, search
from numberpool.models import MobileNumber
from orders.cart import services as carts
from orders.cart import visitor


class NumberSerializer(serializers.ModelSerializer):
    class Meta:
        model = MobileNumber
        fields = ["number", "city", "tier", "price", "minimum_spend", "contract_months"]


class HeldNumberSerializer(NumberSerializer):
    class Meta(NumberSerializer.Meta):
        fields = NumberSerializer.Meta.fields + ["held_until"]


class HoldRequestSerializer(serializers.Serializer):
    number = serializers.RegexField(MOBILE_NUMBER.pattern)


class NumberPageSerializer(serializers.Serializer):
    results = NumberSerializer(many=True)
    has_next = serializers.BooleanField()


class NumberTakenErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    similar = NumberSerializer(many=True, help_text="Free numbers like the one asked for.")


class NumberTakenSerializer(serializers.Serializer):
    error = NumberTakenErrorSerializer()


class NumberSearchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="v1_numbers_list",
        parameters=form_parameters(search.NumberSearchForm),
        responses={
            200: NumberPageSerializer,
            400: OpenApiResponse(description="A search value is not valid (see error.fields)."),
            429: OpenApiResponse(description="Too many searches from this visitor in a minute."),
        },
    )
    def get(self, request):
        if not allow(request._request, "number-search", settings.HALL_NUMBER_SEARCHES_PER_MINUTE):
            raise Throttled(wait=60)
        form = search.NumberSearchForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        data = form.cleaned_data
        if form.is_empty():
            found, more = search.random_pick(city=data["city"]), False
        else:
            found, more = search.search(
                tail=data["tail"],
                contains=data["contains"],
                exclude=data["exclude"],
                birthday=data["birthday"],
                tier=data["tier"],
                city=data["city"],
                max_price=data["max_price"],
                page=data.get("page") or 1,
            )
        return Response({"results": NumberSerializer(found, many=True).data, "has_next": more})


class NumberHoldView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=HoldRequestSerializer,
        responses={
            201: HeldNumberSerializer,
            409: OpenApiResponse(NumberTakenSerializer, description="Someone else holds or bought the number."),
            429: OpenApiResponse(description="Too many holds from this visitor in a minute."),
        },
    )
    def post(self, request):
        if not allow(request._request, "number-hold", settings.HALL_NUMBER_HOLDS_PER_MINUTE):
            raise Throttled(wait=60)
        data = HoldRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = visitor.cart_to_fill(request)
        try:
            held = holds.hold(
                data.validated_data["number"],
                carts.hold_owner(cart),
                settings.HALL_NUMBER_HOLD_MINUTES,
                settings.HALL_NUMBER_MAX_HOLDS,
                protected=carts.chosen_numbers(cart),
            )
        except holds.NumberTaken as exc:
            body = error_body("number_taken", str(exc))
            body["error"]["similar"] = NumberSerializer(search.similar(exc.number), many=True).data
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(HeldNumberSerializer(held).data, status=status.HTTP_201_CREATED)
