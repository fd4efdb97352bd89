"""The carrier's logistics partner: create a shipment (idempotent per key), read its tracking."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tenants.gateways.errors import GatewayError

if TYPE_CHECKING:
    from tenants.models import Carrier  # the gateways sit below the models that name them


class LogisticsError(GatewayError):
    """The logistics partner refused or failed."""


@dataclass(frozen=True)
class Shipment:
    courier: str
    tracking_no: str


@dataclass(frozen=True)
class TrackingEvent:
    status: str  # "picked_up" | "in_transit" | "out_for_delivery" | "delivered"
    at: dt.datetime
    where: str = ""


class LogisticsGateway(ABC):
    name: str

    def __init__(self, carrier: Carrier | None, config: dict):
        self.carrier = carrier
        self.config = config

    @abstractmethod
    def create_shipment(
        self, *, reference: str, recipient: str, phone: str, address: str, items: list[str], key: str
    ) -> Shipment:
        """Book a pick-up; the same key again returns the same shipment."""

    @abstractmethod
    def track(self, tracking_no: str) -> list[TrackingEvent]:
        """The shipment's events so far, oldest first."""
