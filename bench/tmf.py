"""TMF622 order creation against the shop's own API: a real gunicorn (hall/gunicorn.py: 3 sync
workers, as docker-compose runs it) and BENCH_CLIENTS concurrent clients, each with an account of
its own, placing the same phone (¥199, one version, an address) for BENCH_SECONDS per side,
interleaved in BENCH_ROUNDS rounds in one run (the machine's other load falls on both alike).

- TMF622: one `POST /tmf-api/productOrderingManagement/v4/productOrder` with a partner's bearer
  token (a device order item: productOffering, the variant and the address as characteristics).
- shop: `POST /api/v1/cart/lines/` then `POST /api/v1/orders/` with an Idempotency-Key, with a
  subscriber's DRF token (`Authorization: Token …`): one order = add to cart + place.

Prints orders/s of each (medians of the rounds), the ratio TMF622 / shop (target ≥ 0.8) and the
p50 latency of one order, and checks afterwards that every order counted is in the database.
Both sides run on tests.support.api_schema_settings (the API's per-user request limits raised:
one client places far more orders a minute than a person would); the partner tokens' own limit
is raised to match.

Run with `./hallctl bench bench/tmf.py` (throwaway PostgreSQL and Redis). BENCH_CLIENTS (8),
BENCH_SECONDS (4), BENCH_ROUNDS (6) tune it; BENCH_LOG names a file for gunicorn's log."""

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

from _common import fresh_carrier, setup_django

setup_django()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from integrations import tokens  # noqa: E402
from orders.models import Order  # noqa: E402
from tests.support.promotions import device_offer  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))
SLUG = "benchtmf"
HOST = f"{SLUG}.localhost"
TMF_ORDER = "/tmf-api/productOrderingManagement/v4/productOrder"
PRICE = Decimal("199")
ADDRESS = {
    "recipient": "张三",
    "contact_phone": "13800138000",
    "province": "广东省",
    "city": "广州市",
    "district": "天河区",
    "address_detail": "天河路 100 号 5 楼",
}
TMF_NAMES = {"contact_phone": "contactPhone", "address_detail": "addressDetail"}  # the rest are the same
BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent


def prepare():
    """The carrier, the phone, a partner account + bearer token and a subscriber account + DRF
    token per client (bulk: no password hashing; no one signs in with a password)."""
    carrier = fresh_carrier(SLUG)
    with tenant_context(carrier):
        offer, variant = device_offer(PRICE, stock=10_000_000)
        users = get_user_model().objects.bulk_create(
            [get_user_model()(username=f"{side}{k}-{uuid.uuid4().hex[:6]}") for side in "ps" for k in range(CLIENTS)]
        )
        partners, shoppers = users[:CLIENTS], users[CLIENTS:]
        bearers = [
            tokens.issue(u, f"bench {k}", ["order:read", "order:write"], rate_per_minute=10**6)[1]
            for k, u in enumerate(partners)
        ]
        drf = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in shoppers])
    connection.set_schema_to_public()
    return carrier, offer.pk, variant.pk, partners, shoppers, bearers, [t.key for t in drf]


def start_gunicorn(port: int, probe_secret: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.support.api_schema_settings",
        HALL_WEB_BIND=f"127.0.0.1:{port}",
        HALL_PUBLIC_PORT=str(port),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:hall.gunicorn", "hall.wsgi"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_LOG", os.devnull), "w"),  # noqa: SIM115
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{TMF_ORDER}?limit=1",
                headers={"Host": f"{HOST}:{port}", "Authorization": f"Bearer {probe_secret}"},
            )
            if urllib.request.urlopen(request, timeout=5).status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not answer (BENCH_LOG=file shows its log)")


class Client:
    """One client: one keep-alive connection, one account."""

    def __init__(self, port: int, authorization: str):
        self.port = port
        self.headers = {
            "Host": f"{HOST}:{port}",
            "Authorization": authorization,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, body: dict, expected: int = 201, **headers: str) -> dict:
        payload = json.dumps(body, ensure_ascii=False).encode()
        for attempt in (1, 2):  # gunicorn closes a keep-alive connection now and then (max_requests)
            try:
                self.connection.request("POST", path, payload, {**self.headers, **headers})
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                if attempt == 2:
                    raise
        if response.status != expected:
            raise SystemExit(f"POST {path}: {response.status} {data[:800].decode(errors='replace')}")
        return json.loads(data)


def tmf_order(offer: int, variant: int):
    chars = [{"name": TMF_NAMES.get(k, k), "value": v} for k, v in ADDRESS.items()]
    chars.append({"name": "variant", "value": str(variant)})
    body = {
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "productOffering": {"id": str(offer)},
                "product": {"productCharacteristic": chars},
            }
        ],
        "relatedParty": [{"id": "bench", "@referredType": "Individual"}],
    }

    def place(client: Client) -> None:
        order = client.post(TMF_ORDER, body)
        assert order["state"] == "acknowledged", order

    return place


