from core.tenancy import in_public
from storefront.decoration import render
from storefront.decoration.theme import css_variables


def shop(request):
    """The carrier and its live theme (or the previewed draft theme), for the shop shell."""
    carrier = getattr(request, "tenant", None)
    if carrier is None or in_public():
        return {"carrier": carrier}
    preview = getattr(request, "preview_theme", None)
    if preview is None:
        return {"carrier": carrier, **render.shell_theme()}
    logo_id, favicon_id = preview.get("logo"), preview.get("favicon")
    urls = render.asset_urls([logo_id, favicon_id]) if (logo_id or favicon_id) else {}
    return {
        "carrier": carrier,
        "theme": preview,
        "theme_css": css_variables(preview),
        "logo_url": urls.get(logo_id),
        "favicon_url": urls.get(favicon_id),
    }
