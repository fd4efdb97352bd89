import time

from django.conf import settings
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.models import Carrier


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' host routing, with each host's carrier remembered for a few seconds in
    the process: the domain look-up would otherwise be one more database round trip per request.
    Unknown hosts are never cached, so a new carrier answers at once; a changed one within the TTL."""

    _cache: dict[str, tuple[float, object]] = {}

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
        now = time.monotonic()
        hit = self._cache.get(hostname)
        if ttl and hit and now - hit[0] < ttl:
            return hit[1]
        tenant = super().get_tenant(domain_model, hostname)
        if ttl:
            self._cache[hostname] = (now, tenant)
        return tenant

    @classmethod
    def forget(cls):
        cls._cache.clear()