def shop_order(offer: int, variant: int):
    line = {"offer": offer, "quantity": 1, "variant": variant}
    details = {"expected_total": f"{PRICE:.2f}", **ADDRESS}

    def place(client: Client) -> None:
        cart = client.post("/api/v1/cart/lines/", line)
        assert cart["total"] == f"{PRICE:.2f}", cart  # one phone: each order starts from an empty cart
        order = client.post("/api/v1/orders/", details, **{"Idempotency-Key": uuid.uuid4().hex})
        assert order["status"] == "awaiting_payment", order

    return place


def crowd(clients: list[Client], place, seconds: float) -> tuple[float, float, int, float]:
    """Every client places orders one after another until the time is up; returns (orders per
    second over the whole run, p50 seconds per order, orders placed, seconds taken)."""
    latencies: list[list[float]] = [[] for _ in clients]
    barrier = threading.Barrier(len(clients) + 1)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        barrier.wait()
        deadline = time.perf_counter() + seconds
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                place(clients[k])
                latencies[k].append(time.perf_counter() - started)
        except BaseException as exc:  # noqa: BLE001 — reported below, after the others stop
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(clients))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"a client failed: {errors[0]!r}")
    done = sum(len(x) for x in latencies)
    return done / elapsed, statistics.median(v for x in latencies for v in x), done, elapsed


def main() -> None:
    carrier, offer, variant, partners, shoppers, bearers, drf = prepare()
    port = 18800 + os.getpid() % 1000
    proc = start_gunicorn(port, bearers[0])
    try:
        tmf_clients = [Client(port, f"Bearer {s}") for s in bearers]
        shop_clients = [Client(port, f"Token {k}") for k in drf]
        sides = {
            "TMF622 productOrder": (tmf_clients, tmf_order(offer, variant)),
            "shop API": (shop_clients, shop_order(offer, variant)),
        }
        for clients, place in sides.values():  # warm every worker and connection
            crowd(clients, place, 1.0)
        runs: dict[str, list[tuple[float, float, int, float]]] = {name: [] for name in sides}
        load = os.getloadavg()[0]
        for round_no in range(ROUNDS):  # each side first in every other round
            for name in list(sides)[:: 1 if round_no % 2 == 0 else -1]:
                clients, place = sides[name]
                runs[name].append(crowd(clients, place, SECONDS))
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # quick shutdown: no graceful wait
        proc.wait(timeout=30)
    with tenant_context(carrier):  # every order counted is there (warm-up ones too)
        tmf_placed = Order.objects.filter(user__in=partners).count()
        shop_placed = Order.objects.filter(user__in=shoppers).count()
    tmf_rounds, shop_rounds = runs["TMF622 productOrder"], runs["shop API"]
    assert tmf_placed >= sum(r[2] for r in tmf_rounds) and shop_placed >= sum(r[2] for r in shop_rounds)
    workers = os.environ.get("HALL_WEB_WORKERS", "3")
    print(
        f"gunicorn {workers} sync workers, {CLIENTS} concurrent clients (an account each), {ROUNDS} interleaved"
        f" rounds × {SECONDS:g} s per side, load1 {load:.1f}; one device order each (¥199 phone, an address)"
    )
    print(f"| {'orders placed by':<52} | orders/s | ratio | p50 ms/order | orders |")
    ratios = [t[0] / s[0] for t, s in zip(tmf_rounds, shop_rounds, strict=True)]
    for name, label, rounds in (
        ("shop API", "shop API (POST cart/lines/ + POST orders/, Token)", shop_rounds),
        ("TMF622 productOrder", "TMF622 (POST productOrder, Bearer)", tmf_rounds),
    ):
        rate = statistics.median(r[0] for r in rounds)
        ratio = 1.0 if name == "shop API" else statistics.median(ratios)
        p50 = statistics.median(r[1] for r in rounds) * 1000
        print(f"| {label:<52} | {rate:8.1f} | {ratio:5.2f} | {p50:12.1f} | {sum(r[2] for r in rounds):6d} |")
    shown = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"TMF622 / shop: {statistics.median(ratios):.2f} (median of the rounds' ratios: {shown}; target ≥ 0.8)")
    overall = [sum(r[2] for r in rounds) / sum(r[3] for r in rounds) for rounds in (tmf_rounds, shop_rounds)]
    tmf_all, shop_all = overall
    print(f"all rounds together: TMF622 {tmf_all:.1f}, shop {shop_all:.1f} orders/s, ratio {tmf_all / shop_all:.2f}")
    print(f"orders in the database: TMF622 {tmf_placed}, shop {shop_placed} (warm-up included)")


if __name__ == "__main__":
    main()
