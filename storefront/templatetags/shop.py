"""Template tags of the shop shell."""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core import money

register = template.Library()

# Inline SVG icons, drawn with currentColor so they follow the theme.
ICON_PATHS = {
    "home": '<path d="M3 11l9-7 9 7v9a1 1 0 0 1-1 1h-5v-6h-6v6H4a1 1 0 0 1-1-1z"/>',
    "catalogue": '<rect x="3" y="3" width="7" height="7" rx="1.5"/><rect x="14" y="3" width="7" height="7" rx="1.5"/><rect x="3" y="14" width="7" height="7" rx="1.5"/><rect x="14" y="14" width="7" height="7" rx="1.5"/>',
    "numbers": '<rect x="6" y="2" width="12" height="20" rx="2.5"/><path d="M10 18h4M9.5 8h5M9.5 12h5"/>',
    "cart": '<circle cx="9" cy="20" r="1.5"/><circle cx="18" cy="20" r="1.5"/><path d="M2 3h3l2.6 12.2a1 1 0 0 0 1 .8h9.3a1 1 0 0 0 1-.8L21 7H6"/>',
    "me": '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
    "broadband": '<path d="M2 9a15 15 0 0 1 20 0M5.5 12.5a10 10 0 0 1 13 0M9 16a5 5 0 0 1 6 0"/><circle cx="12" cy="19.5" r="1"/>',
    "phone": '<rect x="5" y="2" width="14" height="20" rx="3"/><path d="M11 18h2"/>',
    "plan": '<path d="M4 4h16v16H4z"/><path d="M8 9h8M8 13h8M8 17h5"/>',
    "topup": '<circle cx="12" cy="12" r="9"/><path d="M12 7v10M8.5 10.5 12 7l3.5 3.5"/>',
    "bill": '<path d="M6 3h12v18l-3-2-3 2-3-2-3 2z"/><path d="M9 8h6M9 12h6"/>',
    "renew": '<path d="M20 12a8 8 0 1 1-2.3-5.6"/><path d="M20 4v5h-5"/>',
    "deposit": '<rect x="3" y="6" width="18" height="13" rx="2"/><path d="M3 10h18M16 15h2"/>',
    "gift": '<rect x="3" y="9" width="18" height="12" rx="1"/><path d="M12 9v12M3 13h18M12 9c-2-4-6-4-6-1s6 1 6 1zm0 0c2-4 6-4 6-1s-6 1-6 1z"/>',
}
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
    from core.richtext import sanitize_html

    return mark_safe(sanitize_html(html or ""))


@register.filter
def phone_mask(value):
    from realname.masking import mask_phone

    return mask_phone(str(value or ""))


@register.filter
def name_mask(value):
    from realname.masking import mask_name

    return mask_name(str(value or ""))


@register.filter
def event_label(event):
    """An order event in the subscriber's words."""
    from orders.states import describe

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
