"""The shop shell's pages: home, account. Number selection fills in with its issue."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.selectors import session_city
from core.http import SignedInRequest
from core.ratelimit import allow
from promotions import selectors as promotions
from promotions.models import CouponBatch
from selfcare import coupons
from storefront import flash
from storefront.decoration import render as render_blocks
from storefront.decoration import services as decoration
from subscribers import bindings

SIGN_IN_ATTEMPTS_PER_MINUTE = 10


def home(request):
    """The decorated home page; the built-in default until staff publish one."""
    return _decorated(request, decoration.HOME_SLUG, fallback="hall/home.html")


def landing_page(request, slug):
    if slug in (decoration.HOME_SLUG, decoration.THEME_SLUG):
        raise Http404
    return _decorated(request, slug)


# The SIM agreements checkout links to: the carrier's own text where its staff published a page
# with this slug (decoration, like any landing page), else the shop's default.
AGREEMENTS = {
    "service": ("service-agreement", "hall/agreement_service.html"),
    "privacy": ("privacy-policy", "hall/agreement_privacy.html"),
}


def agreement(request, kind):
    if kind not in AGREEMENTS:
        raise Http404
    slug, fallback = AGREEMENTS[kind]
    return _decorated(request, slug, fallback=fallback)


def _decorated(request, slug, fallback=None):
    published = render_blocks.live(slug)
    if published is None or "sections" not in published["document"]:
        if fallback:
            return render(request, fallback, {"tab": "home"})
        raise Http404
    sections = render_blocks.live_sections(slug, published, request)
    request.analytics_page_version = published["version"]  # views compare between published versions
    return render(
        request,
        "hall/decorated_page.html",
        {
            "tab": "home" if slug == decoration.HOME_SLUG else "",
            "sections": sections,
            "page_version": published["version"],
        },
    )


def festival(request: HttpRequest, slug: str) -> HttpResponse:
    """A sales festival's page: it publishes itself at its warm-up (or start) and unpublishes
    itself at its end (404 outside). Not cached: the claim buttons are this visitor's."""
    found = promotions.festival_on_show(slug)
    if found is None:
        raise Http404
    running = promotions.festival_promotions(found)
    city = session_city(request)
    sales = [
        {"promotion": p, "offers": flash.flash_offers(p, city), "countdown": flash.countdown(p)}
        for p in running
        if p.flash and flash.on_show(p)
    ]
    batches = list(
        CouponBatch.objects.filter(
            promotion__in=running, kind__in=[CouponBatch.Kind.CLAIMABLE, CouponBatch.Kind.RED_PACKET]
        ).select_related("promotion__reward_offer")
    )
    now = timezone.now()
    phase, until = ("start", found.starts_at) if now < found.starts_at else ("end", found.ends_at)
    return render(
        request,
        "hall/festival.html",
        {
            "tab": "home",
            "festival": found,
            "phase": phase,
            "until": until,
            "sales": [s for s in sales if s["offers"]],
            "claimable": coupons.claim_cards(request.user, batches),
            "numbers": bindings.numbers_of(request.user),
        },
    )


@login_required
def set_password(request: SignedInRequest) -> HttpResponse:
    """Codes sign in; a password is optional, set (or changed) here by a signed-in subscriber."""
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)  # this session stays signed in
        messages.success(request, _("Your password is set. You can sign in with it or with a code."))
        return redirect("account")
    return render(request, "hall/set_password.html", {"tab": "me", "form": form})


class ShopAuthenticationForm(AuthenticationForm):
    """Staff sign in at /admin/ only, where failures lock the account (core.admin.lockout): the
    shop's form must not be a side door for guessing their passwords, so it answers as for any
    wrong password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The mobile number or the password is wrong."),
    }

    def confirm_login_allowed(self, user) -> None:
        if user.is_staff or user.is_superuser:
            raise self.get_invalid_login_error()
        super().confirm_login_allowed(user)


class LoginView(auth_views.LoginView):
    form_class = ShopAuthenticationForm
    template_name = "hall/login.html"
    extra_context = {"tab": "me"}
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not allow(request, "sign-in", SIGN_IN_ATTEMPTS_PER_MINUTE):  # password guessing
            return render(request, "hall/slow_down.html", {"tab": "me"}, status=429)
        return super().post(request, *args, **kwargs)
