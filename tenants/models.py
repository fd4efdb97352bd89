"""Carriers (tenants), their host names and carrier groups: all in the public schema."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,29}$"
RESERVED_SLUGS = {"public", "www", "api", "admin", "static", "media", "template", "carrier-template"}


class CarrierGroup(models.Model):
    """Carriers that count together for group-wide rules, e.g. all provincial branches of one
    operator share the one-ID-five-numbers limit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    numbers_per_id = models.PositiveSmallIntegerField(_("numbers allowed per ID"), default=5)
    minimum_age = models.PositiveSmallIntegerField(_("minimum subscriber age"), default=16)

    class Meta:
        verbose_name = _("carrier group")
        verbose_name_plural = _("carrier groups")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Carrier(TenantMixin):
    class Kind(models.TextChoices):
        OPERATOR = "operator", _("Operator")
        BRANCH = "branch", _("Provincial branch")
        MVNO = "mvno", _("MVNO")
        PLATFORM = "platform", _("Platform")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TEMPLATE = "template", _("Template")  # the schema new carriers are cloned from

    slug = models.CharField(
        _("slug"),
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(SLUG_PATTERN, _("Use 2–30 lowercase letters, digits or hyphens, starting with a letter."))
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    group = models.ForeignKey(
        CarrierGroup,
        verbose_name=_("carrier group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carriers",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BRANCH)
    region = models.CharField(_("region"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    payment_window_minutes = models.PositiveSmallIntegerField(
        _("payment window (minutes)"),
        default=30,
        help_text=_("An order not paid within this time closes itself and releases its number."),
    )
    accepts_legacy_ids = models.BooleanField(
        _("accept 15-digit ID cards"),
        default=False,
        help_text=_("The old 15-digit resident ID form, no longer issued; off unless your rules allow it."),
    )
    verification_days = models.PositiveSmallIntegerField(
        _("days to complete real-name verification"),
        default=30,
        help_text=_("A paid SIM not verified within this time is recycled and its number released."),
    )
    # Which adapter serves each of the carrier's systems and its options, e.g.
    # {"payment": {"adapter": "simulator", "callback_delay": [0.2, 2], "duplicate_rate": 0.3}}.
    # Configuration, not code: a real adapter is dropped in by naming it here.
    gateways = models.JSONField(_("gateways"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Schemas are created by tenants.services; never dropped by deleting a row by accident.
    auto_create_schema = True
    auto_drop_schema = False
    # The template holds only what migrations made (content types, permissions, staff roles);
    # copying it keeps those rows, and their ids, identical in every carrier schema.
    clone_mode = "DATA"

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["slug"]

    def __str__(self):
        return self.name

    @property
    def primary_domain(self):
        # from prefetched domains when there are (the directory lists every carrier)
        return next((d for d in self.domains.all() if d.is_primary), None)

    def public_url(self, path: str) -> str:
        """An absolute URL on the carrier's configured primary domain, for what leaves Hall (a
        gateway's callback, the payer's way back). Never from a request's Host header, which the
        first caller would choose."""
        from django.conf import settings

        domain = self.primary_domain
        if domain is None:
            raise ValueError(f"carrier {self.slug} has no primary domain")
        port = settings.HALL_PUBLIC_PORT
        default = {"http": "80", "https": "443"}.get(settings.HALL_PUBLIC_SCHEME)
        netloc = domain.domain if not port or port == default else f"{domain.domain}:{port}"
        return f"{settings.HALL_PUBLIC_SCHEME}://{netloc}{path}"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
