"""Claiming coupons and red packets for a signed-in subscriber (pages and API alike): counted per
account so a script cannot sweep a batch, then promotions.services.claim, which counts the batch."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import ratelimit
from core.errors import HallError
from core.money import yuan
from core.tenancy import current_schema
from promotions import selectors, services
from promotions.models import Coupon, CouponBatch, Promotion

CLAIMS_PER_MINUTE = 10
R = Promotion.Reward


class ClaimsTooFast(HallError):
    code = "slow_down"
    status = 429


def claim(user: User, batch_id: object, number: str = "") -> Coupon:
    minute = int(time.time() // 60)
    if ratelimit.count(f"ratelimit:claim:{current_schema()}:user:{user.pk}:{minute}", 65) > CLAIMS_PER_MINUTE:
        raise ClaimsTooFast(_("Too many claims in a short time. Please wait a minute and try again."))
    return services.claim(user, batch_id, number)


def reward_text(promotion: Promotion) -> str:
    """What a coupon gives, in a few words: ¥10 off, 20% off, ¥30 话费."""
    value = promotion.reward_value
    if promotion.reward == R.AMOUNT:
        return _("%(amount)s off") % {"amount": yuan(value)}
    if promotion.reward == R.PERCENT:
        return _("%(percent)s%% off") % {"percent": f"{value.normalize():f}"}
    if promotion.reward == R.BSS_CREDIT:
        return _("%(amount)s 话费 credit") % {"amount": yuan(value)}
    if promotion.reward == R.FIXED_PRICE:
        return _("Now %(amount)s") % {"amount": yuan(value)}
    if promotion.reward == R.WAIVE_NUMBER_FEE:
        return _("Number fee waived")
    if promotion.reward == R.FREE_ADDON and promotion.reward_offer_id:
        return _("Free %(name)s") % {"name": promotion.reward_offer.name if promotion.reward_offer else ""}
    return str(promotion.get_reward_display())


def condition_text(promotion: Promotion) -> str:
    if promotion.min_spend > Decimal("0"):
        return _("On orders from %(amount)s") % {"amount": yuan(promotion.min_spend)}
    return pgettext("coupon condition", "No minimum spend")


@dataclass
class ClaimCard:
    """One claimable batch as a page shows it."""

    batch: CouponBatch
    reward: str
    condition: str
    left: int | None
    why: str
    phone_credit: bool

    @property
    def promotion(self) -> Promotion:
        return self.batch.promotion


def claim_cards(user: User | AnonymousUser, batches: list[CouponBatch] | None = None) -> list[ClaimCard]:
    return [
        ClaimCard(
            c.batch,
            reward_text(c.batch.promotion),
            condition_text(c.batch.promotion),
            c.left,
            c.why,
            services.is_phone_credit(c.batch),
        )
        for c in selectors.claimable(user, batches)
    ]
