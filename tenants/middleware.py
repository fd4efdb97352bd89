import contextlib
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.models import Carrier

log = logging.getLogger(__name__)
# Every remembered host carries the generation it was read in; a change to any carrier or domain
# starts a new generation, so every web process (not just the one that made the change) looks
# the host up again on its next request. One MGET per request reads both.
GENERATION_KEY = "tenant-hosts:generation"


def _host_key(hostname: str) -> str:
    return f"tenant-host:{hostname}"


def forget_hosts() -> None:
    """Make every web process look each host up again (after the current transaction commits).
    Signals call it for saves and deletes of carriers and domains; code that changes them with
    QuerySet.update() (no signals) calls it itself."""

    def bump() -> None:
        try:
            cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
        except Exception as exc:  # a Redis outage: entries still expire within HALL_TENANT_CACHE_SECONDS
            log.warning("could not start a new host-cache generation: %s", exc)

    transaction.on_commit(bump)


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' host routing, with each host's carrier remembered for a few seconds in
    the shared cache (Redis): the domain look-up would otherwise be one more database round trip
    per request. Shared, not per process: a carrier suspended or a domain moved through one web
    process is seen by all of them at once (forget_hosts). Unknown hosts are never cached, so a
    new carrier answers at once. If the cache is unreachable the database answers."""

    @staticmethod
    def hostname_from_request(request):
        return TenantMainMiddleware.hostname_from_request(request).lower()  # host names ignore case

    def get_tenant(self, domain_model, hostname):
        tenant = self._lookup(domain_model, hostname)
        # Only an active carrier (or the platform's public row) serves anything: a suspended
        # carrier's shop, admin and API answer like an unknown host; the template never does.
        if tenant.schema_name != "public" and tenant.status != Carrier.Status.ACTIVE:
            raise domain_model.DoesNotExist
        return tenant

    def _lookup(self, domain_model, hostname):
        ttl = getattr(settings, "HALL_TENANT_CACHE_SECONDS", 0)
        if not ttl:
            return super().get_tenant(domain_model, hostname)
        key = _host_key(hostname)
        try:
            found = cache.get_many([key, GENERATION_KEY])
        except Exception:  # the cache is down: the database still knows
            return super().get_tenant(domain_model, hostname)
        generation = found.get(GENERATION_KEY, "")
        hit = found.get(key)
        if hit is not None and hit[0] == generation:
            return hit[1]
        tenant = super().get_tenant(domain_model, hostname)
        with contextlib.suppress(Exception):  # not remembered this time
            cache.set(key, (generation, tenant), ttl)
        return tenant

    @classmethod
    def forget(cls):
        """Forget every remembered host now (tests; see forget_hosts for changes)."""
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
