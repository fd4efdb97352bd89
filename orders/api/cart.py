"""Cart API: the same services as the cart pages, for the session's or the token user's cart."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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


class CartSerializer(serializers.Serializer):
    lines = LineSerializer(many=True)
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


def _cart_response(request: Request, status_code=status.HTTP_200_OK):
    summary = carts.summarise(visitor.current_cart(request))
    return Response(CartSerializer(summary).data, status=status_code)


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
