from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NumberPoolConfig(AppConfig):
    """The number inventory: segments, tier rules, the pool, holds, imports. A library below
    orders; its tables keep the names they had under `catalog` (migrations/0001 adopts them).
    (Not `numbers`: that name would shadow the standard library's module.)"""

    name = "numberpool"
    verbose_name = _("Number pool")
