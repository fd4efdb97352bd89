"""Staff catalogue management in the carrier's own admin (its schema only)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog import services
from catalog.kinds import KINDS
from catalog.models import Category, City, Offer, OfferImage, OfferVariant
from core.uploads import validate_image_upload


class OfferAdminForm(forms.ModelForm):
    """The offer's kind decides which attribute fields the form shows (from catalog.kinds)."""

    class Meta:
        model = Offer
        exclude = ["attributes", "search_text", "sales_count"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "price_floor" in self.fields:
            self.fields["price_floor"].required = False
        kind = self.data.get("kind") or self.initial.get("kind") or getattr(self.instance, "kind", "")
        self.kind_spec = KINDS.get(kind)
        if self.kind_spec:
            for attribute in self.kind_spec.attributes:
                self.fields[f"attr_{attribute.name}"] = attribute.form_field()
                self.initial.setdefault(f"attr_{attribute.name}", self.instance.attributes.get(attribute.name))
            if self.instance.pk:
                self.fields["kind"].disabled = True  # changing kind would orphan the attributes

    def clean_price_floor(self):
        # not asked for: no floor (0), so a form that leaves it out still saves
        return self.cleaned_data.get("price_floor") or Decimal("0")

    def clean(self):
        data = super().clean()
        if self.kind_spec:
            self.instance.attributes = {a.name: data.get(f"attr_{a.name}") for a in self.kind_spec.attributes}
        return data

    def _update_errors(self, errors):
        # Offer.clean() names attribute errors by attribute; the form shows them on attr_ fields.
        if hasattr(errors, "error_dict"):
            remapped = {}
            for key, value in errors.error_dict.items():
                if f"attr_{key}" in self.fields:
                    if f"attr_{key}" in self._errors:
                        continue  # the field itself has said what is wrong
                    key = f"attr_{key}"
                elif key not in self.fields:
                    key = NON_FIELD_ERRORS
                remapped.setdefault(key, []).extend(value)
            errors = ValidationError(remapped)
        super()._update_errors(errors)


class OfferImageForm(forms.ModelForm):
    class Meta:
        model = OfferImage
        fields = ["image", "alt", "sort_weight"]

    def clean_image(self):
        return validate_image_upload(self.cleaned_data.get("image"))


class OfferImageInline(admin.TabularInline):
    model = OfferImage
    form = OfferImageForm
    extra = 0


class OfferVariantInline(admin.TabularInline):
    model = OfferVariant
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferAdminForm
    list_display = (
        "name",
        "kind",
        "category",
        "sale_price",
        "list_price",
        "status",
        "sort_weight",
        "sales_count",
        "storefront_link",
    )
    list_filter = ("status", "kind", "category")
    search_fields = ("name", "slug", "subtitle")
    list_editable = ("sort_weight",)
    prepopulated_fields = {"slug": ("name",)}
    actions = ["put_on_sale", "take_off_sale"]
    inlines = [OfferImageInline, OfferVariantInline]
    readonly_fields = ("sales_count", "storefront_link")

    def get_fieldsets(self, request, obj=None):
        kind = obj.kind if obj else (request.POST.get("kind") or request.GET.get("kind"))
        attrs = [f"attr_{a.name}" for a in KINDS[kind].attributes] if kind in KINDS else []
        fieldsets = [
            (None, {"fields": ["kind", "category", "name", "slug", "subtitle", "status", "storefront_link"]}),
            (_("Price"), {"fields": ["list_price", "sale_price", "price_floor"]}),
            (_("Attributes"), {"fields": attrs}) if attrs else None,
            (_("Availability"), {"fields": ["available_cities", "publish_start", "publish_end"]}),
            (_("Content"), {"fields": ["description", "terms", "tags", "sort_weight", "sales_count"]}),
        ]
        return [f for f in fieldsets if f]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = None  # the form's Meta decides; its attribute fields depend on the kind
        return super().get_form(request, obj, change=change, **kwargs)

    def add_view(self, request, form_url="", extra_context=None):
        # The attribute fields depend on the kind: ask for it first when not given.
        if request.method == "GET" and request.GET.get("kind") not in KINDS:
            from django.template.response import TemplateResponse

            return TemplateResponse(
                request,
                "admin/catalog/offer/choose_kind.html",
                {
                    **self.admin_site.each_context(request),
                    "kinds": KINDS.values(),
                    "opts": self.model._meta,
                    "title": _("Which kind of offer?"),
                },
            )
        return super().add_view(request, form_url, extra_context)

    @admin.display(description=_("Storefront"))
    def storefront_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        url = reverse("offer", args=[obj.slug])
        label = _("View in shop") if obj.status == Offer.Status.ON_SALE else _("Not on sale: not visible")
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)

    @admin.action(description=_("Put the selected offers on sale"), permissions=["change"])
    def put_on_sale(self, request, queryset):
        count = services.set_status(queryset, Offer.Status.ON_SALE)
        self.message_user(
            request, ngettext("%d offer is now on sale.", "%d offers are now on sale.", count) % count, messages.SUCCESS
        )

    @admin.action(description=_("Take the selected offers off sale"), permissions=["change"])
    def take_off_sale(self, request, queryset):
        count = services.set_status(queryset, Offer.Status.OFF_SALE)
        self.message_user(
            request,
            ngettext("%d offer is now off sale.", "%d offers are now off sale.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "slug", "kind", "sort_weight", "is_active")
    list_filter = ("is_active", "kind")
    list_editable = ("sort_weight", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "province", "sort_weight")
    search_fields = ("name", "code")


from catalog import deposit_admin  # noqa: E402,F401
