"""The real-name verification provider: submit an ID, name, portrait and liveness evidence; the
decision comes later (asynchronous), read with `result`."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


class ProviderError(Exception):
    def __init__(self, message: str, transient: bool = True):
        self.transient = transient
        super().__init__(message)


@dataclass(frozen=True)
class Decision:
    status: str  # "pending" | "passed" | "failed"
    reason: str = ""  # for "failed": "mismatch", "liveness", "no_photo", "poor_image"


class RealnameProvider(ABC):
    name: str

    def __init__(self, carrier, config: dict):
        self.carrier = carrier
        self.config = config

    @abstractmethod
    def submit(self, *, reference: str, name: str, id_number: str, portrait: bytes, liveness: dict) -> str:
        """Start a check (idempotent per reference); returns the provider's request id."""

    @abstractmethod
    def result(self, request_id: str) -> Decision:
        """The decision so far."""
