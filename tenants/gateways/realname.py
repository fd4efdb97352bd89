"""The real-name verification provider: submit an ID, name, portrait and liveness evidence; the
decision comes later (asynchronous), read with `result`.

Providers that offer it also answer a two-factor check (二要素: does this name belong to this ID
number at the identity authority?) at once, so a wrong name or ID is refused before the order is
accepted, not found after the card has shipped. `supports_identity_check` says whether one does."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tenants.gateways.errors import GatewayError

if TYPE_CHECKING:
    from tenants.models import Carrier  # the gateways sit below the models that name them


class ProviderError(GatewayError):
    """The real-name provider refused or failed."""


@dataclass(frozen=True)
class Decision:
    status: str  # "pending" | "passed" | "failed"
    reason: str = ""  # for "failed": "mismatch", "liveness", "no_photo", "poor_image"


class RealnameProvider(ABC):
    name: str
    supports_identity_check: bool = False

    def __init__(self, carrier: Carrier | None, config: dict):
        self.carrier = carrier
        self.config = config

    @abstractmethod
    def submit(self, *, reference: str, name: str, id_number: str, portrait: bytes, liveness: dict) -> str:
        """Start a check (idempotent per reference); returns the provider's request id."""

    @abstractmethod
    def result(self, request_id: str) -> Decision:
        """The decision so far."""

    def check_identity(self, *, name: str, id_number: str) -> Decision:
        """二要素, synchronous: "passed", or "failed" with reason "mismatch". Raises ProviderError
        (transient when worth retrying later). Only where `supports_identity_check`."""
        raise NotImplementedError(f"{self.name} has no two-factor identity check")
