"""Production hardening (issue 14): simulated money refused in production, admin sign-in
brute force locked out, payment notifications verified before anything is stored, NUL bytes and
deep JSON refused in one place, client addresses behind a proxy, callbacks on the configured
domain, CSRF only off for a real credential, code texts to many numbers limited, a SIM line's
number replaced atomically, and the CSP."""

import json
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from catalog.models import Offer
from core.ratelimit import client_ip
from demo.simulators import seed_bss
from numberpool import holds
from numberpool.models import MobileNumber
from orders.cart import services as carts
from orders.models import Cart, Order, PaymentNotification, Ticket
from orders.payments import services as payments
from subscribers.models import NumberAuthCode
from tenants import ports
from tenants.gateways import SimulatorRefused
from tenants.simulators.models import SimPayment, SimSms
from tests.support.clients import (
    PROJECT,
    STAFF_PASSWORD,
    host_client,
    sign_in,
    subprocess_env,
)
from tests.support.orders import PASSWORD, free_number, place_sim_order, subscriber

NOTIFY = "/api/payments/notify/simulator/"
PRODUCTION_ENV = {
    "HALL_ENV": "production",
    "HALL_ALLOWED_HOSTS": "shop.example",
    "HALL_SECRET_KEY": "k7#Vq2!mZ9pL4sX8wR1tY6uN3bC5dF0gH-jK_aE%iOe4Wr7Ty1Ui9Op3As6Df",
    "HALL_REALNAME_KEYS": "k1:" + "A" * 43 + "=",
    "HALL_REALNAME_HASH_KEY": "B" * 43 + "=",
}


def _production(**extra) -> dict:
    # Not the test process's own switches (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {k: v for k, v in subprocess_env().items() if k not in {"HALL_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return {**env, **PRODUCTION_ENV, **extra}


def _run(args: list[str], env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout
    )


# -- 1. simulated money in production ---------------------------------------------------------
def test_check_deploy_names_every_carrier_on_a_simulator_and_refuses(carrier_a):
    result = _run(["manage.py", "check", "--deploy"], _production())
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "hall.E001" in out and "'alpha' uses the simulated payment gateway" in out
    assert "'beta' uses the simulated realname gateway" in out


def test_every_production_process_refuses_to_start_on_a_simulator(carrier_a):
    web = _run(["-c", "import hall.wsgi"], _production())
    assert web.returncode != 0 and "refuses to start in production" in web.stderr and "'alpha'" in web.stderr
    worker = _run(
        ["-m", "celery", "-A", "hall", "worker", "--pool", "solo", "-l", "warning"], _production(), timeout=90
    )
    assert worker.returncode != 0 and "refuses to start in production" in worker.stdout + worker.stderr
    allowed = _run(["-c", "import hall.wsgi"], _production(HALL_ALLOW_SIMULATORS="1"))
    assert allowed.returncode == 0, allowed.stderr


