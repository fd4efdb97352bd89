"""Staff: promotions through draft → approved → published (four eyes, their own permission), paused
or resumed at once, with live usage against budget; coupon batches with generated, imported and
exported codes; festivals, linked to their live dashboard (analytics/festival_views.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalog.models import Offer
from core.admin.readonly import ReadOnlyAdmin
from core.csv_export import stream_csv
from core.http import SignedInRequest
from core.phone import mask_phone
from promotions import selectors, services
from promotions.forms import CouponBatchForm, FestivalForm, GenerateForm, ImportForm, PromotionForm
from promotions.models import Budget, Coupon, CouponBatch, Festival, Promotion, Redemption

P = Promotion.Status
LOCKED = {P.PUBLISHED, P.PAUSED, P.ENDED}  # their terms are what buyers were promised: read-only
# What staff may do next from each status (the services check again).
NEXT: dict[str, list[str]] = {
    P.DRAFT: ["approve", "end"],
    P.APPROVED: ["publish", "end"],
    P.PUBLISHED: ["pause", "end"],
    P.PAUSED: ["resume", "end"],
    P.ENDED: [],
}
STEPS: dict[str, tuple[Callable[..., Promotion], Any, Any]] = {
    "approve": (services.approve, _("Approve"), _("Approved.")),
    "publish": (services.publish, _("Publish"), _("Published: the shop applies it from its start.")),
    "pause": (services.pause, _("Pause now"), _("Paused: the next checkout no longer gets it.")),
    "resume": (services.resume, _("Resume"), _("Resumed.")),
    "end": (services.end, _("End"), _("Ended.")),
}
HISTORY = (
    "status",
    "created_by",
    "changed_by",
    "approved_by",
    "approved_at",
    "published_at",
    "created_at",
    "updated_at",
)


def _short(value) -> str:
    return formats.date_format(timezone.localtime(value), "m-d H:i") if value else "—"


def _figure(value) -> str:
    return "—" if value is None else formats.number_format(value, decimal_pos=0 if value == int(value) else 2)


class PromotionChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # Usage of the whole page in one query per table, not one per row.
        for row in selectors.usage(self.result_list):
            row.promotion.usage_row = row  # type: ignore[attr-defined]


class BatchInline(admin.TabularInline):
    model = CouponBatch
    fields = ("name", "kind", "code", "issued", "total")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("coupon batches")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a batch is added on its own page (its kind decides its fields)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    form = PromotionForm
    list_display = ("name", "status_chip", "window", "klass", "reward", "needs_coupon", "usage_cell", "budget_left")
    list_filter = ("status", "festival", "klass", "reward", "needs_coupon")
    search_fields = ("name", "description")
    list_select_related = ("festival",)
    filter_horizontal = ("categories", "offers")
    inlines = [BatchInline]
    actions = ["approve_selected", "publish_selected", "pause_selected", "resume_selected"]
    change_form_template = "admin/promotions/promotion/change_form.html"
    fieldsets = (
        (
            _("Basics"),
            {
                "fields": (
                    "name",
                    "description",
                    "festival",
                    "starts_at",
                    "ends_at",
                    "priority",
                    "needs_coupon",
                    "flash",
                )
            },
        ),
        (
            _("Scope"),
            {"fields": ("offer_kinds", "categories", "offers", "tags", "cities", "number_tiers", "min_spend")},
        ),
        (
            _("Reward and combination"),
            {"fields": ("klass", "reward", "reward_value", "reward_offer", "combines_with", "exclusive")},
        ),
        (_("Eligibility and limits"), {"fields": ("eligibility", "per_person_limit")}),
        (_("Budget"), {"fields": ("budget_kind", "budget_limit", "budget_per_city", "budget_rows")}),
        (_("History"), {"fields": HISTORY, "classes": ("collapse",)}),
    )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PromotionChangeList

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        return (*HISTORY, "budget_rows")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A published, paused or ended promotion opens read-only; only the lifecycle buttons act.
        if obj is not None and obj.status in LOCKED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and (obj.published_at is not None or obj.status in LOCKED):
            return False  # its redemptions and orders refer to it: end it instead
        return super().has_delete_permission(request, obj)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("promotions.approve_promotion")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "reward_offer":
            kwargs["queryset"] = Offer.objects.filter(kind="addon")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: SignedInRequest, obj: Promotion, form, change: bool) -> None:  # type: ignore[override]
        super().save_model(request, obj, form, change)
        # Who edited, budgets in step, and an approved promotion back to draft (the form has
        # already checked the budget against what is used; a race raises and rolls back).
        services.edited(obj, request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.PromotionError as exc:
            # Checkout took budget between the form's check and the save: all rolled back, said plainly.
            messages.error(request, str(exc))
            return redirect(request.get_full_path())

    # -- list cells ---------------------------------------------------------------------------

    @admin.display(description=_("status"), ordering="status")
    def status_chip(self, promotion: Promotion) -> str:
        return format_html(
            '<span class="hall-chip hall-promotion-{}">{}</span>', promotion.status, promotion.get_status_display()
        )

    @admin.display(description=_("window"), ordering="starts_at")
    def window(self, promotion: Promotion) -> str:
        return f"{_short(promotion.starts_at)} → {_short(promotion.ends_at)}"

    def _usage(self, promotion: Promotion) -> selectors.Usage:
        found = getattr(promotion, "usage_row", None)
        return found if found is not None else selectors.usage([promotion])[0]

    @admin.display(description=_("usage"))
    def usage_cell(self, promotion: Promotion) -> str:
        u = self._usage(promotion)
        return gettext("%(orders)s orders · ¥%(amount)s") % {
            "orders": u.orders,
            "amount": _figure(u.reserved + u.redeemed),
        }

    @admin.display(description=_("budget used / limit"))
    def budget_left(self, promotion: Promotion) -> str:
        u = self._usage(promotion)
        if u.limit is None:
            return "—"
        return f"{_figure(u.used)} / {_figure(u.limit)}"

    @admin.display(description=_("budget rows"))
    def budget_rows(self, promotion: Promotion) -> str:
        rows = list(Budget.objects.filter(promotion=promotion).order_by("key")) if promotion.pk else []
        if not rows:
            return "—"
        return format_html(
            "<br>".join(["{}"] * len(rows)),
            *[
                gettext("%(key)s: used %(used)s of %(limit)s, %(left)s left")
                % {
                    "key": r.key.removeprefix("city:") or gettext("whole"),
                    "used": _figure(r.used),
                    "limit": _figure(r.limit),
                    "left": _figure(r.limit - r.used),
                }
                for r in rows
            ],
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        step = self.admin_site.admin_view(self.lifecycle_view)
        return [path("<int:promotion_id>/lifecycle/", step, name="promotions_promotion_lifecycle"), *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        promotion = self.get_object(request, object_id)
        extra: dict[str, Any] = {}
        if promotion is not None:
            can = self.has_approve_permission(request)
            extra = {
                "usage": self._usage(promotion),
                "steps": [(name, STEPS[name][1]) for name in NEXT[promotion.status]] if can else [],
                "may_approve": can,
                "locked": promotion.status in LOCKED,
                "batches_url": reverse("admin:promotions_couponbatch_changelist")
                + f"?promotion__id__exact={promotion.pk}",
                "add_batch_url": reverse("admin:promotions_couponbatch_add") + f"?promotion={promotion.pk}",
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def lifecycle_view(self, request: SignedInRequest, promotion_id: int) -> HttpResponse:
        if request.method != "POST":
            return redirect("admin:promotions_promotion_change", promotion_id)
        promotion = get_object_or_404(Promotion, pk=promotion_id)
        if not self.has_view_permission(request, promotion):
            raise PermissionDenied
        step = STEPS.get(request.POST.get("action", ""))
        if step is None:
            messages.error(request, gettext("Unknown action."))
        else:
            self._step(request, promotion, step[0], step[2])
        return redirect("admin:promotions_promotion_change", promotion_id)

    def _step(self, request: SignedInRequest, promotion: Promotion, service, done) -> bool:
        try:
            service(promotion, request.user)
        except services.PromotionError as exc:
            messages.error(request, f"{promotion}: {exc}")
            return False
        self.log_change(request, promotion, str(done))  # the admin's history page shows who did it
        messages.success(request, f"{promotion}: {done}")
        return True

    def _bulk(self, request: SignedInRequest, queryset: QuerySet[Promotion], name: str) -> None:
        service, _label, step_done = STEPS[name]
        done = 0
        for promotion in queryset:
            try:
                service(promotion, request.user)
                self.log_change(request, promotion, str(step_done))
                done += 1
            except services.PromotionError as exc:
                messages.error(request, f"{promotion}: {exc}")
        if done:
            messages.success(request, ngettext("%d promotion done.", "%d promotions done.", done) % done)

    @admin.action(description=_("Approve the selected promotions"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        self._bulk(request, queryset, "approve")

    @admin.action(description=_("Publish the selected promotions"), permissions=["approve"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, "publish")

    @admin.action(description=_("Pause the selected promotions now"), permissions=["approve"])
    def pause_selected(self, request, queryset):
        self._bulk(request, queryset, "pause")

    @admin.action(description=_("Resume the selected promotions"), permissions=["approve"])
    def resume_selected(self, request, queryset):
        self._bulk(request, queryset, "resume")


@admin.register(Festival)
class FestivalAdmin(admin.ModelAdmin):
    form = FestivalForm
    list_display = ("name", "slug", "warmup_from", "starts_at", "ends_at", "dashboard_link")
    search_fields = ("name", "slug")
    change_form_template = "admin/promotions/festival/change_form.html"

    @admin.display(description=_("dashboard"))
    def dashboard_link(self, festival: Festival) -> str:
        return format_html('<a href="{}">{}</a>', reverse("festival-dashboard", args=[festival.pk]), gettext("Open"))

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        festival = self.get_object(request, object_id)
        extra = {"dashboard_url": reverse("festival-dashboard", args=[festival.pk])} if festival else {}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(CouponBatch)
class CouponBatchAdmin(admin.ModelAdmin):
    form = CouponBatchForm
    list_display = ("name", "promotion", "kind", "code", "issued", "total", "created_at")
    list_filter = ("kind", "promotion")
    search_fields = ("name", "code", "promotion__name")
    list_select_related = ("promotion",)
    readonly_fields = ("issued",)
    change_form_template = "admin/promotions/couponbatch/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        if obj is None:
            return ("issued",)
        # The kind and the promotion are what its coupons were made for.
        fixed = ("issued", "kind", "promotion")
        return (*fixed, "total") if obj.kind == CouponBatch.Kind.UNIQUE_CODES else fixed

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.issued:
            return False  # coupons are out there
        return super().has_delete_permission(request, obj)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:batch_id>/generate/", view(self.generate_view), name="promotions_couponbatch_generate"),
            path("<int:batch_id>/progress/", view(self.progress_view), name="promotions_couponbatch_progress"),
            path("<int:batch_id>/progress.json", view(self.progress_data), name="promotions_couponbatch_progress_data"),
            path("<int:batch_id>/import/", view(self.import_view), name="promotions_couponbatch_import"),
            path("<int:batch_id>/export.csv", view(self.export_view), name="promotions_couponbatch_export"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        extra = {"unique_codes": batch is not None and batch.kind == CouponBatch.Kind.UNIQUE_CODES}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _batch(self, request: HttpRequest, batch_id: int, change: bool) -> CouponBatch:
        batch = get_object_or_404(CouponBatch.objects.select_related("promotion"), pk=batch_id)
        allowed = self.has_change_permission(request, batch) if change else self.has_view_permission(request, batch)
        if not allowed:
            raise PermissionDenied
        return batch

    def _page(self, request: HttpRequest, batch: CouponBatch, template: str, title: str, **context: Any):
        return TemplateResponse(
            request,
            f"admin/promotions/couponbatch/{template}",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "batch": batch,
                "opts": self.model._meta,
                "original": batch,
                **context,
            },
        )

    def generate_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = self._batch(request, batch_id, change=True)
        form = GenerateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.start_generating(batch, form.cleaned_data["count"])
            except services.PromotionError as exc:
                form.add_error("count", str(exc))
            else:
                return redirect("admin:promotions_couponbatch_progress", batch.pk)
        return self._page(request, batch, "generate.html", gettext("Generate codes"), form=form)

    def progress_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = self._batch(request, batch_id, change=False)
        return self._page(
            request,
            batch,
            "progress.html",
            gettext("Generating codes"),
            progress=selectors.generation_progress(batch),
            data_url=reverse("admin:promotions_couponbatch_progress_data", args=[batch.pk]),
        )

    def progress_data(self, request: HttpRequest, batch_id: int) -> JsonResponse:
        batch = self._batch(request, batch_id, change=False)
        response = JsonResponse(selectors.generation_progress(batch))
        response["Cache-Control"] = "no-store"
        return response

    def import_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = self._batch(request, batch_id, change=True)
        form = ImportForm(request.POST or None, request.FILES or None)
        result: dict[str, Any] | None = None
        if request.method == "POST" and form.is_valid():
            try:
                added, problems = services.import_codes(batch, form.cleaned_data["file"])
            except services.PromotionError as exc:
                form.add_error("file", str(exc))
            else:
                result = {"added": added, "problems": problems[:500], "more": max(len(problems) - 500, 0)}
                messages.success(request, ngettext("%d code imported.", "%d codes imported.", added) % added)
        return self._page(request, batch, "import.html", gettext("Import codes"), form=form, result=result)

    def export_view(self, request: HttpRequest, batch_id: int) -> StreamingHttpResponse:
        batch = self._batch(request, batch_id, change=False)
        return stream_csv(services.export_rows(batch), f"coupons-{batch.pk}.csv")


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "batch", "status", "holder", "valid_until", "order_ref")
    list_filter = ("status", "batch")
    search_fields = ("code", "order_ref")
    list_select_related = ("batch", "user")
    # accounts are named by their mobile number: staff see it masked, like everywhere else
    fields = ("batch", "code", "status", "holder", "credited_number", "claimed_at", "valid_until", "order_ref")
    readonly_fields = fields

    @admin.display(description=_("account"))
    def holder(self, coupon: Coupon) -> str:
        return mask_phone(coupon.user.username) if coupon.user else "—"

    @admin.display(description=_("credited to"))
    def credited_number(self, coupon: Coupon) -> str:
        return mask_phone(coupon.number) if coupon.number else "—"

    show_full_result_count = False  # a batch of 200,000 codes: no COUNT(*) on every page


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("order_ref", "promotion", "status", "amount", "released", "credit", "city", "created_at")
    list_filter = ("status", "promotion")
    search_fields = ("order_ref",)
    list_select_related = ("promotion",)
