"""Catalogue API (public, read-only): categories and offers on sale, with the shop's filters."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny

from catalog import selectors
from catalog.filters import SORTS, OfferFilterForm
from catalog.kinds import KINDS
from catalog.models import Category, Offer, OfferVariant


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)  # null: top level

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "parent", "kind"]


class VariantSerializer(serializers.ModelSerializer):
    price = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = OfferVariant
        fields = ["id", "colour", "storage_gb", "price", "stock"]


class OfferSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    kind_label = serializers.SerializerMethodField()
    price_suffix = serializers.SerializerMethodField()
    needs = serializers.SerializerMethodField()
    max_quantity = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()

    class Meta:
        model = Offer
        fields = [
            "id",
            "slug",
            "kind",
            "kind_label",
            "name",
            "subtitle",
            "category",
            "list_price",
            "sale_price",
            "price_suffix",
            "attributes",
            "available_cities",
            "tags",
            "needs",
            "max_quantity",
            "images",
        ]

    def get_kind_label(self, offer) -> str:
        return str(offer.kind_spec.label)

    def get_price_suffix(self, offer) -> str:
        return str(offer.kind_spec.price_suffix)

    def get_needs(self, offer) -> str:
        return offer.kind_spec.needs

    def get_max_quantity(self, offer) -> int:
        return offer.kind_spec.max_quantity

    def get_images(self, offer) -> list[str]:
        return [image.image.url for image in offer.images.all()]


class OfferDetailSerializer(OfferSerializer):
    variants = VariantSerializer(many=True, read_only=True)

    class Meta(OfferSerializer.Meta):
        fields = OfferSerializer.Meta.fields + ["description", "terms", "variants"]


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    queryset = Category.objects.filter(is_active=True).select_related("parent")


OFFER_PARAMETERS = [
    OpenApiParameter("kind", OpenApiTypes.STR, enum=list(KINDS)),
    OpenApiParameter("category", OpenApiTypes.STR, description="category slug (includes subcategories)"),
    OpenApiParameter(
        "city", {"type": "string", "pattern": selectors.SLUG.pattern}, description="city code: only offers sold there"
    ),
    OpenApiParameter("q", OpenApiTypes.STR, description="substring of name, subtitle or tags"),
    OpenApiParameter("min_price", OpenApiTypes.DECIMAL),
    OpenApiParameter("max_price", OpenApiTypes.DECIMAL),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS)),
]


@extend_schema_view(
    list=extend_schema(
        parameters=OFFER_PARAMETERS,
        responses={
            200: OfferSerializer(many=True),
            400: OpenApiResponse(description="A filter value is not valid (see error.fields)."),
            404: OpenApiResponse(description="No such category."),
        },
    )
)
class OfferViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_serializer_class(self):
        return OfferDetailSerializer if self.action == "retrieve" else OfferSerializer

    def get_queryset(self):
        params = self.request.query_params
        if self.action == "retrieve":
            return selectors.shop_offers().prefetch_related("variants")
        offers = selectors.shop_offers(params.get("city"))
        kind = params.get("kind") or None
        if kind and kind not in KINDS:
            raise ValidationError({"kind": [f"unknown kind; one of: {', '.join(KINDS)}"]})
        if params.get("city") and not selectors.SLUG.match(params["city"]):
            raise ValidationError({"city": ["not a city code"]})
        if params.get("category"):
            tree = selectors.category_tree()
            category = tree.get(params["category"])
            if category is None:
                raise NotFound("no such category")
            offers = offers.filter(category_id__in=tree.below(category))
            kind = kind or category.kind or None
        form = OfferFilterForm(params, kind=kind, brand_choices=selectors.brands(offers, kind))
        if not form.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        return form.apply(offers)