def test_check_deploy_passes_with_only_warnings_the_readme_explains(carrier_a):
    result = _run(["manage.py", "check", "--deploy"], _production(HALL_ALLOW_SIMULATORS="1", HALL_BEHIND_TLS_PROXY="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (PROJECT / "README.md").read_text()
    ids = set(re.findall(r"\b((?:hall|security|axes)\.[EW]\d{3})\b", result.stdout + result.stderr))
    assert ids and all(i in readme for i in ids), (ids, result.stdout + result.stderr)


def test_in_production_the_simulator_is_refused_unless_the_carrier_opts_in(in_carrier_a, settings):
    order, _number = place_sim_order()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": order.user.username, "password": PASSWORD})
    settings.PRODUCTION = True
    settings.HALL_ALLOW_SIMULATORS = False
    connection.set_tenant(in_carrier_a)
    with pytest.raises(SimulatorRefused):
        ports.payment()
    assert client.get("/sim/pay/anything/").status_code == 404  # the cashier is not there
    in_carrier_a.gateways = {**in_carrier_a.gateways, "payment": {"allow_in_production": True}}
    in_carrier_a.save(update_fields=["gateways"])
    assert ports.payment(carrier=in_carrier_a).name == "simulator"
    assert client.get("/sim/pay/anything/").status_code == 404  # routed now: an unknown token


def test_staff_and_platform_admin_show_a_red_simulated_badge(client_a, carrier_a):
    get_user_model().objects.create_superuser("ops-badge", password="Ops-pass-2026-x")  # public schema
    assert "hall-badge-simulated" not in client_a.get("/admin/login/").content.decode()  # not to strangers
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    page = client_a.get("/admin/").content.decode()
    assert 'class="hall-badge-simulated"' in page and "支付" in page  # the systems by their names
    platform = host_client("localhost")
    assert sign_in(platform, "ops-badge", "Ops-pass-2026-x")
    listing = platform.get("/admin/tenants/carrier/").content.decode()
    assert listing.count('class="hall-badge-simulated"') >= 2


# -- 3. brute force on the admin sign-in --------------------------------------------------------
def _wrong(client, username, times, **extra):
    return [
        client.post(
            "/admin/login/", {"username": username, "password": "wrong-password", "next": "/admin/"}, **extra
        ).status_code
        for _ in range(times)
    ]


def test_staff_admin_locks_an_account_after_five_failures_then_unlocks(client_a, settings):
    assert _wrong(client_a, "admin", 5) == [200] * 4 + [429]  # the fifth failure locks
    locked = client_a.post("/admin/login/", {"username": "admin", "password": STAFF_PASSWORD, "next": "/admin/"})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    other_address = host_client("alpha.localhost")  # the account is locked, wherever from
    assert (
        other_address.post(
            "/admin/login/", {"username": "admin", "password": STAFF_PASSWORD}, REMOTE_ADDR="10.9.9.9"
        ).status_code
        == 429
    )
    assert sign_in(host_client("beta.localhost"), "admin", STAFF_PASSWORD)  # beta's admin is another account
    english = host_client("alpha.localhost")
    english.cookies["django_language"] = "en"
    assert (
        "Too many failed sign-in attempts"
        in english.post("/admin/login/", {"username": "admin", "password": "x"}).content.decode()
    )
    with schema_context("c_alpha"):  # the lockout time passes
        lockout = timedelta(minutes=settings.HALL_ADMIN_LOCKOUT_MINUTES, seconds=1)
        AccessAttempt.objects.update(attempt_time=timezone.now() - lockout)
    assert sign_in(host_client("alpha.localhost"), "admin", STAFF_PASSWORD)


def test_one_address_trying_many_accounts_is_locked(client_a):
    statuses = [
        client_a.post("/admin/login/", {"username": f"guess{i}", "password": "x"}).status_code for i in range(6)
    ]
    assert statuses == [200] * 4 + [429] * 2


def test_platform_admin_locks_too_and_operators_see_carrier_lockouts(db):
    platform = host_client("localhost")
    get_user_model().objects.create_superuser("ops-lock", password="Ops-pass-2026-x")
    get_user_model().objects.create_superuser("ops-view", password="Ops-pass-2026-y")
    assert _wrong(platform, "ops-lock", 5) == [200] * 4 + [429]
    assert platform.post("/admin/login/", {"username": "ops-lock", "password": "Ops-pass-2026-x"}).status_code == 429
    _wrong(host_client("alpha.localhost"), "admin", 5, REMOTE_ADDR="10.1.1.1")
    viewer = host_client("localhost")
    assert (
        viewer.post(
            "/admin/login/",
            {"username": "ops-view", "password": "Ops-pass-2026-y", "next": "/admin/"},
            REMOTE_ADDR="10.2.2.2",
        ).status_code
        == 302
    )
    listing = viewer.get("/admin/tenants/carrier/", REMOTE_ADDR="10.2.2.2").content.decode()
    assert "<strong>admin, 10.1.1.1</strong>" in listing  # the account and the address
    assert "ops-lock" in viewer.get("/admin/axes/accessattempt/", REMOTE_ADDR="10.2.2.2").content.decode()


def test_the_shop_sign_in_keeps_its_own_limit_and_is_not_recorded_by_axes(client_a, carrier_a):
    for _ in range(3):
        client_a.post("/me/login/", {"username": "13900000000", "password": "nope"})
    with schema_context("c_alpha"):
        assert not AccessAttempt.objects.exists()


def test_staff_cannot_sign_in_through_the_shop_a_side_door_past_the_lockout(client_a):
    refused = client_a.post("/me/login/", {"username": "admin", "password": STAFF_PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in client_a.session


def test_a_real_adapter_carrier_does_not_answer_on_the_simulators_notify_url(in_carrier_a, settings):
    settings.PRODUCTION = True
    settings.HALL_ALLOW_SIMULATORS = False
    response = host_client("alpha.localhost").post(NOTIFY, {"notify_id": "x", "sign": "y"})
    assert response.status_code == 404


# -- 4. payment notifications ---------------------------------------------------------------------
def test_an_unsigned_notification_stores_nothing_and_a_big_one_is_413(in_carrier_a):
    client = host_client("alpha.localhost")
    big = client.post(NOTIFY, {"notify_id": "junk", "x": "a" * (2 * 1024 * 1024)})
    assert big.status_code == 413
    before = payments.unverified_count("simulator"), PaymentNotification.objects.count()
    small = client.post(NOTIFY, {"notify_id": "junk", "out_trade_no": "alpha-X", "sign": "forged"})
    assert small.status_code == 400 and small.content.startswith(b"fail")
    connection.set_tenant(in_carrier_a)
    assert PaymentNotification.objects.count() == before[1]
    assert payments.unverified_count("simulator") == before[0] + 1


# -- 5. NUL bytes and deep JSON -------------------------------------------------------------------
@pytest.fixture
def shopper(in_carrier_a):
    user = subscriber()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": user.username, "password": PASSWORD})
    client.get("/cart/")
    return user, client


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/orders/%00/", None),
        ("get", "/api/v1/orders/%00/", None),
        ("get", "/catalogue/?q=a%00b", None),
        ("post", "/tickets/new/", "kind=complaint&description=bad%00input"),
        ("post", "/broadband/renew/", "action=lookup&query=BB%00"),
        ("post", "/checkout/", "token=ab%00cd"),
    ],
)
def test_a_nul_byte_anywhere_is_a_clear_400_and_writes_nothing(shopper, method, path, data):
    _user, client = shopper
    tickets, orders = Ticket.objects.count(), Order.objects.count()
    if method == "get":
        response = client.get(path)
    else:
        response = client.generic(
            "POST",
            path,
            data,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value if "csrftoken" in client.cookies else "",
        )
    assert response.status_code == 400
    text = response.json()["error"]["message"] if path.startswith("/api/") else response.content.decode()
    assert "空字节" in text
    assert (Ticket.objects.count(), Order.objects.count()) == (tickets, orders)


def test_nul_in_the_anonymous_payment_callback_and_in_json_is_400(in_carrier_a):
    client = host_client("alpha.localhost")
    response = client.generic(
        "POST", NOTIFY, "notify_id=a%00b&out_trade_no=q%00&sign=a", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    api = host_client("alpha.localhost")
    token = Token.objects.create(user=subscriber())
    body = json.dumps({"offer": 1, "quantity": 1, "note": "a\x00b"})
    refused = api.post(
        "/api/v1/cart/lines/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_input"


def test_deeply_nested_json_is_a_clear_400_not_a_recursion_error(in_carrier_a):
    api = host_client("alpha.localhost")
    token = Token.objects.create(user=subscriber())
    response = api.post(
        "/api/v1/cart/lines/",
        "[" * 5000 + "]" * 5000,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_input" and "嵌套" in response.json()["error"]["message"]
    fine = api.post(
        "/api/v1/cart/lines/",
        json.dumps({"offer": 0, "x": [[["[{"]]]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert fine.status_code != 500 and fine.json()["error"]["code"] != "bad_input"


def test_other_charsets_cannot_smuggle_nul_or_depth_and_escapes_cost_nothing(in_carrier_a):
    api = host_client("alpha.localhost")
    token = Token.objects.create(user=subscriber())
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    smuggled = api.post("/api/v1/cart/lines/", "+AFs-" * 5000, content_type="application/json; charset=utf-7", **auth)
    assert smuggled.status_code == 400 and "UTF-8" in smuggled.json()["error"]["message"]
    query = api.get("/catalogue/?q=%2BAAA-", CONTENT_TYPE="text/plain; charset=utf-7")
    assert query.status_code == 400
    # An unclosed string of escaped quotes: one linear pass, not a backtracking regex.
    endless = api.post("/api/v1/cart/lines/", '"' + '\\"' * 60000, content_type="application/json", **auth)
    assert endless.status_code == 400 and endless.json()["error"]["code"] != "bad_input"
    huge = api.post("/api/v1/cart/lines/", '{"x": "' + "a" * 300_000 + '"}', content_type="application/json", **auth)
    assert huge.status_code == 413


# -- 8. client address behind trusted proxies -----------------------------------------------------
@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1"),  # no proxy configured: the header is not believed
        (1, "6.6.6.6, 2.2.2.2", "2.2.2.2"),  # a spoofed entry left of what our proxy saw
        (1, "", "10.0.0.1"),  # reached us without passing the proxy
        (2, "9.9.9.9, 3.3.3.3, 172.16.0.2", "3.3.3.3"),  # two proxies
        (2, "3.3.3.3", "10.0.0.1"),  # skipped a proxy: not believed
        (1, "not-an-address", "10.0.0.1"),  # junk is never an address
    ],
)
def test_client_address_comes_from_the_trusted_proxies_only(settings, hops, forwarded, expected):
    settings.HALL_TRUSTED_PROXIES = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.fixture
def one_window(monkeypatch):
    """Fixed-window limits: keep every request of a test inside one window."""
    monkeypatch.setattr("core.ratelimit.now", lambda: 1_800_000_000.0)


def test_behind_a_proxy_one_client_cannot_lock_out_another(client_a, settings, one_window):
    settings.HALL_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "172.16.0.2"}
    for _ in range(11):
        client_a.post(
            "/me/login/", {"username": "13900000000", "password": "nope"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
        )
    assert (
        client_a.post(
            "/me/login/", {"username": "13900000000", "password": "nope"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
        ).status_code
        == 429
    )
    someone_else = host_client("alpha.localhost")
    assert (
        someone_else.post(
            "/me/login/", {"username": "13900000000", "password": "nope"}, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy
        ).status_code
        == 200
    )


# -- 9. smaller ones --------------------------------------------------------------------------------
def test_gateway_urls_come_from_the_carriers_domain_not_the_host_header(shopper, settings):
    settings.HALL_PUBLIC_PORT = "8443"
    settings.HALL_PUBLIC_SCHEME = "https"
    user, client = shopper
    order, _number = place_sim_order(user)
    response = client.post(f"/orders/{order.number}/pay/", HTTP_HOST="alpha.localhost:6666")
    assert response.status_code == 302
    sim = SimPayment.objects.get(out_trade_no__contains=order.number)
    assert sim.notify_url == "https://alpha.localhost:8443/api/payments/notify/simulator/"
    assert sim.return_url == f"https://alpha.localhost:8443/orders/{order.number}/return/"


def test_only_a_valid_credential_turns_csrf_off(in_carrier_a):
    offer = Offer.objects.filter(kind="plan").first()
    anonymous = Client(HTTP_HOST="alpha.localhost", enforce_csrf_checks=True)
    anonymous.get("/api/v1/cart/")
    body = json.dumps({"offer": offer.pk, "quantity": 1})
    for header in ("Bearer x", "Token not-a-real-key", ""):
        refused = anonymous.post(
            "/api/v1/cart/lines/",
            body,
            content_type="application/json",
            **({"HTTP_AUTHORIZATION": header} if header else {}),
        )
        assert refused.status_code in (401, 403), header
    token = Token.objects.create(user=subscriber())
    accepted = host_client("alpha.localhost").post(
        "/api/v1/cart/lines/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert accepted.status_code == 201


def test_one_caller_can_have_codes_texted_to_three_numbers_an_hour(shopper, one_window):
    in_carrier = connection.tenant
    in_carrier.gateways = {"bss": {"latency_ms": [0, 0]}, "sms": {"latency_ms": [0, 0]}}
    in_carrier.save(update_fields=["gateways"])
    seed_bss("18000000001", "180", "广州")
    NumberAuthCode.objects.all().delete()
    _user, client = shopper
    texts = SimSms.objects.count()
    pages = [
        client.post("/broadband/renew/", {"action": "lookup", "query": account}).content.decode()
        for account in ("BB1800001", "BB1800002", "BB1800004", "BB1800005")
    ]
    assert SimSms.objects.count() == texts + 3
    assert "不同号码太多" in pages[3]
    again = host_client("alpha.localhost")  # a new session from the same address is the same caller
    again.post("/me/login/", {"username": subscriber().username, "password": PASSWORD})
    assert (
        "不同号码太多" in again.post("/broadband/renew/", {"action": "lookup", "query": "BB1800006"}).content.decode()
    )


def test_choosing_another_number_replaces_the_sim_lines_number_atomically(in_carrier_a, settings):
    """One hold per visitor (the default): holding B keeps A while the cart line names A; adding
    the SIM with B swaps the line's number and lets A go, in one transaction."""
    user = subscriber()
    cart, _ = Cart.objects.get_or_create(user=user)
    sim = Offer.objects.get(slug="sim-1")
    first, second = free_number(), free_number()
    owner = carts.hold_owner(cart)
    holds.hold(first, owner, max_holds=1, protected=carts.chosen_numbers(cart))
    carts.add_to_cart(cart, sim.pk, number=first)
    holds.hold(second, owner, max_holds=1, protected=carts.chosen_numbers(cart))
    assert holds.current_hold(first, owner) is not None  # the line still has its number
    line = carts.add_to_cart(cart, sim.pk, number=second)
    assert cart.lines.count() == 1 and line.quantity == 1 and line.details["number"] == second
    assert MobileNumber.objects.get(number=first).status == "available"
    assert not any(priced.problem for priced in carts.summarise(cart).lines)  # checkout can go on
    third = free_number()
    holds.hold(third, owner, max_holds=1, protected=carts.chosen_numbers(cart))  # not added: B stays
    assert holds.current_hold(second, owner) is not None


def test_csp_forbids_base_and_foreign_form_targets(client_a):
    policy = client_a.get("/")["Content-Security-Policy"]
    assert "base-uri 'none'" in policy and "form-action 'self'" in policy


def test_set_gateway_opts_a_simulator_in_and_out_while_production_is_refused(carrier_b):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command(
        "set_gateway",
        "--carrier",
        "beta",
        "--system",
        "payment",
        "--allow-in-production",
        "--option",
        "latency_ms=[0, 5]",
    )
    carrier_b.refresh_from_db()
    assert carrier_b.gateways["payment"] == {"allow_in_production": True, "latency_ms": [0, 5]}
    call_command("set_gateway", "--carrier", "beta", "--system", "payment", "--refuse-in-production")
    carrier_b.refresh_from_db()
    assert "allow_in_production" not in carrier_b.gateways["payment"]
    with pytest.raises(CommandError, match="No payment adapter named “alipay”"):
        call_command("set_gateway", "--carrier", "beta", "--system", "payment", "--adapter", "alipay", "--lang", "en")
