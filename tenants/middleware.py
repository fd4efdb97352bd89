from django.conf import settings
from django_tenants.middleware.main import TenantMainMiddleware

from core.caches import BoundedTTLCache
from tenants.models import Carrier

# Host names a web process remembers: more than the carriers one platform serves, and a bound on
# the memory when many hosts (or made-up Host headers of unknown carriers, which are not cached)
# come by.
HOST_CACHE_ENTRIES = 1024


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' host routing, with each host's carrier remembered for a few seconds in
    the process: the domain look-up would otherwise be one more database round trip per request.
    Unknown hosts are never cached, so a new carrier answers at once; a changed one within the TTL."""

    _cache: BoundedTTLCache[str, Carrier] = BoundedTTLCache(HOST_CACHE_ENTRIES)

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
        if ttl:
            hit = self._cache.get(hostname)
            if hit is not None:
                return hit
        tenant = super().get_tenant(domain_model, hostname)
        if ttl:
            self._cache.set(hostname, tenant, ttl)
        return tenant

    @classmethod
    def forget(cls):
        cls._cache.clear()
