"""Rendering decorated pages. The live document of a page is cached per carrier (the cache key
function adds the schema) and dropped on publish; product grids query the catalogue live with a
bounded number of queries. A block that cannot render is skipped and logged; the page shows."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.template.loader import render_to_string

from storefront.decoration.blocks import REGISTRY
from storefront.decoration.documents import THEME_SLUG, live_cache_key
from storefront.decoration.fields import resolve_link
from storefront.decoration.models import Page, ShopAsset
from storefront.decoration.theme import DEFAULT_TOKENS, clean_tokens

log = logging.getLogger(__name__)
CACHE_SECONDS = 3600


def live(slug: str) -> dict | None:
    """{"version": id, "document": …} of the page's live version, or None."""
    key = live_cache_key(slug)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    target = Page.objects.filter(slug=slug).select_related("live_version").first()
    value = (
        {"version": target.live_version.pk, "document": target.live_version.document}
        if target and target.live_version
        else {}
    )
    cache.set(key, value, CACHE_SECONDS)
    return value or None


def live_theme() -> dict:
    published = live(THEME_SLUG)
    return clean_tokens(published["document"].get("tokens", {})) if published else dict(DEFAULT_TOKENS)


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


def render_sections(document: dict, request) -> list[dict]:
    """[{"id", "type", "html"}] for the enabled sections that render."""
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
                "request": request,
                "link": resolve_link(settings.get("link", "")),
                "items": [
                    dict(item, url=resolve_link(item.get("link", "")), image_url=images.get(item.get("image")))
                    for item in settings.get("items") or []
                ],
                "image_url": images.get(settings.get("image")),
            }
            if block_type.context:
                context.update(block_type.context(settings, request))
            html = render_to_string(block_type.template, context, request=request)
        except Exception as exc:  # one broken block must not take the page down
            log.warning("skipped block %s (%s): %s", section.get("id"), section.get("type"), exc)
            continue
        out.append({"id": section["id"], "type": block_type.code, "html": html})
    return out
