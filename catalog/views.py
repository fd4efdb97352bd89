"""Storefront catalogue pages: thin — parse, call selectors/services, render."""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import compare as compare_list
from catalog import selectors
from catalog.filters import OfferFilterForm
from catalog.kinds import KINDS
from core import fragments
from core.http import redirect_back

PAGE_SIZE = 12
CITY_SESSION_KEY = "city"


def current_city(request):
    return selectors.city_named(request.session.get(CITY_SESSION_KEY))


def _cached_page(request, name: str, build: Callable[[], dict | None]) -> dict | None:
    """A catalogue page's body, rendered once per (address, language, city, catalogue
    generation) for every visitor; what is theirs (CSRF token, compare list) is put in after."""
    query = sorted((k, tuple(v)) for k, v in request.GET.lists())
    city = current_city(request)
    return fragments.shared(
        name,
        (request.path, repr(query), get_language(), city.code if city else ""),
        build,
        on=(fragments.CATALOG,),
        ttl=selectors.fragment_seconds(),
    )


def _body(request, cached: dict) -> str:
    return fragments.fill_csrf(compare_list.fill(cached["html"], compare_list.ids(request.session)), request)


def _listing(request, offers, kind, template, extra) -> dict:
    form = OfferFilterForm(request.GET or None, kind=kind, brand_choices=selectors.brands(offers, kind))
    offers = form.apply(offers)
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "request": request,  # its path and query only: both are in the cache key
        "csrf_token": fragments.CSRF_HOLE,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "city": current_city(request),
        "cities": selectors.cities(),
        **extra,
    }
    return {"html": render_to_string(template, context)}


def _listing_page(request, template: str, cached: dict, extra: dict):
    context = {"tab": "catalogue", "body": _body(request, cached), "compare_ids": compare_list.ids(request.session)}
    return render(request, template, {**context, **extra})


def catalogue(request):
    city = request.session.get(CITY_SESSION_KEY)
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None

    def build() -> dict:
        return _listing(
            request,
            selectors.shop_offers(city),
            kind,
            "catalog/_catalogue_body.html",
            {"categories": selectors.category_tree().top, "kind": kind},
        )

    cached = _cached_page(request, "catalogue", build)
    assert cached is not None
    return _listing_page(request, "catalog/catalogue.html", cached, {})


def category(request, slug):
    tree = selectors.category_tree()
    found = tree.get(slug)
    if found is None:
        raise Http404(_("No such category."))
    city = request.session.get(CITY_SESSION_KEY)
    kind = found.kind or None

    def build() -> dict:
        offers = selectors.shop_offers(city).filter(category_id__in=tree.below(found))
        parent = tree.by_pk.get(found.parent_id)
        return _listing(
            request,
            offers,
            kind,
            "catalog/_category_body.html",
            {"category": found, "parent": parent, "kind": kind, "subcategories": tree.children.get(found.pk, [])},
        )

    cached = _cached_page(request, "category", build)
    assert cached is not None
    return _listing_page(request, "catalog/category.html", cached, {"category": found})


def _offer_body(request, slug: str) -> dict | None:
    offer = selectors.offer_for_detail(slug)
    if offer is None:
        return {"missing": True}  # cached too: a guessed address is not a query each time
    city = current_city(request)
    available = not offer.available_cities or (city is not None and city.code in offer.available_cities)
    html = render_to_string(
        "catalog/_offer_body.html",
        {
            "request": request,  # its path and query only: both are in the cache key
            "csrf_token": fragments.CSRF_HOLE,
            "offer": offer,
            "city": city,
            "cities": selectors.cities(),
            "available_here": available,
            "city_unknown": city is None and bool(offer.available_cities),
            "variants": list(offer.variants.all()),
            "images": list(offer.images.all()),
        },
    )
    return {"html": html, "name": offer.name, "kind": offer.kind}


def offer_detail(request, slug):
    cached = _cached_page(request, "offer", lambda: _offer_body(request, slug))
    if cached is None or cached.get("missing"):
        raise Http404(_("This offer is not on sale."))
    request.analytics_offer_kind = cached["kind"]  # the funnel is per offer kind
    return render(
        request,
        "catalog/offer_detail.html",
        {"tab": "catalogue", "body": _body(request, cached), "offer_name": cached["name"]},
    )


@require_POST
def set_city(request):
    city = selectors.city_named(request.POST.get("city"))
    if city is None:
        request.session.pop(CITY_SESSION_KEY, None)
        if request.POST.get("city"):
            messages.error(request, _("We do not serve that city."))
    else:
        request.session[CITY_SESSION_KEY] = city.code
    return redirect_back(request, "catalogue")


def compare(request):
    offers = selectors.offers_to_compare(compare_list.ids(request.session))
    kind = KINDS[offers[0].kind] if offers else None
    rows = []
    if kind:
        rows = [(a.label, [a.display(o.attributes.get(a.name), o.attributes) for o in offers]) for a in kind.attributes]
    return render(request, "catalog/compare.html", {"tab": "catalogue", "offers": offers, "kind": kind, "rows": rows})


@require_POST
def compare_add(request):
    try:
        compare_list.add(request.session, request.POST.get("offer"))
    except compare_list.CompareError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, "catalogue")


@require_POST
def compare_remove(request):
    compare_list.remove(request.session, request.POST.get("offer"))
    return redirect_back(request, "compare")
