"""The carrier's SMS gateway: send a text to a number."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from tenants.gateways.errors import GatewayError

if TYPE_CHECKING:
    from tenants.models import Carrier  # the gateways sit below the models that name them


class SmsError(GatewayError):
    """The SMS gateway refused or failed."""


class SmsGateway(ABC):
    name: str

    def __init__(self, carrier: Carrier | None, config: dict):
        self.carrier = carrier
        self.config = config

    @abstractmethod
    def send(self, *, number: str, text: str, key: str) -> str:
        """Send `text` to `number` once per `key`; returns the gateway's message id."""


def signed(text: str, sender: str) -> str:
    """A text as China's SMS rules want it: the sender's signature first, in 【】 (one form for
    every text Hall sends: codes, order news, reminders)."""
    return f"【{sender}】{text}"
