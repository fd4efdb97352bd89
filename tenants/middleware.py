import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_tenants.middleware.main import TenantMainMiddleware

from core.caches import BoundedTTLCache
from tenants.models import Carrier

log = logging.getLogger(__name__)
# Every remembered host carries the generation it was read in; a change to any carrier or domain
# starts a new generation, so every web process (not just the one that made the change) looks
# the host up again on its next request.
GENERATION_KEY = "tenant-hosts:generation"
# Host names a web process remembers: more than the carriers one platform serves, and a bound on
# the memory when many hosts (or made-up Host headers of unknown carriers, which are not cached)
# come by.
HOST_CACHE_ENTRIES = 1024


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
    the process (bounded): the domain look-up would otherwise be one more database round trip per
    request. Each entry is valid only for the shared generation (one small Redis GET per request),
    so a carrier suspended or a domain moved through one web process is seen by all of them at
    once (forget_hosts). Unknown hosts are never cached, so a new carrier answers at once. If the
    cache is unreachable the database answers."""

    _cache: BoundedTTLCache[str, tuple[str, Carrier]] = BoundedTTLCache(HOST_CACHE_ENTRIES)

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
        try:
            generation = cache.get(GENERATION_KEY) or ""
        except Exception:  # the cache is down: the database still knows
            return super().get_tenant(domain_model, hostname)
        hit = self._cache.get(hostname)
        if hit is not None and hit[0] == generation:
            return hit[1]
        tenant = super().get_tenant(domain_model, hostname)
        self._cache.set(hostname, (generation, tenant), ttl)
        return tenant

    @classmethod
    def forget(cls):
        """Forget every remembered host now (tests; see forget_hosts for changes)."""
        cls._cache.clear()
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
