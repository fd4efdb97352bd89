"""Per-process caches keyed by carrier stay bounded however many carriers a process serves."""

from core.caches import BoundedTTLCache
from tenants.middleware import HOST_CACHE_ENTRIES, CachedTenantMiddleware
from tests.support.clients import host_client


def test_the_least_recently_used_entry_goes_first_past_the_bound():
    cache: BoundedTTLCache[str, int] = BoundedTTLCache(max_entries=3)
    for i, key in enumerate("abc"):
        cache.set(key, i, 60)
    assert cache.get("a") == 0  # used: now the most recent
    cache.set("d", 3, 60)
    assert len(cache) == 3 and cache.get("b") is None and cache.get("a") == 0 and cache.get("d") == 3


def test_expired_entries_are_not_returned_and_are_dropped():
    cache: BoundedTTLCache[str, int] = BoundedTTLCache(max_entries=3)
    cache.set("a", 1, 0)
    assert cache.get("a", -1) == -1 and len(cache) == 0


def test_the_host_cache_holds_at_most_its_bound(db, settings, monkeypatch):
    settings.HALL_TENANT_CACHE_SECONDS = 60
    monkeypatch.setattr(CachedTenantMiddleware, "_cache", BoundedTTLCache(max_entries=1))
    assert HOST_CACHE_ENTRIES >= 200  # every carrier of a large platform fits
    host_client("alpha.localhost").get("/healthz")
    host_client("beta.localhost").get("/healthz")
    assert len(CachedTenantMiddleware._cache) == 1 and CachedTenantMiddleware._cache.get("beta.localhost")


def test_the_workers_tenant_cache_is_bounded():
    from hall.celery import HallTask

    cache = HallTask.tenant_cache()
    assert cache.entries.max_entries >= 200
    cache.set("c_x", "carrier", 30)
    assert cache.get("c_x", None) == "carrier" and cache.get("c_nope", "missing") == "missing"
