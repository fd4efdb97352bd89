"""The OpenAPI schema served at /api/schema/ says what the API really answers. Schemathesis drives
the real server (gunicorn, on the test database) from the schema it serves, anonymous and with a
subscriber's token, and fails on any 5xx and on any status code, content type, header or body
that the schema does not document. Generated identifiers rarely name a real category, offer or
order, so the answers about real ones are then checked too, with the same checks."""

import http.client
import json
import uuid

import pytest

from tests.support import fuzz
from tests.support.live_server import database_env, gunicorn

HOST = "alpha.localhost"  # the carrier with the demo catalogue and a number pool
CHECKS = fuzz.CHECKS
MAX_EXAMPLES = 20  # per operation, for the fuzzing phase (the coverage phase adds its own cases)
SEED = 14

# The server sees committed rows only (made by the module fixtures); the marker makes
# pytest-django set up the test database at all.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def api_server(django_db_setup):
    """The real server, with the request limits raised out of the fuzzer's way."""
    env = database_env(
        DJANGO_SETTINGS_MODULE="tests.support.api_schema_settings",
        HALL_NUMBER_SEARCHES_PER_MINUTE="100000",
        HALL_NUMBER_HOLDS_PER_MINUTE="100000",
    )
    with gunicorn(env, workers=4) as server:
        yield server


@pytest.fixture(scope="module")
def subscriber(django_db_setup, django_db_blocker):
    """A subscriber of alpha with a DRF token and one order, committed (the server is another
    process); removed afterwards with whatever the runs made: carts, held numbers, orders."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tenants.utils import schema_context
    from rest_framework.authtoken.models import Token

    from numberpool.models import MobileNumber
    from orders.models import Cart, Order, OrderEvent, OrderKind, OrderLine
    from subscribers.models import BoundNumber
    from tenants.models import Carrier
    from tenants.simulators.models import SimSubscriber

    with django_db_blocker.unblock():
        schema = Carrier.objects.get(domains__domain=HOST).schema_name
        started = timezone.now()
        with schema_context(schema):
            user = get_user_model().objects.create_user(
                f"139{uuid.uuid4().int % 10**8:08d}", password=f"Api-{uuid.uuid4().hex}"
            )
            order = Order.objects.create(
                number=f"API{uuid.uuid4().hex[:12].upper()}",
                user=user,
                kind=OrderKind.DEVICE,
                idempotency_key=uuid.uuid4().hex,
                goods_total="99.00",
                payable="99.00",
                recipient="张三",
            )
            OrderLine.objects.create(order=order, name="测试终端", unit_price="99.00", unit_list_price="129.00")
            OrderEvent.objects.create(order=order, action="placed", to_status=order.status)
            token = Token.objects.create(user=user).key
            line = f"133{uuid.uuid4().int % 10**8:08d}"  # a number of the carrier's, bound to the account
            SimSubscriber.objects.create(
                number=line, plan="畅享 39 元套餐", plan_code="plan-2", plan_fee="39", data_mb=30720, balance="12.00"
            )
            BoundNumber.objects.create(user=user, number=line, primary=True, proof="code", proved_at=started)
        yield {"token": token, "order": order.number, "line": line}
        with schema_context(schema):
            carts = Cart.objects.filter(user=user) | Cart.objects.filter(user=None, created_at__gte=started)
            owners = [f"cart:{pk}" for pk in carts.values_list("pk", flat=True)]
            MobileNumber.objects.filter(hold_owner__in=owners, status=MobileNumber.Status.HELD).update(
                status=MobileNumber.Status.AVAILABLE, hold_owner="", held_until=None
            )
            carts.delete()
            Order.objects.filter(user=user).delete()
            SimSubscriber.objects.filter(number=line).delete()
            user.delete()  # and its token and binding


def _request(server, method, path, body=None, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(
            method, path, body=body, headers={"Host": f"{HOST}:{server.port}", "Accept": "application/json", **headers}
        )
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def _get(server, path):
    return _request(server, "GET", path)


def test_served_schema_documents_the_shared_errors(api_server):
    status, _type, body = _get(api_server, "/api/schema/?format=json")
    assert status == 200, body[:500]
    schema = json.loads(body)
    assert "Error" in schema["components"]["schemas"]
    assert not any(path.startswith("/api/payments/") for path in schema["paths"])  # for gateways, not the API
    assert "/api/schema/" not in schema["paths"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code in ("400", "401", "403", "404", "405", "429"):
                error = operation["responses"].get(code)
                assert error, f"{method.upper()} {path} does not document {code}"
                assert error["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
            assert ("413" in operation["responses"]) == ("requestBody" in operation), (method, path)


@pytest.mark.parametrize("path", ["/api/v1/categories/%C2%84/", "/api/nothing-here/", "/api/v1/orders/a/b/"])
def test_unmatched_api_paths_answer_json_404(api_server, path):
    status, content_type, body = _get(api_server, path)
    assert status == 404 and content_type.startswith("application/json"), (status, content_type, body[:200])
    assert json.loads(body)["error"]["code"] == "not_found"


def test_refused_bodies_answer_in_the_error_shape(api_server, subscriber):
    """Django's own refusals (here: more form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS) are JSON too."""
    status, content_type, body = _request(
        api_server,
        "POST",
        "/api/v1/cart/lines/",
        "&".join(f"f{i}=1" for i in range(1001)),
        **{"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Token {subscriber['token']}"},
    )  # a token: no CSRF refusal before parsing
    assert status == 400 and content_type.startswith("application/json"), (status, content_type, body[:200])
    assert json.loads(body)["error"]["code"] == "bad_request"


