"""Decoration services: the only code that writes pages, versions and assets."""

from __future__ import annotations

import copy

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import fragments
from core.errors import HallError
from core.uploads import validate_image_upload
from storefront.decoration.documents import (
    HOME_SLUG,
    THEME_SLUG,
    DocumentError,
    empty_page,
    validate_page,
)
from storefront.decoration.models import Page, PageVersion, ShopAsset
from storefront.decoration.theme import DEFAULT_TOKENS, ThemeForm, clean_tokens


class EditConflict(HallError):
    """Someone saved the page since this editor loaded it: the later save must not overwrite."""

    def __init__(self, latest: PageVersion):
        self.latest = latest
        who = latest.created_by.get_username() if latest.created_by else _("someone")
        super().__init__(
            _(
                "%(who)s saved version %(n)d of this page at %(when)s after you opened it. "
                "Your change was not saved; here is their version."
            )
            % {"who": who, "n": latest.number, "when": timezone.localtime(latest.created_at).strftime("%H:%M:%S")}
        )


def page(slug: str) -> Page | None:
    return Page.objects.filter(slug=slug).first()


def ensure_page(kind: str, slug: str, title: str) -> Page:
    return Page.objects.get_or_create(slug=slug, defaults={"kind": kind, "title": title})[0]


def create_landing_page(slug: str, title: str) -> Page:
    from django.core.validators import validate_slug

    validate_slug(slug)
    if slug in {THEME_SLUG, HOME_SLUG, "images"} or Page.objects.filter(slug=slug).exists():
        raise DocumentError([_("A page with the address “%(slug)s” exists already.") % {"slug": slug}])
    return Page.objects.create(kind=Page.Kind.LANDING, slug=slug, title=title)


def latest_version(target: Page) -> PageVersion | None:
    return target.versions.select_related("created_by").order_by("-number").first()


def assets():
    return list(ShopAsset.objects.all())


def validate(target: Page, document) -> list[str]:
    if target.kind == Page.Kind.THEME:
        form = ThemeForm(_theme_form_data(document), assets=assets())
        return (
            []
            if form.is_valid()
            else [
                f"{form.fields[f].label if f in form.fields else ''}: {e}"
                for f, errs in form.errors.items()
                for e in errs
            ]
        )
    return validate_page(document, assets())


def _theme_form_data(document):
    tokens = dict(DEFAULT_TOKENS, **(document or {}).get("tokens", {}))
    return {k: ("" if v is None else v) for k, v in tokens.items()}


def save_draft(target: Page, document: dict, user=None, base_version_id=None, note="") -> PageVersion:
    """A new draft version, unless someone saved since `base_version_id` (then EditConflict)."""
    problems = validate(target, document)
    if problems:
        raise DocumentError(problems)
    with transaction.atomic():
        Page.objects.select_for_update().get(pk=target.pk)
        latest = latest_version(target)
        if (latest.pk if latest else None) != base_version_id:
            raise EditConflict(latest)
        return PageVersion.objects.create(
            page=target,
            number=(latest.number + 1) if latest else 1,
            document=document,
            based_on=latest,
            created_by=user if user and user.is_authenticated else None,
            note=note,
        )


def publish(target: Page, version: PageVersion, user=None) -> PageVersion:
    """Validate again and switch the live version in one UPDATE; published versions are frozen."""
    if version.page_id != target.pk:
        raise DocumentError([_("That version belongs to another page.")])
    problems = validate(target, version.document)
    if problems:
        raise DocumentError(problems)
    with transaction.atomic():
        Page.objects.select_for_update().get(pk=target.pk)
        if version.published_at is None:
            version.published_at = timezone.now()
            version.published_by = user if user and user.is_authenticated else None
            version.save(update_fields=["published_at", "published_by"])
        Page.objects.filter(pk=target.pk).update(live_version=version)
        fragments.bump(fragments.DECOR)  # every worker shows the new version at its next request
    target.live_version = version
    return version


def rollback(target: Page, old: PageVersion, user=None) -> PageVersion:
    """Publish a copy of an earlier published version as a new version."""
    if old.page_id != target.pk or not old.is_published:
        raise DocumentError([_("Only an earlier published version of this page can be restored.")])
    latest = latest_version(target)
    restored = save_draft(
        target,
        copy.deepcopy(old.document),
        user,
        latest.pk if latest else None,
        note=_("Restored version %(n)d") % {"n": old.number},
    )
    return publish(target, restored, user)


def publish_document(kind: str, slug: str, title: str, document: dict, user=None) -> PageVersion:
    """Save and publish in one go (demo data, ops, tests)."""
    target = ensure_page(kind, slug, title)
    latest = latest_version(target)
    return publish(target, save_draft(target, document, user, latest.pk if latest else None), user)


def publish_theme(tokens: dict, user=None) -> PageVersion:
    merged = clean_tokens(dict(DEFAULT_TOKENS, **tokens))
    return publish_document(Page.Kind.THEME, THEME_SLUG, _("Theme"), {"schema_version": 1, "tokens": merged}, user)


def upload_asset(upload, title: str, user=None) -> ShopAsset:
    from PIL import Image

    cleaned = validate_image_upload(upload)
    with Image.open(cleaned) as image:
        width, height = image.size
    cleaned.seek(0)
    asset = ShopAsset(
        title=title[:60] or upload.name[:60],
        width=width,
        height=height,
        uploaded_by=user if user and user.is_authenticated else None,
    )
    asset.image.save(cleaned.name, cleaned, save=True)
    return asset


def draft_document(target: Page) -> tuple[dict, PageVersion | None]:
    latest = latest_version(target)
    if latest is not None:
        return copy.deepcopy(latest.document), latest
    return (
        {"schema_version": 1, "tokens": dict(DEFAULT_TOKENS)} if target.kind == Page.Kind.THEME else empty_page()
    ), None
