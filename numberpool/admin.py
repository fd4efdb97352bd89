"""Staff: number segments, tier rules (with a preview of what each rule takes), the pool with
withdraw/restore, and a dashboard of counts by status, tier and city."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.models import City
from core.tenancy import current_schema
from numberpool import holds, tiers
from numberpool.importing import known_cities
from numberpool.models import MobileNumber, NumberImport, NumberSegment, TierRule
from numberpool.tasks import load_number_upload, reclassify_numbers


def city_names() -> dict[str, str]:
    """City codes (the pool's) to the names staff read, from the catalogue's cities."""

    return dict(City.objects.values_list("code", "name"))


class CityFilter(admin.SimpleListFilter):
    title = _("city")
    parameter_name = "city"

    def lookups(self, request, model_admin):
        return sorted(city_names().items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(city=self.value()) if self.value() else queryset


@admin.register(NumberSegment)
class NumberSegmentAdmin(admin.ModelAdmin):
    list_display = ("prefix", "note")


def _reclassify_later():

    schema = current_schema()
    transaction.on_commit(lambda: reclassify_numbers.apply_async(headers={"_schema_name": schema}))


class TierRuleForm(forms.ModelForm):
    class Meta:
        model = TierRule
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price_floor"].required = False

    def clean_price_floor(self):
        # left empty: no floor
        return self.cleaned_data.get("price_floor") or Decimal("0")


@admin.register(TierRule)
class TierRuleAdmin(admin.ModelAdmin):
    form = TierRuleForm
    list_display = (
        "position",
        "name",
        "pattern",
        "argument",
        "exclude_digits",
        "tier",
        "price",
        "minimum_spend",
        "contract_months",
        "is_active",
    )
    list_display_links = ("name",)
    list_editable = ("position", "is_active")
    change_list_template = "admin/catalog/tierrule/change_list.html"

    def changelist_view(self, request, extra_context=None):
        # "Which rule takes this number?": read the sample before the list sees it as a filter.
        request.GET = request.GET.copy()
        sample = request.GET.pop("sample", [""])[0].strip()
        rules = tiers.active_rules()
        extra_context = {
            **(extra_context or {}),
            "preview": tiers.preview(rules),
            "sample": sample,
            "trial": tiers.explain(sample, rules) if sample else None,
        }
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        # also called for each row changed in the list (position, active)
        super().save_model(request, obj, form, change)
        _reclassify_later()
        messages.info(request, _("The pool is being reclassified in the background; the shop stays open."))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _reclassify_later()


@admin.register(MobileNumber)
class MobileNumberAdmin(admin.ModelAdmin):
    list_display = ("number", "city_name", "status", "tier", "price", "minimum_spend", "contract_months", "held_until")
    list_filter = ("status", "tier", CityFilter)
    search_fields = ("number",)
    readonly_fields = (
        "number",
        "status",
        "tier",
        "price",
        "minimum_spend",
        "contract_months",
        "held_until",
        "sold_at",
        "hold_owner",
    )
    fields = readonly_fields + ("city",)

    @admin.display(description=_("city"), ordering="city")
    def city_name(self, number):
        if not hasattr(self, "_cities"):
            self._cities = city_names()
        return self._cities.get(number.city, number.city)

    actions = ["withdraw", "restore"]
    show_full_result_count = False  # a million numbers: no COUNT(*) on every page
    change_list_template = "admin/catalog/mobilenumber/change_list.html"

    def has_add_permission(self, request):
        return False  # numbers arrive by `manage.py import_numbers`

    def changelist_view(self, request, extra_context=None):
        counts = MobileNumber.objects.values("status").annotate(n=Count("pk")).order_by("status")
        by_tier = (
            MobileNumber.objects.filter(status=MobileNumber.Status.AVAILABLE)
            .values("tier")
            .annotate(n=Count("pk"))
            .order_by("-n")[:12]
        )
        by_city = (
            MobileNumber.objects.filter(status=MobileNumber.Status.AVAILABLE)
            .values("city")
            .annotate(n=Count("pk"))
            .order_by("-n")[:12]
        )
        self._cities = city_names()  # one look-up per list page
        labels = dict(MobileNumber.Status.choices)
        extra_context = {
            **(extra_context or {}),
            "by_status": [{"label": labels.get(r["status"], r["status"]), "n": r["n"]} for r in counts],
            "by_tier": by_tier,
            "by_city": [{"name": self._cities.get(r["city"], r["city"]), "n": r["n"]} for r in by_city],
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Withdraw the selected numbers from sale"), permissions=["change"])
    def withdraw(self, request, queryset):
        n = holds.withdraw(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%d number withdrawn (only available ones are).", "%d numbers withdrawn (only available ones are).", n
            )
            % n,
        )

    @admin.action(description=_("Put the selected withdrawn numbers back on sale"), permissions=["change"])
    def restore(self, request, queryset):
        n = holds.restore(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, ngettext("%d number restored.", "%d numbers restored.", n) % n)


class NumberImportForm(forms.ModelForm):
    class Meta:
        model = NumberImport
        fields = ["file", "city"]

    def clean_city(self):

        city = self.cleaned_data["city"].strip()
        if city not in known_cities():
            raise forms.ValidationError(_("“%(city)s” is not one of this carrier's cities.") % {"city": city})
        return city

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 50 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 50 MB; split it or use manage.py import_numbers."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .txt file with one number per line."))
        return upload


@admin.register(NumberImport)
class NumberImportAdmin(admin.ModelAdmin):
    form = NumberImportForm
    list_display = (
        "file",
        "city_name",
        "status",
        "read",
        "added",
        "already_in_pool",
        "duplicate_in_file",
        "invalid",
        "created_at",
        "finished_at",
    )
    readonly_fields = (
        "status",
        "read",
        "added",
        "already_in_pool",
        "duplicate_in_file",
        "invalid",
        "problems",
        "error",
        "created_by",
        "created_at",
        "finished_at",
    )

    @admin.display(description=_("city for lines without one"), ordering="city")
    def city_name(self, upload):
        return city_names().get(upload.city, upload.city)

    def get_fields(self, request, obj=None):
        return ["file", "city"] if obj is None else ["file", "city", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):

        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        schema = current_schema()
        transaction.on_commit(lambda: load_number_upload.apply_async(args=[obj.pk], headers={"_schema_name": schema}))
        messages.info(request, _("The upload is being loaded in the background; refresh this list to see progress."))
