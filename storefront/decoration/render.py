"""Rendering decorated pages. A page's live document, the theme and the rendered sections are
cached by generation (core.fragments): publishing a page or changing the catalogue starts a new
generation, so every web process shows the change at the next request. Blocks render with one
plain context per page (no context processors: block templates use none). A block that cannot
render is skipped and logged; the page shows, and that render is not cached."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import get_language

from catalog.selectors import fragment_seconds, session_city
from core import fragments
from storefront.decoration.blocks import REGISTRY, BlockUnavailable
from storefront.decoration.documents import THEME_SLUG
from storefront.decoration.fields import resolve_link
from storefront.decoration.models import Page, ShopAsset
from storefront.decoration.theme import DEFAULT_TOKENS, clean_tokens, css_variables

log = logging.getLogger(__name__)


def _read_live(slug: str) -> dict:
    target = Page.objects.filter(slug=slug).select_related("live_version").first()
    if target and target.live_version:
        return {"version": target.live_version.pk, "document": target.live_version.document}
    return {}


def live(slug: str) -> dict | None:
    """{"version": id, "document": …} of the page's live version, or None."""
    return fragments.local("live-page", (slug,), lambda: _read_live(slug), on=(fragments.DECOR,)) or None


def live_theme() -> dict:
    published = live(THEME_SLUG)
    return clean_tokens(published["document"].get("tokens", {})) if published else dict(DEFAULT_TOKENS)


def theme_for_shell(tokens: dict) -> dict:
    """What the shop shell needs of a theme: the tokens, their CSS, the logo and icon URLs."""
    urls = asset_urls([tokens.get("logo"), tokens.get("favicon")])
    return {
        "theme": tokens,
        "theme_css": css_variables(tokens),
        "logo_url": urls.get(tokens.get("logo")),
        "favicon_url": urls.get(tokens.get("favicon")),
    }


def shell_theme() -> dict:
    """What the shop shell needs of the live theme, built once per process and publish."""
    return fragments.local("shell-theme", (), lambda: theme_for_shell(live_theme()), on=(fragments.DECOR,))


def asset_urls(ids) -> dict[int, str]:
    ids = {i for i in ids if isinstance(i, int)}
    return {a.pk: a.image.url for a in ShopAsset.objects.filter(pk__in=ids)} if ids else {}


def _asset_ids(document) -> set:
    ids = set()
    for section in document.get("sections", []):
        settings = section.get("settings", {})
        ids.add(settings.get("image"))
        ids.update(item.get("image") for item in settings.get("items") or [])
    return ids


def live_sections(slug: str, published: dict, request: HttpRequest) -> list[dict]:
    """The rendered sections of a live page, shared by every worker per (page version, language,
    city, catalogue generation): product grids show the catalogue as of that generation."""
    city = session_city(request)
    rendered: list[list[dict]] = []

    def build() -> list[dict] | None:
        sections, complete = _render_all(published["document"], city)
        rendered.append(sections)
        return sections if complete else None

    cached = fragments.shared(
        "sections",
        (slug, published["version"], get_language(), str(city or "")),
        build,
        on=(fragments.DECOR, fragments.CATALOG),
        ttl=fragment_seconds(),
    )
    return _with_csrf(cached if cached is not None else rendered[0], request)


def _with_csrf(sections: list[dict], request: HttpRequest) -> list[dict]:
    """Blocks with a form (a coupon's claim button) are rendered for everyone with the CSRF
    placeholder: this visitor's token goes in here, after the cache."""
    return [dict(s, html=fragments.fill_csrf(s["html"], request)) for s in sections]


def render_sections(document: dict, request: HttpRequest) -> list[dict]:
    """[{"id", "type", "html"}] for the enabled sections that render (uncached: previews)."""
    city = session_city(request)
    return _with_csrf(_render_all(document, city)[0], request)


def _render_all(document: dict, city: str | None) -> tuple[list[dict], bool]:
    """The sections, and False when a block failed for a reason that may pass (so that render
    must not be cached and stick)."""
    complete = True
    images = asset_urls(_asset_ids(document))
    out = []
    for section in document.get("sections", []):
        block_type = REGISTRY.get(section.get("type"))
        if block_type is None or section.get("disabled"):
            continue
        settings = section.get("settings") or {}
        try:
            context = {
                "section": section,
                "settings": settings,
                "images": images,
                "link": resolve_link(settings.get("link", "")),
                "items": [
                    dict(item, url=resolve_link(item.get("link", "")), image_url=images.get(item.get("image")))
                    for item in settings.get("items") or []
                ],
                "image_url": images.get(settings.get("image")),
            }
            if block_type.context:
                context.update(block_type.context(settings, city))
            html = render_to_string(block_type.template, context)
        except BlockUnavailable as exc:  # its data is gone for this generation: skipping it is the render
            log.info("skipped block %s (%s): %s", section.get("id"), section.get("type"), exc)
            continue
        except Exception as exc:  # one broken block must not take the page down
            log.warning("skipped block %s (%s): %s", section.get("id"), section.get("type"), exc)
            complete = False
            continue
        out.append({"id": section["id"], "type": block_type.code, "html": html})
    return out, complete