def run_schemathesis(server, *headers: str) -> tuple[int, str]:
    return fuzz.run_schemathesis(
        server.port, "/api/schema/?format=json", HOST, *headers, max_examples=MAX_EXAMPLES, seed=SEED
    )


@pytest.mark.parametrize("who", ["anonymous", "subscriber"])
def test_api_answers_as_its_schema_says(api_server, subscriber, who):
    headers = [f"Authorization: Token {subscriber['token']}"] if who == "subscriber" else []
    code, output = run_schemathesis(api_server, *headers)
    print(output)
    assert code == 0, (
        f"schemathesis ({who}) found problems:\n{output[-12000:]}\n--- server log ---\n{api_server.log_tail()}"
    )
    summary = output[output.rindex("SUMMARY") :]
    assert "Tested: 26" in summary and " passed" in summary, summary  # every operation, and cases ran


def test_real_resources_answer_as_the_schema_says(api_server, subscriber):
    """Each operation once more with identifiers and bodies that exist, validated by the same checks."""
    import requests
    import schemathesis
    from schemathesis.checks import CHECKS as REGISTRY
    from schemathesis.checks import load_all_checks

    load_all_checks()
    checks = REGISTRY.get_by_names(CHECKS)
    base = f"http://127.0.0.1:{api_server.port}"
    host = {"Host": f"{HOST}:{api_server.port}"}
    schema = schemathesis.openapi.from_url(f"{base}/api/schema/?format=json", headers=host)
    signed_in = {**host, "Authorization": f"Token {subscriber['token']}"}

    def call(method, path, expected, headers=signed_in, session=None, **case):
        if "body" in case:
            case["media_type"] = "application/json"
        response = (
            schema[path][method]
            .Case(**case)
            .call_and_validate(base_url=base, headers=headers, checks=checks, session=session)
        )
        assert response.status_code == expected, (method, path, case, response.status_code, response.text[:500])
        return response.json()

    categories = call("GET", "/api/v1/categories/", 200)["results"]
    assert categories
    for category in categories:
        call("GET", "/api/v1/categories/{slug}/", 200, path_parameters={"slug": category["slug"]})
    offers = call("GET", "/api/v1/offers/", 200, query={"page_size": 100})["results"]
    for kind in sorted({offer["kind"] for offer in offers}):
        slug = next(offer["slug"] for offer in offers if offer["kind"] == kind)
        call("GET", "/api/v1/offers/{slug}/", 200, path_parameters={"slug": slug})
    call("GET", "/api/v1/offers/", 200, query={"category": "phones", "sort": "price", "city": "guangzhou"})
    call("GET", "/api/v1/offers/", 400, query={"city": "no such city!"})
    call("GET", "/api/v1/offers/", 404, query={"category": "nothing-here"})

    numbers = call("GET", "/api/v1/numbers/", 200)["results"]
    call("GET", "/api/v1/numbers/", 200, query={"tail": "8", "page": 2})
    held = call("POST", "/api/v1/numbers/hold/", 201, body={"number": numbers[0]["number"]})
    assert held["held_until"]
    browser = requests.Session()  # an anonymous visitor: session and CSRF cookies from a page
    browser.get(f"{base}/", headers=host)
    csrf = {**host, "X-CSRFToken": browser.cookies["csrftoken"]}
    taken = call(
        "POST", "/api/v1/numbers/hold/", 409, headers=csrf, session=browser, body={"number": numbers[0]["number"]}
    )
    assert taken["error"]["code"] == "number_taken"

    addon = next(offer for offer in offers if offer["kind"] == "addon")
    cart = call("POST", "/api/v1/cart/lines/", 201, body={"offer": addon["id"], "quantity": 1})
    line = next(line for line in cart["lines"] if line["offer"] == addon["id"])
    call("PATCH", "/api/v1/cart/lines/{line_id}/", 200, path_parameters={"line_id": line["id"]}, body={"quantity": 2})
    call("GET", "/api/v1/cart/", 200)
    call("DELETE", "/api/v1/cart/lines/{line_id}/", 200, path_parameters={"line_id": line["id"]})
    call("DELETE", "/api/v1/cart/lines/{line_id}/", 400, path_parameters={"line_id": line["id"]})

    orders = call("GET", "/api/v1/orders/", 200)["results"]
    assert [order["number"] for order in orders] == [subscriber["order"]]
    detail = call("GET", "/api/v1/orders/{number}/", 200, path_parameters={"number": subscriber["order"]})
    assert detail["timeline"] and detail["lines"]
    call("GET", "/api/v1/orders/{number}/", 404, path_parameters={"number": "NOSUCHORDER"})
    call("GET", "/api/v1/orders/", 403, headers=host)  # anonymous
    call("POST", "/api/v1/orders/", 400, body={"expected_total": "1.00"}, headers=signed_in)  # no Idempotency-Key

    me = call("GET", "/api/v1/me/", 200)
    line = subscriber["line"]
    assert [n["number"] for n in me["numbers"]] == [line] and me["numbers"][0]["balance"] == "12.00"
    assert {b["kind"] for b in me["numbers"][0]["buckets"]} == {"data"}
    call("GET", "/api/v1/me/", 403, headers=host)  # anonymous
    assert len(call("GET", "/api/v1/me/numbers/{number}/bills/", 200, path_parameters={"number": line})) <= 6
    call("GET", "/api/v1/me/numbers/{number}/bills/", 404, path_parameters={"number": "18000000001"})
    refused = call(
        "GET",
        "/api/v1/me/numbers/{number}/bills/{period}/records/",
        403,
        path_parameters={"number": line, "period": "2026-11"},
    )
    assert refused["error"]["code"] == "second_check_required"
    call(
        "POST",
        "/api/v1/me/numbers/{number}/plan-change/",
        409,
        path_parameters={"number": line},
        body={"plan": "plan-6", "effective": "now", "accept_terms": False},
    )
    plan = call("GET", "/api/v1/me/numbers/{number}/plan/", 200, path_parameters={"number": line})
    assert plan["plan"] == "畅享 39 元套餐" and {c["plan"] for c in plan["choices"]} >= {"plan-2"}
    assert next(c for c in plan["choices"] if c["plan"] == "plan-2")["allowed"] is False  # its plan now
    call(
        "POST",
        "/api/v1/me/numbers/{number}/services/{code}/cancel/",
        400,
        path_parameters={"number": line, "code": "crbt"},
    )
    stranger = call("POST", "/api/v1/me/numbers/", 400, body={"number": "19999999999"})
    assert stranger["error"]["code"] == "code_not_sent"
    call("POST", "/api/v1/me/numbers/verify/", 400, body={"number": "19999999999", "code": "123456"})
