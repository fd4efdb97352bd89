"""Searching the pool: only available numbers, each query type served by an index.

- tail (3–8 digits): prefix of `reversed_number` (btree, text_pattern_ops); shorter tails match so
  many numbers that a scan in random_key order stops at the page at once;
- contains (4+ digits) and birthday (MMDD): the GIN index on the 4-digit runs, then an exact check;
  shorter "contains" strings match so many numbers that the scan stops at the page limit at once;
- exclude digits: a bit test on `digit_mask` (most numbers pass, so the scan stops early too);
- tier / city / price: btree; the default view is a random sample through `random_key`."""

from __future__ import annotations

import calendar
import random

from django import forms
from django.db.models import F
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from core import fragments
from numberpool.models import MobileNumber

PAGE_SIZE = 20
DIGITS = r"^\d+$"
# What a number's card and the API show: not the search columns (an int array, a reversed copy),
# which cost more to read and parse than the rest of the row.
CARD_FIELDS = ("number", "city", "tier", "price", "minimum_spend", "contract_months", "random_key")


class NumberSearchForm(forms.Form):
    tail = forms.RegexField(
        DIGITS,
        label=_("Ends with"),
        max_length=8,
        required=False,
        error_messages={"invalid": _("Digits only, 1 to 8 of them.")},
    )
    contains = forms.RegexField(
        DIGITS,
        label=_("Contains"),
        min_length=2,
        max_length=8,
        required=False,
        error_messages={
            "invalid": _("Digits only, 2 to 8 of them."),
            "min_length": _("Enter at least 2 digits to search inside the number (for one digit, use “Ends with”)."),
        },
    )
    exclude = forms.RegexField(
        DIGITS,
        label=_("Without the digits"),
        max_length=10,
        required=False,
        error_messages={"invalid": _("Digits only, e.g. 4 or 47.")},
    )
    birthday = forms.RegexField(
        r"^\d{4}$",
        label=_("Birthday (MMDD)"),
        required=False,
        error_messages={"invalid": _("Four digits: month and day, e.g. 0521.")},
    )
    tier = forms.CharField(label=_("Tier"), max_length=20, required=False)
    city = forms.SlugField(label=_("City"), max_length=20, required=False)
    max_price = forms.DecimalField(
        label=_("Highest price"), min_value=0, max_value=1_000_000, decimal_places=2, required=False
    )
    page = forms.IntegerField(min_value=1, max_value=50, required=False)

    def clean_birthday(self):
        value = self.cleaned_data.get("birthday")
        if value:
            month, day = int(value[:2]), int(value[2:])
            if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:  # 2024: a leap year
                raise forms.ValidationError(_("%(value)s is not a date (MMDD).") % {"value": value})
        return value

    def is_empty(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) for k in ("tail", "contains", "exclude", "birthday", "tier", "max_price"))


def search(
    tail="", contains="", exclude="", birthday="", tier="", city="", max_price=None, page=1, page_size=PAGE_SIZE
):
    """(numbers on this page, whether there is a next page)."""
    numbers = MobileNumber.objects.filter(status=MobileNumber.Status.AVAILABLE)
    if tail:  # a prefix of the reversed number, as a range in byte order (see the model)
        prefix = tail[::-1]
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        numbers = numbers.filter(reversed_number__gte=prefix, reversed_number__lt=after)
    for digits in (contains, birthday):
        if not digits:
            continue
        if len(digits) >= 4:
            numbers = numbers.filter(grams__contains=[10000 + int(digits[:4])])  # see patterns.grams
        numbers = numbers.annotate(**{f"tail_{digits}": Right("number", 8)}).filter(
            **{f"tail_{digits}__contains": digits}
        )
    if exclude:
        mask = sum(1 << int(d) for d in set(exclude))
        numbers = numbers.annotate(excluded=F("digit_mask").bitand(mask)).filter(excluded=0)
    if tier:
        numbers = numbers.filter(tier=tier)
    if city:
        numbers = numbers.filter(city=city)
    if max_price is not None:
        numbers = numbers.filter(price__lte=max_price)
    start = (max(page, 1) - 1) * page_size
    # random_key order: the random_key, tier and city indexes give it, so a broad query stops at
    # the page; a narrow one (tail index, GIN) sorts its few rows. The page's ids are chosen
    # first, from the index alone where it covers the filter (index-only scan), and only then are
    # its rows read: a filter that passes one entry in a hundred reads 21 table pages, not 2,100
    # (each may be a cache miss).
    ids = numbers.order_by("random_key", "pk").values("pk")[start : start + page_size + 1]
    found = list(MobileNumber.objects.filter(pk__in=ids).order_by("random_key", "pk").only(*CARD_FIELDS))
    return found[:page_size], len(found) > page_size


def random_pick(n=PAGE_SIZE, city="", seed=None):
    """N available numbers from a random place in the pool ("换一批")."""
    start = random.Random(seed).randint(0, 2**31 - 1)
    numbers = MobileNumber.objects.filter(status=MobileNumber.Status.AVAILABLE).only(*CARD_FIELDS)
    if city:
        numbers = numbers.filter(city=city)
    picked = list(numbers.filter(random_key__gte=start).order_by("random_key")[:n])
    if len(picked) < n:  # wrapped past the end of the key space
        picked += list(numbers.filter(random_key__lt=start).order_by("random_key")[: n - len(picked)])
    return picked


def similar(number: str, n=6):
    """Available numbers ending like the one just taken."""
    for length in (4, 3, 2):
        found = list(
            MobileNumber.objects.filter(
                status=MobileNumber.Status.AVAILABLE, reversed_number__startswith=number[::-1][:length]
            )[:n]
        )
        if found:
            return found
    return random_pick(n)


def tier_names(limit: int = 20) -> list[str]:
    """The tiers numbers in the pool carry (靓号 levels), for the filter's choices: a DISTINCT over
    the whole pool, so kept per process for a minute (an import's new tier shows within it)."""
    return fragments.local(
        "number-tiers",
        (limit,),
        lambda: list(
            MobileNumber.objects.exclude(tier="").values_list("tier", flat=True).order_by("tier").distinct()[:limit]
        ),
        on=(),
        ttl=60,
    )
