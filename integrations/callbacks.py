"""Where Hall may send events: http(s) only, no credentials in the URL, and in production no
loopback, private, link-local or otherwise non-public address (a callback is a request Hall makes
from inside the carrier's network: without this, a partner could make it reach internal services).
`HALL_OUTBOX_ALLOW_PRIVATE_CALLBACKS` (default: on outside production) lets tests and `hallctl up`
use local receivers.

The address is checked when a subscription is created and again before every delivery (a name
may resolve elsewhere later); the check and the connection resolve separately, so a name that
changes its answer between the two within a second is not caught (pin the address at a proxy if
that matters)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import HallError

MAX_LENGTH = 500


class CallbackRefused(HallError):
    code = "invalid_callback"
    status = 400


def private_allowed() -> bool:
    return bool(getattr(settings, "HALL_OUTBOX_ALLOW_PRIVATE_CALLBACKS", not settings.PRODUCTION))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check(url: str) -> str:
    """The callback URL as given, or CallbackRefused saying why not."""
    url = (url or "").strip()
    if not url or len(url) > MAX_LENGTH:
        raise CallbackRefused(_("Give a callback URL of at most %(n)s characters.") % {"n": MAX_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise CallbackRefused(_("The callback is not a valid URL.")) from None
    if parts.scheme not in ("http", "https"):
        raise CallbackRefused(_("The callback must be an http or https URL."))
    if not parts.hostname:
        raise CallbackRefused(_("The callback is not a valid URL."))
    if parts.username is not None or parts.password is not None:
        raise CallbackRefused(_("The callback must not carry a user name or password."))
    if private_allowed():
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        raise CallbackRefused(_("The callback's host name cannot be resolved.")) from None
    if not infos or not all(_public(str(info[4][0])) for info in infos):
        raise CallbackRefused(_("The callback must be a public address."))
    return url
