"""Template tags of the shop shell."""

import re
from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import money
from core.phone import mask_phone
from core.richtext import sanitize_html
from orders.events import describe
from realname.masking import mask_name
from storefront.decoration.icons import ICON_PATHS

register = template.Library()

SVG = (
    '<svg class="icon" width="24" height="24" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">{}</svg>'
)


@register.simple_tag
def icon(name):
    return format_html(SVG, mark_safe(ICON_PATHS.get(name, "")))


register.filter("yuan", money.yuan)  # ¥39, ¥39.90 (core.money: the views format money the same way)


@register.filter
def sanitize(html):
    """Staff HTML, cleaned again at render time whatever path stored it."""
    return mark_safe(sanitize_html(html or ""))


@register.filter
def phone_mask(value):
    return mask_phone(str(value or ""))


@register.filter
def name_mask(value):
    return mask_name(str(value or ""))


@register.filter
def event_label(event):
    """An order event in the subscriber's words."""
    return describe(event)


MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


@register.filter
def phone_spaced(value):
    """The number an order is for, in full and spaced 3-4-4 (180 3704 6966). One rule on every
    order screen: the subscriber's own order shows the numbers it is about in full; contact
    phones (a recipient's) go through phone_mask instead."""
    return MOBILE_IN_TEXT.sub(r"\1 \2 \3", str(value or ""))


@register.filter
def time_tag(value, fmt="Y-m-d H:i"):
    """A date or time as <time datetime=…>, which the shop never lets wrap inside."""
    from django.utils.dateformat import format as date_format
    from django.utils.timezone import is_aware, localtime

    if not value:
        return ""
    shown = localtime(value) if hasattr(value, "hour") and is_aware(value) else value
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(shown, fmt))


@register.filter
def amount_of(value, unit: str) -> str:
    """An allowance as people read it: 12.5 GB (from MB), 300 分钟, 50 条."""
    amount = Decimal(value)
    if unit == "MB":
        if amount >= 1024:
            gb = (amount / 1024).quantize(Decimal("0.1"))
            return _("%(n)s GB") % {"n": int(gb) if gb == gb.to_integral() else gb}  # 100 GB, never 1E+2
        return _("%(n)s MB") % {"n": amount.quantize(Decimal("1"))}
    if unit == "min":
        return _("%(n)s min") % {"n": amount.quantize(Decimal("1"))}
    return _("%(n)s texts") % {"n": amount.quantize(Decimal("1"))}


@register.simple_tag
def number_cards(numbers) -> str:
    """The number grid's cards: a page shows 20 and every search renders them afresh (nothing
    about which numbers are free may be cached), so they are built here, not by 20 passes of
    the template engine over the same markup (half of the page's time, bench/storefront.py)."""
    free, cards = _("free"), []
    for n in numbers:
        meta = f"{n.tier} · " if n.tier else ""
        meta += money.yuan(n.price) if n.price else free
        if n.minimum_spend:
            meta += " · " + _("min. %(amount)s/month") % {"amount": money.yuan(n.minimum_spend)}
        city = (
            format_html('<span class="number-city" data-testid="number-city">{}</span>', n.city_name)
            if getattr(n, "city_name", "")
            else ""
        )
        cards.append(
            format_html(
                '<li data-testid="number"><button type="submit" class="number-button" name="number" value="{}">'
                '<span class="number-digits">{}</span>{}<span class="number-meta">{}</span></button></li>',
                n.number,
                n.display,
                city,
                meta,
            )
        )
    return mark_safe("".join(cards))  # noqa: S308 - every part above went through format_html
