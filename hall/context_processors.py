from django.db import connection

from .models import ShopTheme
from .theme import theme_css


def shop(request):
    """The carrier and its theme, for the shop shell. Empty on the public host."""
    carrier = getattr(request, "tenant", None)
    if carrier is None or connection.schema_name == "public":
        return {"carrier": carrier}
    theme = ShopTheme.current()
    return {"carrier": carrier, "theme": theme, "theme_css": theme_css(theme)}
