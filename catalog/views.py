"""Storefront catalogue pages: thin — parse, call selectors/services, render."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import compare as compare_list
from catalog import selectors
from catalog.filters import OfferFilterForm
from catalog.kinds import KINDS
from core.http import redirect_back

PAGE_SIZE = 12
CITY_SESSION_KEY = "city"


def current_city(request):
    return selectors.city_named(request.session.get(CITY_SESSION_KEY))


def _listing(request, offers, kind, template, extra):
    form = OfferFilterForm(request.GET or None, kind=kind, brand_choices=selectors.brands(offers, kind))
    offers = form.apply(offers)
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "tab": "catalogue",
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "city": current_city(request),
        "cities": selectors.cities(),
        "compare_ids": compare_list.ids(request.session),
        **extra,
    }
    return render(request, template, context)


def catalogue(request):
    city = request.session.get(CITY_SESSION_KEY)
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
    return _listing(
        request,
        selectors.shop_offers(city),
        kind,
        "catalog/catalogue.html",
        {"categories": selectors.CategoryTree().top, "kind": kind},
    )


def category(request, slug):
    tree = selectors.CategoryTree()
    found = tree.get(slug)
    if found is None:
        raise Http404(_("No such category."))
    city = request.session.get(CITY_SESSION_KEY)
    kind = found.kind or None
    offers = selectors.shop_offers(city).filter(category_id__in=tree.below(found))
    parent = tree.by_pk.get(found.parent_id)
    return _listing(
        request,
        offers,
        kind,
        "catalog/category.html",
        {"category": found, "parent": parent, "kind": kind, "subcategories": tree.children.get(found.pk, [])},
    )


def offer_detail(request, slug):
    offer = selectors.offer_for_detail(slug)
    if offer is None:
        raise Http404(_("This offer is not on sale."))
    request.analytics_offer_kind = offer.kind  # the funnel is per offer kind
    city = current_city(request)
    available = not offer.available_cities or (city is not None and city.code in offer.available_cities)
    return render(
        request,
        "catalog/offer_detail.html",
        {
            "tab": "catalogue",
            "offer": offer,
            "city": city,
            "cities": selectors.cities(),
            "available_here": available,
            "city_unknown": city is None and bool(offer.available_cities),
            "variants": list(offer.variants.all()),
            "images": list(offer.images.all()),
            "compare_ids": compare_list.ids(request.session),
        },
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
