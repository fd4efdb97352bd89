"""Theme tokens: validated, contrast-checked, rendered as CSS custom properties.

No staff-written CSS reaches a page: only these tokens, each re-serialised from a validated value."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from storefront.decoration.contrast import contrast_ratio

HEX = re.compile(r"#[0-9A-Fa-f]{6}")
AA_TEXT = 4.5

DEFAULT_TOKENS = {
    "primary": "#C8102E",
    "on_primary": "#FFFFFF",
    "secondary": "#C4001A",
    "accent": "#FFE8CC",
    "on_accent": "#7A3300",
    "text": "#1F2329",
    "background": "#F5F6F8",
    "radius": 12,
    "font_scale": "1.00",
    "header_style": "solid",
    "tagline": "",
    "logo": None,
    "favicon": None,
}
HEADER_STYLES = [("solid", _("Solid: primary colour bar")), ("light", _("Light: page colour, primary text"))]

# Colour pairs that text is drawn in: (text token, background token, label).
TEXT_PAIRS = [
    ("on_primary", "primary", _("Text on the primary colour (header, buttons)")),
    ("text", "background", _("Body text on the page background")),
    ("secondary", "background", _("Prices and highlights on the page background")),
    ("on_accent", "accent", _("Text and icons on the accent colour")),
]


def colour_field(label):
    return forms.RegexField(
        HEX,
        label=label,
        max_length=7,
        error_messages={"invalid": _("Use a colour written as #RRGGBB, e.g. #C8102E.")},
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class ThemeForm(forms.Form):
    primary = colour_field(_("Primary colour"))
    on_primary = colour_field(_("Text on primary colour"))
    secondary = colour_field(_("Secondary colour (prices)"))
    accent = colour_field(_("Accent colour"))
    on_accent = colour_field(_("Text on accent colour"))
    text = colour_field(_("Text colour"))
    background = colour_field(_("Background colour"))
    radius = forms.IntegerField(label=_("Corner radius (px)"), min_value=0, max_value=24)
    font_scale = forms.DecimalField(
        label=_("Font scale"), min_value=Decimal("0.875"), max_value=Decimal("1.25"), decimal_places=3
    )
    header_style = forms.ChoiceField(label=_("Header style"), choices=HEADER_STYLES)
    tagline = forms.CharField(label=_("Tagline"), max_length=40, required=False)
    logo = forms.IntegerField(label=_("Logo"), required=False, widget=forms.Select)
    favicon = forms.IntegerField(label=_("Favicon"), required=False, widget=forms.Select)

    def __init__(self, *args, assets=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("None"))] + [(a.pk, a.title) for a in assets]
        self.asset_ids = {a.pk for a in assets}
        for name in ("logo", "favicon"):
            self.fields[name].widget.choices = choices

    def clean(self):
        data = super().clean()
        for name in ("logo", "favicon"):
            if data.get(name) is not None and data[name] not in self.asset_ids:
                self.add_error(name, _("Choose an uploaded image."))
        for problem in contrast_problems(data):
            self.add_error(problem["field"], problem["message"])
        return data

    def tokens(self) -> dict:
        data = dict(self.cleaned_data)
        data["font_scale"] = f"{data['font_scale']:.3f}"
        for name in ("primary", "on_primary", "secondary", "accent", "on_accent", "text", "background"):
            data[name] = data[name].upper()
        return data


def contrast_problems(tokens: dict) -> list[dict]:
    """Each text pair below WCAG AA (4.5:1), saying which pair fails and by how much."""
    pairs = list(TEXT_PAIRS)
    if tokens.get("header_style") == "light":
        pairs.append(("primary", "background", _("Primary-coloured header text on the page background")))
    problems = []
    for fg, bg, label in pairs:
        a, b = tokens.get(fg), tokens.get(bg)
        if not (isinstance(a, str) and HEX.fullmatch(a) and isinstance(b, str) and HEX.fullmatch(b)):
            continue
        ratio = contrast_ratio(a, b)
        if ratio < AA_TEXT:
            problems.append(
                {
                    "field": fg,
                    "ratio": ratio,
                    "message": _(
                        "%(pair)s: contrast %(ratio).2f:1 is below the 4.5:1 that WCAG AA asks for text "
                        "(short by %(short).2f)."
                    )
                    % {"pair": label, "ratio": ratio, "short": AA_TEXT - ratio},
                }
            )
    return problems


def clean_tokens(raw: dict) -> dict:
    """Tokens from a stored document, falling back to defaults for anything not valid."""
    tokens = dict(DEFAULT_TOKENS)
    for key, default in DEFAULT_TOKENS.items():
        value = (raw or {}).get(key, default)
        if isinstance(default, str) and HEX.fullmatch(default or ""):
            tokens[key] = value if isinstance(value, str) and HEX.fullmatch(value) else default
        elif key == "radius":
            tokens[key] = value if isinstance(value, int) and 0 <= value <= 24 else default
        elif key == "font_scale":
            try:
                tokens[key] = f"{min(max(Decimal(str(value)), Decimal('0.875')), Decimal('1.25')):.3f}"
            except Exception:
                tokens[key] = default
        elif key == "header_style":
            tokens[key] = value if value in {"solid", "light"} else default
        elif key in ("logo", "favicon"):
            tokens[key] = value if isinstance(value, int) else None
        else:
            tokens[key] = str(value)[:40] if value else ""
    return tokens


def css_variables(tokens: dict) -> str:
    """The :root block. Every value is re-serialised from a validated token."""
    t = clean_tokens(tokens)
    solid = t["header_style"] == "solid"
    values = {
        "--hall-primary": t["primary"].lower(),
        "--hall-on-primary": t["on_primary"].lower(),
        "--hall-secondary": t["secondary"].lower(),
        "--hall-accent": t["accent"].lower(),
        "--hall-on-accent": t["on_accent"].lower(),
        "--hall-text": t["text"].lower(),
        "--hall-bg": t["background"].lower(),
        "--hall-radius": f"{t['radius']}px",
        "--hall-font-scale": t["font_scale"],
        "--hall-header-bg": (t["primary"] if solid else t["background"]).lower(),
        "--hall-header-fg": (t["on_primary"] if solid else t["primary"]).lower(),
    }
    return mark_safe(":root{" + "".join(f"{k}:{v};" for k, v in values.items()) + "}")
