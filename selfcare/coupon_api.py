"""/api/v1/coupons/… and /api/v1/me/coupons/: claimable coupons of live promotions, claiming one
(the same per-account limit and refusals as the page), and the subscriber's wallet."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from promotions import selectors
from promotions.models import Coupon, CouponBatch
from selfcare import coupons


class ClaimableSerializer(serializers.Serializer):
    batch = serializers.IntegerField(source="batch.pk")
    name = serializers.CharField(source="batch.name")
    kind = serializers.ChoiceField(
        choices=[CouponBatch.Kind.CLAIMABLE, CouponBatch.Kind.RED_PACKET], source="batch.kind"
    )
    reason = serializers.CharField(source="promotion.description", help_text="What it is for, as on discount lines.")
    reward = serializers.CharField(help_text="What it gives, in words: ¥10 off, 20% off, ¥30 话费.")
    reward_kind = serializers.CharField(source="promotion.reward")
    reward_value = serializers.DecimalField(max_digits=12, decimal_places=2, source="promotion.reward_value")
    min_spend = serializers.DecimalField(max_digits=12, decimal_places=2, source="promotion.min_spend")
    condition = serializers.CharField()
    ends_at = serializers.DateTimeField(source="promotion.ends_at")
    left = serializers.IntegerField(allow_null=True, help_text="How many are left; null: no count.")
    needs_number = serializers.BooleanField(source="phone_credit", help_text="话费: claim names a bound number.")
    unavailable = serializers.CharField(source="why", allow_blank=True, help_text="Why it cannot be claimed now.")


class ClaimSerializer(serializers.Serializer):
    batch = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    number = serializers.RegexField(
        r"^1[3-9]\d{9}$", required=False, allow_blank=True, help_text="A bound number, for a 话费 red packet."
    )


class CouponSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    batch = serializers.IntegerField(source="batch_id")
    name = serializers.CharField(source="batch.name")
    reason = serializers.CharField(source="batch.promotion.description")
    status = serializers.ChoiceField(choices=Coupon.Status.choices)
    number = serializers.CharField(allow_blank=True, help_text="The number a 话费 red packet is credited to.")
    credited = serializers.BooleanField(help_text="A 话费 red packet the carrier has credited.")
    valid_until = serializers.DateTimeField(allow_null=True)


class WalletEntrySerializer(serializers.Serializer):
    coupon = CouponSerializer()
    reward = serializers.CharField()
    condition = serializers.CharField()
    usable = serializers.BooleanField()
    why = serializers.CharField(allow_blank=True, help_text="Why it cannot be used now ('' when it can).")


CLAIM_REFUSED = OpenApiResponse(
    description="Refused: error.code is unknown, not_claimable, not_live, number, claimed or all_claimed."
)


def _coupon(coupon: Coupon) -> dict:
    return {
        "id": coupon.pk,
        "batch_id": coupon.batch_id,
        "batch": coupon.batch,
        "status": coupon.status,
        "number": coupon.number,
        "credited": coupon.credited_at is not None,
        "valid_until": coupon.valid_until,
    }


class ClaimableView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ClaimableSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Coupons and red packets of live promotions to claim (for a signed-in caller, with their own state)."""
        return Response(ClaimableSerializer(coupons.claim_cards(request.user), many=True).data)


class ClaimView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ClaimSerializer, responses={201: CouponSerializer, 404: CLAIM_REFUSED, 409: CLAIM_REFUSED})
    def post(self, request: Request) -> Response:
        """领券 / 抢红包: one coupon of the batch for this account."""
        data = ClaimSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = cast(User, request.user)  # IsAuthenticated
        coupon = coupons.claim(user, data.validated_data["batch"], data.validated_data.get("number") or "")
        return Response(CouponSerializer(_coupon(coupon)).data, status=status.HTTP_201_CREATED)


class WalletView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=WalletEntrySerializer(many=True))
    def get(self, request: Request) -> Response:
        """我的 → 卡券: every coupon and red packet of the account, usable ones first."""
        entries = selectors.wallet(cast(User, request.user))
        rows = [
            {
                "coupon": _coupon(e.coupon),
                "reward": coupons.reward_text(e.promotion),
                "condition": coupons.condition_text(e.promotion),
                "usable": e.usable,
                "why": e.why,
            }
            for e in entries
        ]
        return Response(WalletEntrySerializer(rows, many=True).data)
