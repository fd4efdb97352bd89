"""Read queries of the catalogue. Every listing costs a fixed number of queries, however many
offers it shows (images are prefetched, categories joined)."""
from django.db.models import Prefetch

from .models import Category, City, Offer, OfferImage


def cities():
    return list(City.objects.all())


def city_named(code):
    return City.objects.filter(code=code).first() if code else None


def top_categories():
    return list(Category.objects.filter(is_active=True, parent__isnull=True)
                .prefetch_related("children"))


def category_by_slug(slug):
    return Category.objects.filter(slug=slug, is_active=True).select_related("parent").first()


def category_tree_ids(category) -> list[int]:
    """The category and every active category below it."""
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier, is_active=True).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def shop_offers(city_code=None):
    """Offers on sale now in this city, ready for a listing."""
    first_image = Prefetch("images", queryset=OfferImage.objects.order_by("-sort_weight", "pk"))
    return (Offer.objects.on_sale().available_in(city_code)
            .select_related("category").prefetch_related(first_image))


def offers_in_category(category, city_code=None):
    return shop_offers(city_code).filter(category_id__in=category_tree_ids(category))


def brands(offers):
    return sorted({b for b in offers.filter(kind="phone").values_list("attributes__brand", flat=True) if b})


def offer_for_detail(slug):
    """An on-sale offer with its images and variants, or None (off sale, draft, unknown)."""
    return (Offer.objects.on_sale().filter(slug=slug).select_related("category")
            .prefetch_related("images", "variants").first())


def offers_to_compare(ids):
    return list(shop_offers().filter(pk__in=ids))
