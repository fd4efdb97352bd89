"""我的 → 卡券: the wallet page and claiming (领券 / 抢红包). Thin: reads are promotions.selectors,
the claim is selfcare.coupons; a refusal (ClaimRefused) reaches the one HallError page mapping."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import SignedInRequest
from promotions import selectors
from promotions.models import CouponBatch
from promotions.services import is_phone_credit
from selfcare import coupons
from subscribers import bindings


def _back(request: HttpRequest) -> str:
    """Where the claim was made from (the home page block, the festival page), if it is ours."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("wallet")


@login_required
def wallet(request: SignedInRequest) -> HttpResponse:
    entries = selectors.wallet(request.user)

    def rows(packets: bool) -> list[dict]:
        return [
            {"entry": e, "reward": coupons.reward_text(e.promotion), "condition": coupons.condition_text(e.promotion)}
            for e in entries
            if _is_packet(e.coupon.batch) == packets
        ]

    return render(
        request,
        "selfcare/wallet.html",
        {
            "tab": "me",
            "coupons": rows(packets=False),
            "packets": rows(packets=True),
            "claimable": coupons.claim_cards(request.user),
            "numbers": bindings.numbers_of(request.user),
        },
    )


def _is_packet(batch: CouponBatch) -> bool:
    return batch.kind == CouponBatch.Kind.RED_PACKET


@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    back = _back(request)
    if not request.user.is_authenticated:  # sign in, then back to the page the button was on
        return redirect_to_login(back, reverse("account-login"))
    user = request.user
    batch_id = request.POST.get("batch", "")
    number = (request.POST.get("number") or "").strip()
    batch = CouponBatch.objects.select_related("promotion").filter(pk=_int(batch_id)).first()
    if batch is not None and is_phone_credit(batch) and not number and bindings.numbers_of(user):
        # a 话费 red packet goes to a number: the wallet page asks which
        messages.info(request, _("Choose which of your numbers receives the credit."))
        return redirect(f"{reverse('wallet')}?{urlencode({'claim': batch.pk})}#claim-{batch.pk}")
    coupon = coupons.claim(user, batch_id, number)  # type: ignore[arg-type]  # signed in above
    if coupon.number:
        messages.success(
            request,
            _("Claimed: %(name)s, credited to %(number)s once it is active.")
            % {"name": coupon.batch.name, "number": coupon.number},
        )
    else:
        messages.success(request, _("Claimed: %(name)s. It is in 我的 → 卡券.") % {"name": coupon.batch.name})
    return redirect(back)


def _int(value: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0
