"""The one error base of Hall. Every refusal the product explains to a person (a subscriber, staff,
an ops engineer, a partner) is a `HallError`: its `message` is for that person, in their language,
and its `code` is stable for programs. The API maps it once (`core.api.api_exception_handler`) and
pages map it once (`core.middleware.HallErrorMiddleware`), so no view needs its own mapping.

Control flow inside a worker (a step that waits, a retry) is not an error and keeps its own classes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class HallError(Exception):
    code: str = "refused"  # the class's default; an instance may say more precisely why
    status: int = 400  # the HTTP status when it reaches a client unhandled
    default_message = _("The request was refused.")

    def __init__(self, message: object = "", code: str | None = None) -> None:
        self.message = str(message) if message != "" else str(self.default_message)
        if code is not None:
            self.code = code
        super().__init__(self.message)
