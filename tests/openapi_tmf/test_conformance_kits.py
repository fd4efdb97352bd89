"""TM Forum's own conformance kits (CTK) for TMF620 Product Catalog and TMF622 Product Ordering v4,
run with newman (package.json's devDependencies) against the real server (gunicorn, on the test
database) as a partner of carrier alpha would call it: a bearer token, the carrier's host.

The kits are found as tests/support/kits.py says (HALL_TMF_CTK, ../shared/tmf-ctk, …); a missing
kit fails the test, never skips it. A run with a revoked token must fail, so that a kit run that
passes cannot pass for want of checking anything."""

import uuid
from decimal import Decimal

import pytest

from tests.support.kits import failures, run_kit
from tests.support.live_server import database_env, gunicorn

HOST = "alpha.localhost"  # the carrier with the demo catalogue
CATALOG = "/tmf-api/productCatalogManagement/v4/"
ORDERING = "/tmf-api/productOrderingManagement/v4/"
SCOPES = ("catalog:read", "catalog:write", "order:read", "order:write")
ADDRESS = {
    "recipient": "张三",
    "contactPhone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "addressDetail": "天河路 100 号 5 楼",
}

# The server sees committed rows only (made by the module fixtures); the marker makes
# pytest-django set up the test database at all.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def ctk_server(django_db_setup):
    with gunicorn(database_env(), workers=2) as server:
        yield server


@pytest.fixture(scope="module")
def partner(django_db_setup, django_db_blocker):
    """A partner account of alpha with a token of every TMF scope, a revoked token, and a phone on
    sale with stock for the TMF622 kit's order; committed (the server is another process), then
    removed with whatever the kits made: orders and their carts, offerings, specifications, prices."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from catalog.models import Category, Offer
    from integrations import tokens
    from openapi_tmf.models import Price, Specification
    from orders.models import Cart, Order
    from tenants.models import Carrier
    from tests.support.promotions import device_offer

    with django_db_blocker.unblock():
        carrier = Carrier.objects.get(domains__domain=HOST)
        started = timezone.now()
        with tenant_context(carrier):
            had_category = Category.objects.filter(slug="promo-phones").exists()
            user = get_user_model().objects.create_user(f"ctk-{uuid.uuid4().hex[:10]}")
            _token, secret = tokens.issue(user, "TMF CTK", SCOPES)
            revoked, revoked_secret = tokens.issue(user, "TMF CTK revoked", SCOPES)
            tokens.revoke(revoked)
            offer, variant = device_offer(Decimal("199"), slug=f"ctk-phone-{uuid.uuid4().hex[:6]}")
        yield {"secret": secret, "revoked": revoked_secret, "offer": offer.pk, "variant": variant.pk}
        with tenant_context(carrier):
            orders = Order.objects.filter(user=user)
            Cart.objects.filter(user=user).delete()
            orders.delete()
            made = Offer.objects.filter(tmf_link__isnull=False, created_at__gte=started)
            Price.objects.filter(created_at__gte=started).delete()
            Specification.objects.filter(created_at__gte=started).delete()
            made.delete()
            Offer.objects.filter(pk=offer.pk).delete()  # and its variant
            if not had_category:
                Category.objects.filter(slug="promo-phones", offers__isnull=True).delete()
            user.delete()  # and its tokens


def _product_order(partner) -> dict:
    """The kit's sample order with a real offering of alpha's: a phone, its version, an address."""
    chars = [{"name": name, "value": value} for name, value in ADDRESS.items()]
    chars.append({"name": "variant", "value": str(partner["variant"])})
    return {
        "ProductOrder": {
            "productOrderItem": [
                {
                    "id": "123",
                    "action": "add",
                    "productOffering": {"id": str(partner["offer"])},
                    "product": {"productCharacteristic": chars},
                }
            ],
            "relatedParty": [{"id": "456-dd-df45", "@referredType": "Individual"}],
        }
    }


def _run(server, kit, path, secret, payload=None):
    base = f"http://127.0.0.1:{server.port}{path}"
    # Node does not resolve *.localhost: connect to 127.0.0.1, name the carrier in Host.
    headers = [f"Host: {HOST}:{server.port}", f"Authorization: Bearer {secret}"]
    return run_kit(kit, base, *headers, payload=payload)


def _explain(kit, code, output, server) -> str:
    return (
        f"the {kit} conformance kit failed (exit {code}):\n{failures(output)}\n"
        f"--- kit output (tail) ---\n{output[-15000:]}\n--- server log ---\n{server.log_tail()}"
    )


def test_tmf620_product_catalog_kit_passes(ctk_server, partner):
    code, output = _run(ctk_server, "tmf620", CATALOG, partner["secret"])
    print(output)
    assert code == 0, _explain("TMF620", code, output, ctk_server)
    assert "tmf620: requests" in output and "failures 0" in output, output[-3000:]


def test_tmf622_product_ordering_kit_passes(ctk_server, partner):
    code, output = _run(ctk_server, "tmf622", ORDERING, partner["secret"], payload=_product_order(partner))
    print(output)
    assert code == 0, _explain("TMF622", code, output, ctk_server)
    assert "tmf622: requests" in output and "failures 0" in output, output[-3000:]


@pytest.mark.parametrize(
    ("kit", "path", "which"),
    [
        ("tmf620", CATALOG, "revoked"),  # the right API, a revoked token: every request is refused
        ("tmf620", ORDERING, "secret"),  # a good token, the wrong API: no productSpecification there
        ("tmf622", ORDERING, "invalid"),
    ],
)
def test_kit_runner_fails_when_the_api_does_not_conform(ctk_server, partner, kit, path, which):
    """The runner really checks: refused or wrong answers make it exit 1 (no vacuous pass)."""
    secret = "hall_alpha_not-a-token" if which == "invalid" else partner[which]
    payload = _product_order(partner) if kit == "tmf622" else None
    code, output = _run(ctk_server, kit, path, secret, payload=payload)
    assert code == 1, output[-5000:]
    assert f"{kit}: requests" in output and "failures 0" not in output, output[-3000:]
    assert "CTK-FAIL" in failures(output), output[-3000:]  # and the failures are explained
