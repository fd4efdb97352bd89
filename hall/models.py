"""The shop's look, per carrier (tenant schema)."""
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

hex_colour = RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("Use a colour written as #RRGGBB."))


class ShopTheme(models.Model):
    """One row per carrier schema. The shop shell reads it on every page."""

    tagline = models.CharField(_("tagline"), max_length=80, blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, default="#C8102E",
                                     validators=[hex_colour])
    on_primary_color = models.CharField(_("text on primary colour"), max_length=7, default="#FFFFFF",
                                        validators=[hex_colour])
    accent_color = models.CharField(_("accent colour"), max_length=7, default="#FF8A00",
                                    validators=[hex_colour])
    logo = models.ImageField(_("logo"), upload_to="theme/", blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("shop theme")
        verbose_name_plural = _("shop theme")

    def __str__(self):
        return str(_("shop theme"))

    @classmethod
    def current(cls) -> "ShopTheme":
        theme = cls.objects.order_by("pk").first()
        return theme if theme is not None else cls(pk=None)
