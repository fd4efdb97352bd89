"""Storefront catalogue pages: thin — parse, call selectors/services, render."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import compare as compare_list
from catalog import selectors
from catalog.filters import OfferFilterForm, query_fields
from catalog.kinds import KINDS
from core import fragments
from core.http import redirect_back

PAGE_SIZE = 12


def current_city(request):
    return selectors.city_named(selectors.session_city(request))


def _cached_page(request, name: str, build: Callable[[dict], dict | None], fields: set[str]) -> dict | None:
    """A catalogue page's body, rendered once per (address, the query parameters it reads,
    language, city, catalogue generation) for every visitor; what is theirs (CSRF token, compare
    list) is put in after. `build` gets what the templates may know of the request."""
    query = fragments.known_query(request, fields)
    city = current_city(request)
    data = QueryDict(mutable=True)
    for k, values in query:
        data.setlist(k, values)
    seen = {
        "data": data,  # the query as the key has it: what the page is built from
        "city": city,
        "has_query": bool(query),
        "next_path": request.path + ("?" + urlencode(query, doseq=True) if query else ""),
    }
    return fragments.shared(
        name,
        (request.path, repr(query), get_language(), city.code if city else ""),
        lambda: build(seen),
        on=(fragments.CATALOG,),
        ttl=selectors.fragment_seconds(),
    )


def _body(request, cached: dict, compare_ids) -> str:
    return fragments.fill_csrf(compare_list.fill(cached["html"], compare_ids), request)


def _listing(seen: dict, offers, kind, template, extra) -> dict:
    data = seen["data"]
    form = OfferFilterForm(data or None, kind=kind, brand_choices=selectors.brands(offers, kind))
    offers = form.apply(offers)
    page = Paginator(offers, PAGE_SIZE).get_page(data.get("page"))
    query = {k: v for k, v in data.lists() if k in form.fields}  # not the page number
    context = {
        **seen,  # the request as the cache key knows it, nothing else of it
        "csrf_token": fragments.CSRF_HOLE,
        "form": form,
        "page": page,
        "query": urlencode(query, doseq=True),
        "cities": selectors.cities(),
        **extra,
    }
    return {"html": render_to_string(template, context)}


def _listing_page(request, template: str, cached: dict, extra: dict):
    compare_ids = compare_list.ids(request.session)
    context = {"tab": "catalogue", "body": _body(request, cached, compare_ids), "compare_ids": compare_ids}
    return render(request, template, {**context, **extra})


def catalogue(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None

    def build(seen: dict) -> dict:
        city = seen["city"]
        return _listing(
            seen,
            selectors.shop_offers(city.code if city else None),
            kind,
            "catalog/_catalogue_body.html",
            {"categories": selectors.category_tree().top, "kind": kind},
        )

    cached = _cached_page(request, "catalogue", build, query_fields(kind))
    assert cached is not None
    return _listing_page(request, "catalog/catalogue.html", cached, {})


def category(request, slug):
    tree = selectors.category_tree()
    found = tree.get(slug)
    if found is None:
        raise Http404(_("No such category."))
    kind = found.kind or None

    def build(seen: dict) -> dict:
        city = seen["city"]
        offers = selectors.shop_offers(city.code if city else None).filter(category_id__in=tree.below(found))
        parent = tree.by_pk.get(found.parent_id)
        return _listing(
            seen,
            offers,
            kind,
            "catalog/_category_body.html",
            {"category": found, "parent": parent, "kind": kind, "subcategories": tree.children.get(found.pk, [])},
        )

    cached = _cached_page(request, "category", build, query_fields(kind))
    assert cached is not None
    return _listing_page(request, "catalog/category.html", cached, {"category": found})


def _offer_body(seen: dict, slug: str) -> dict | None:
    offer = selectors.offer_for_detail(slug)
    if offer is None:
        return {"missing": True}  # cached too: a guessed address is not a query each time
    city = seen["city"]
    available = not offer.available_cities or (city is not None and city.code in offer.available_cities)
    html = render_to_string(
        "catalog/_offer_body.html",
        {
            **seen,  # the request as the cache key knows it, nothing else of it
            "csrf_token": fragments.CSRF_HOLE,
            "offer": offer,
            "cities": selectors.cities(),
            "available_here": available,
            "city_unknown": city is None and bool(offer.available_cities),
            "variants": list(offer.variants.all()),
            "images": list(offer.images.all()),
        },
    )
    return {"html": html, "name": offer.name, "kind": offer.kind}


def offer_detail(request, slug):
    cached = _cached_page(request, "offer", lambda seen: _offer_body(seen, slug), set())
    if cached is None or cached.get("missing"):
        raise Http404(_("This offer is not on sale."))
    request.analytics_offer_kind = cached["kind"]  # the funnel is per offer kind
    return render(
        request,
        "catalog/offer_detail.html",
        {
            "tab": "catalogue",
            "body": _body(request, cached, compare_list.ids(request.session)),
            "offer_name": cached["name"],
        },
    )


@require_POST
def set_city(request):
    city = selectors.city_named(request.POST.get("city"))
    if city is None:
        request.session.pop(selectors.CITY_SESSION_KEY, None)
        if request.POST.get("city"):
            messages.error(request, _("We do not serve that city."))
    else:
        request.session[selectors.CITY_SESSION_KEY] = city.code
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
