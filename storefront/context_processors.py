from core.tenancy import in_public
from storefront.decoration import render


def shop(request):
    """The carrier and its live theme (or the previewed draft theme), for the shop shell."""
    carrier = getattr(request, "tenant", None)
    if carrier is None or in_public():
        return {"carrier": carrier}
    preview = getattr(request, "preview_theme", None)
    theme = render.shell_theme() if preview is None else render.theme_for_shell(preview)
    return {"carrier": carrier, **theme}
