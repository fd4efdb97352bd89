"""The one error of every port to a carrier system (BSS, payment, SMS, logistics, real-name).

`transient` says whether the same call may succeed later (busy, timed out, unreachable): workers
retry those with back-off. It defaults to False everywhere: a refusal is an answer, and asking
again would only repeat it. `code` is the system's reason, for people and for branching."""

from __future__ import annotations

from core.errors import HallError


class GatewayError(HallError):
    code = "error"
    status = 502  # the carrier's system refused or failed, not the client

    def __init__(self, message: str, code: str = "error", *, transient: bool = False) -> None:
        super().__init__(message, code)
        self.transient = transient
