"""二要素: is this name the holder of this ID number, asked of the carrier's real-name provider
before an order is accepted (where the provider offers it). The portrait check after shipping is
the order's workflow (orders.fulfilment.verification)."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from core import ratelimit
from core.errors import HallError
from core.tenancy import current_schema
from realname import crypto
from tenants import ports
from tenants.gateways.realname import ProviderError

log = logging.getLogger(__name__)
LIMIT_PER_HOUR = 10  # a real provider charges per check, and IDs must not be probed
MEMORY = 24 * 3600  # a pair already found to match is not checked again today


class IdentityCheckRefused(HallError):
    """The message is for the subscriber: a mismatch, or too many checks."""


def check(name: str, id_number: str, *, who: str) -> str:
    """Returns "passed", "skipped" (the provider has no such check) or "unavailable" (it is down:
    the order goes ahead and the portrait check after shipping decides); raises
    IdentityCheckRefused for a mismatch or for too many checks by `who` (the subscriber) in an hour."""
    provider = ports.realname()
    if not provider.supports_identity_check:
        return "skipped"
    remembered = f"realname:precheck:{crypto.lookup_hash(f'{name}|{id_number}')}"
    if cache.get(remembered):
        return "passed"
    if ratelimit.count(f"realname:precheck:{current_schema()}:{who}:{int(time.time() // 3600)}", 3605) > LIMIT_PER_HOUR:
        raise IdentityCheckRefused(_("Too many identity checks in an hour. Please try again later."))
    try:
        decision = provider.check_identity(name=name, id_number=id_number)
    except ProviderError as exc:
        log.warning("two-factor identity check unavailable (%s): the order goes ahead", exc)
        return "unavailable"
    if decision.status != "passed":
        raise IdentityCheckRefused(
            _(
                "The name and ID number do not match the identity authority's records. "
                "Check both against the ID card and enter them again."
            )
        )
    cache.set(remembered, True, MEMORY)
    return "passed"
