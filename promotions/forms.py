"""Staff forms of promotions: what a promotion's terms must agree with before it is saved (the
pricing engine trusts them), a batch's kind and code, festival dates, and the code tools."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.kinds import KIND_CHOICES
from catalog.models import City
from promotions import services
from promotions.models import CouponBatch, Festival, Klass, Promotion

R = Promotion.Reward
# The rewards the number-fee stage knows how to take off a fee (promotions/pricing.py).
FEE_REWARDS = {R.WAIVE_NUMBER_FEE, R.PERCENT, R.AMOUNT, R.FIXED_PRICE}
MAX_UPLOAD = 5 * 1024 * 1024


def city_choices() -> list[tuple[str, str]]:
    return list(City.objects.values_list("code", "name"))


class PromotionForm(forms.ModelForm):
    # Lists of choices as ticks rather than comma-separated codes staff would have to know.
    offer_kinds = forms.MultipleChoiceField(
        label=_("offer kinds"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=KIND_CHOICES,
        help_text=_("None ticked: every kind."),
    )
    combines_with = forms.MultipleChoiceField(
        label=_("combines with"), required=False, widget=forms.CheckboxSelectMultiple, choices=Klass.choices
    )
    cities = forms.MultipleChoiceField(
        label=_("cities"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every city."),
    )

    class Meta:
        model = Promotion
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "cities" in self.fields:
            self.fields["cities"].choices = city_choices()  # type: ignore[attr-defined]

    def clean_budget_per_city(self) -> dict[str, Any]:
        value = self.cleaned_data.get("budget_per_city") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Write the budget per city as {"city code": amount}.'))
        known = {code for code, _name in city_choices()}
        for city, limit in value.items():
            if city not in known:
                raise forms.ValidationError(_("“%(city)s” is not one of this carrier's cities.") % {"city": city})
            try:
                amount = Decimal(str(limit)) if not isinstance(limit, bool) else Decimal(-1)
            except InvalidOperation:
                amount = Decimal(-1)
            if not amount.is_finite() or amount <= 0:
                raise forms.ValidationError(_("The budget of %(city)s must be a positive number.") % {"city": city})
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if data.get("exclusive") and data.get("combines_with"):
            self.add_error("combines_with", _("An exclusive promotion combines with nothing."))
        if data.get("min_spend") is not None and data["min_spend"] < 0:
            self.add_error("min_spend", _("The minimum spend cannot be negative."))
        self._clean_reward(data)
        self._clean_budget(data)
        return data

    def _clean_reward(self, data: dict[str, Any]) -> None:
        reward, value, klass = data.get("reward"), data.get("reward_value") or Decimal(0), data.get("klass")
        if reward == R.PERCENT and not (0 < value <= 100):
            self.add_error("reward_value", _("A percentage off is more than 0 and at most 100."))
        if reward in (R.AMOUNT, R.BSS_CREDIT) and value <= 0:
            self.add_error("reward_value", _("Give the amount of the reward."))
        offer = data.get("reward_offer")
        if reward == R.FREE_ADDON:
            if offer is None:
                self.add_error("reward_offer", _("Choose the add-on given free."))
            elif offer.kind != "addon":
                self.add_error("reward_offer", _("The free gift must be an add-on offer."))
        elif offer is not None:
            self.add_error("reward_offer", _("A free add-on is only given by the “Free add-on” reward."))
        if klass == Klass.NUMBER_FEE and reward not in FEE_REWARDS:
            self.add_error("reward", _("A number-fee promotion needs a reward that applies to fees."))
        if reward == R.WAIVE_NUMBER_FEE and klass != Klass.NUMBER_FEE:
            self.add_error("klass", _("Waiving the number fee belongs to the number-fee class."))

    def _clean_budget(self, data: dict[str, Any]) -> None:
        kind, limit, per_city = data.get("budget_kind"), data.get("budget_limit"), data.get("budget_per_city")
        if kind and kind != Promotion.Budget.NONE and limit is None and not per_city:
            self.add_error("budget_limit", _("A budget needs a limit, a budget per city, or both."))
        if limit is not None and limit <= 0:
            self.add_error("budget_limit", _("The budget limit must be more than 0."))
        if kind == Promotion.Budget.NONE and (limit is not None or per_city):
            self.add_error("budget_kind", _("Choose what the budget counts, or clear its limits."))
        if kind in (Promotion.Budget.USES, Promotion.Budget.UNITS) and limit is not None and limit != int(limit):
            self.add_error("budget_limit", _("A count of uses or units is a whole number."))

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # ModelForm's, not in the stubs
        # With the instance built: the budget never below what checkout has already taken.
        if not self.errors:
            try:
                services.check_budgets(self.instance)
            except services.PromotionError as exc:
                self.add_error("budget_limit" if "budget_limit" in self.fields else None, str(exc))


class FestivalForm(forms.ModelForm):
    class Meta:
        model = Festival
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends, warmup = data.get("starts_at"), data.get("ends_at"), data.get("warmup_from")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        if starts and warmup and warmup > starts:
            self.add_error("warmup_from", _("The warm-up starts before the festival does."))
        return data


class CouponBatchForm(forms.ModelForm):
    class Meta:
        model = CouponBatch
        fields = "__all__"

    def clean_code(self) -> str | None:
        code = "".join((self.cleaned_data.get("code") or "").split()).upper()
        if code and not (4 <= len(code) <= 20 and code.isalnum() and code.isascii()):
            raise forms.ValidationError(_("A code is 4–20 letters and digits."))
        return code or None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, code = data.get("kind"), data.get("code")
        K = CouponBatch.Kind
        if kind == K.PUBLIC_CODE and not code:
            self.add_error("code", _("A public-code batch needs its code."))
        if kind and kind != K.PUBLIC_CODE and code:
            self.add_error("code", _("Only a public-code batch has one code for everyone."))
        if kind in (K.CLAIMABLE, K.RED_PACKET) and not data.get("total"):
            self.add_error("total", _("Say how many can be claimed."))
        if kind == K.UNIQUE_CODES and self.instance.pk is None and data.get("total"):
            self.add_error("total", _("Unique codes are counted as they are generated or imported: leave this 0."))
        total, issued = data.get("total"), self.instance.issued if self.instance.pk else 0
        if total and total < issued:
            self.add_error("total", _("%(issued)d are already out: the count cannot be lower.") % {"issued": issued})
        if data.get("per_person") == 0:
            self.add_error("per_person", _("At least one per account."))
        promotion = data.get("promotion")
        if promotion is not None and promotion.status == Promotion.Status.ENDED:
            self.add_error("promotion", _("This promotion has already ended."))
        if kind == K.RED_PACKET and promotion is not None and promotion.reward not in (R.AMOUNT, R.BSS_CREDIT):
            self.add_error(
                "promotion", _("A red packet is worth an amount: its promotion gives an amount off or 话费.")
            )
        if code and CouponBatch.objects.exclude(pk=self.instance.pk).filter(code=code).exists():
            self.add_error("code", _("This code is already in use."))
        return data


class GenerateForm(forms.Form):
    count = forms.IntegerField(label=_("how many codes"), min_value=1, max_value=services.MAX_BATCH)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("One code per line, in the first column."))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .txt file with one code per line."))
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError(_("The file is not text (UTF-8 or GBK)."))
