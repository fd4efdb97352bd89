"""A carrier's shop design (tenant schema): uploaded assets and versioned documents.

Both the theme (colour tokens, logo) and every decorated page (home, landing pages) are a `Page`
whose content is a JSON document. Each save makes a new draft `PageVersion`; publishing points
`Page.live_version` at it in one UPDATE; published versions never change, so a rollback publishes
a copy of an old one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ShopAsset(models.Model):
    """An image staff uploaded for the shop (logo, favicon, banner, hotspot picture)."""

    image = models.ImageField(_("image"), upload_to="assets/")
    title = models.CharField(_("title"), max_length=60)
    width = models.PositiveIntegerField(_("width (px)"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height (px)"), default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        db_table = "hall_shopasset"  # the table keeps its name from when `hall` owned it
        verbose_name = _("image asset")
        verbose_name_plural = _("image assets")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title


class Page(models.Model):
    class Kind(models.TextChoices):
        THEME = "theme", _("Theme")
        HOME = "home", _("Home page")
        LANDING = "landing", _("Landing page")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    slug = models.SlugField(_("address"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=60)
    live_version = models.ForeignKey("PageVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "hall_page"
        verbose_name = _("shop page")
        verbose_name_plural = _("shop pages")
        ordering = ["kind", "slug"]
        permissions = [("decorate_page", _("Can decorate the shop")), ("publish_page", _("Can publish shop pages"))]

    def __str__(self):
        return self.title


class PageVersion(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "hall_pageversion"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["page", "number"], name="page_version_number_unique")]

    def __str__(self):
        return f"{self.page} v{self.number}"

    @property
    def is_published(self):
        return self.published_at is not None
