"""Number selection pages: search the pool, hold a number, put the SIM with it in the cart."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.selectors import cities, city_named, sim_offers
from core import fragments
from core.phone import MOBILE_NUMBER
from core.ratelimit import allow
from numberpool import holds, search
from orders.cart import services as carts
from orders.cart import visitor


def _too_many(request):
    response = render(request, "hall/slow_down.html", {"tab": "numbers"}, status=429)
    response["Retry-After"] = "60"
    return response


def _search_form(request, form: search.NumberSearchForm, offer: str) -> str:
    """The search form, rendered once per query, language and catalogue generation for every
    visitor (widgets rendered through templates are most of this page's cost)."""
    tiers = search.tier_names()
    query = fragments.known_query(request, form.fields) if form.is_bound else []  # not ?batch=…

    def build() -> str:
        return render_to_string(
            "catalog/_number_search_form.html",
            {"form": form, "offer": offer, "tiers": tiers, "cities": cities()},
        )

    html = fragments.shared(
        "number-search-form", (repr(query), offer, get_language(), *tiers), build, on=(fragments.CATALOG,)
    )
    return mark_safe(html or "")  # noqa: S308 - our own rendered template


def numbers(request):
    if not allow(request, "number-search", settings.HALL_NUMBER_SEARCHES_PER_MINUTE):
        return _too_many(request)
    form = search.NumberSearchForm(request.GET or None)
    found, has_next, random_batch = [], False, False
    page = 1
    if form.is_bound and form.is_valid() and not form.is_empty():
        data = form.cleaned_data
        page = data.get("page") or 1
        found, has_next = search.search(
            tail=data["tail"],
            contains=data["contains"],
            exclude=data["exclude"],
            birthday=data["birthday"],
            tier=data["tier"],
            city=data["city"] or request.session.get("city", ""),
            max_price=data["max_price"],
            page=page,
        )
    else:
        random_batch = True
        found = search.random_pick(
            city=request.session.get("city", "") if city_named(request.session.get("city")) else "",
            seed=request.GET.get("batch"),
        )
    query = request.GET.copy()
    query.pop("page", None)
    shop_cities = cities()
    names = {c.code: c.name for c in shop_cities}
    for number in found:  # 归属地: where the number belongs, as subscribers expect on every card
        number.city_name = names.get(number.city, number.city)
    return render(
        request,
        "catalog/numbers.html",
        {
            "tab": "numbers",
            "search_form": _search_form(request, form, request.GET.get("offer", "")),
            "numbers": found,
            "has_next": has_next,
            "page": page,
            "random_batch": random_batch,
            "city_chosen": city_named(request.session.get("city")),
            "query": query.urlencode(),
            "offer": request.GET.get("offer", ""),
        },
    )


@require_POST
def hold_number(request):
    if not allow(request, "number-hold", settings.HALL_NUMBER_HOLDS_PER_MINUTE):
        return _too_many(request)
    number = request.POST.get("number", "")
    offer = request.POST.get("offer", "")
    if not MOBILE_NUMBER.match(number):
        messages.error(request, _("Choose a number from the list."))
        return redirect("numbers")
    cart = visitor.cart_to_fill(request)
    try:
        holds.hold(
            number,
            carts.hold_owner(cart),
            settings.HALL_NUMBER_HOLD_MINUTES,
            settings.HALL_NUMBER_MAX_HOLDS,
            protected=carts.chosen_numbers(cart),
        )
    except holds.NumberTaken as exc:
        return render(
            request,
            "catalog/numbers.html",
            {
                "tab": "numbers",
                "search_form": _search_form(request, search.NumberSearchForm(), offer),
                "numbers": search.similar(number),
                "taken": str(exc),
                "offer": offer,
            },
            status=409,
        )
    return redirect(f"/numbers/held/{number}/?offer={offer}" if offer else f"/numbers/held/{number}/")


def held(request, number):
    cart = visitor.current_cart(request)
    hold = holds.current_hold(number, carts.hold_owner(cart)) if cart else None
    if hold is None:
        messages.error(request, _("Your hold on %(number)s has ended. Choose a number again.") % {"number": number})
        return redirect("numbers")
    offers = sim_offers()
    chosen = request.GET.get("offer") or (offers[0].slug if offers else "")
    if not offers:
        raise Http404(_("No SIM card is on sale right now."))
    return render(
        request, "catalog/number_held.html", {"tab": "numbers", "hold": hold, "offers": offers, "chosen": chosen}
    )
