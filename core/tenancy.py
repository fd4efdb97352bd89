"""The active schema, typed (django-tenants sets `schema_name` on the connection; Django's stubs
do not know it)."""

from __future__ import annotations

from django.db import connection

PUBLIC = "public"


def current_schema() -> str:
    """The schema queries run in now: a carrier's, or 'public' for the platform."""
    return str(getattr(connection, "schema_name", PUBLIC))


def in_public() -> bool:
    """True outside every carrier's shop (the platform's own pages and commands)."""
    return current_schema() == PUBLIC
