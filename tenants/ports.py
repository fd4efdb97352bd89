"""Typed accessors to a carrier's systems: `ports.bss()` is a BssGateway to a type checker, so a
misspelt system or method is found before it runs (`tenants.gateways.gateway` finds the adapter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenants.gateways import gateway

if TYPE_CHECKING:
    from tenants.gateways.bss import BssGateway
    from tenants.gateways.logistics import LogisticsGateway
    from tenants.gateways.payment import PaymentGateway
    from tenants.gateways.realname import RealnameProvider
    from tenants.gateways.sms import SmsGateway


def bss(carrier=None, adapter: str | None = None) -> BssGateway:
    return gateway("bss", carrier, adapter)


def sms(carrier=None, adapter: str | None = None) -> SmsGateway:
    return gateway("sms", carrier, adapter)


def payment(carrier=None, adapter: str | None = None) -> PaymentGateway:
    return gateway("payment", carrier, adapter)


def logistics(carrier=None, adapter: str | None = None) -> LogisticsGateway:
    return gateway("logistics", carrier, adapter)


def realname(carrier=None, adapter: str | None = None) -> RealnameProvider:
    return gateway("realname", carrier, adapter)
