"""Turning a carrier's theme into the CSS custom properties of the shop shell."""
import re

from django.utils.safestring import mark_safe

from .models import ShopTheme

HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


def css_colour(value: str, fallback: str) -> str:
    """Re-serialise a stored colour so that nothing but #rrggbb can reach the style block."""
    if not isinstance(value, str) or not HEX_COLOUR.fullmatch(value):
        value = fallback
    red, green, blue = (int(value[i:i + 2], 16) for i in (1, 3, 5))
    return f"#{red:02x}{green:02x}{blue:02x}"


def theme_css(theme: ShopTheme) -> str:
    defaults = {f.name: f.default for f in ShopTheme._meta.fields if f.name.endswith("_color")}
    tokens = {
        "--hall-primary": css_colour(theme.primary_color, defaults["primary_color"]),
        "--hall-on-primary": css_colour(theme.on_primary_color, defaults["on_primary_color"]),
        "--hall-accent": css_colour(theme.accent_color, defaults["accent_color"]),
    }
    return mark_safe(":root{" + "".join(f"{k}:{v};" for k, v in tokens.items()) + "}")
