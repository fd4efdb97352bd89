"""The TMF shape of what the outbox sends to TMF hubs: the same documents the facades serve,
rendered when the change is written (integrations.outbox stores them with the event). Nothing
personal beyond what a partner's own GET shows; hrefs point at the carrier's configured host."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from integrations.outbox import TMF, register_renderer
from openapi_tmf.catalog import OFFERING
from openapi_tmf.conventions import Resource
from openapi_tmf.ordering import ORDER
from openapi_tmf.tickets import TROUBLE_TICKET
from tenants.gateways import current_carrier


class Origin:
    """What the renderers read of a request, outside any request: the carrier's own address and a
    reader who is not staff (internal notes stay out of events)."""

    user = AnonymousUser()
    auth = None

    def build_absolute_uri(self, location: str) -> str:
        return current_carrier().public_url(location)


def _renderer(resource: Resource):
    def render(obj: Any) -> dict:
        return resource.document(obj, Origin())  # type: ignore[arg-type]  # reads only the two above

    return render


def register() -> None:
    register_renderer("order", TMF, _renderer(ORDER))
    register_renderer("offer", TMF, _renderer(OFFERING))
    register_renderer("ticket", TMF, _renderer(TROUBLE_TICKET))
