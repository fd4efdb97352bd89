"""Storefront under load: a real gunicorn (hall/gunicorn.py: 3 sync workers, as docker-compose
runs it) and wrk at 32 connections, each page against a bare Django view rendering a 20-row ORM
list served by the same gunicorn, pages interleaved in rounds in one run (the machine's other load
moves every page alike). Prints req/s, the ratio to the baseline and p50/p99 per page (medians of
the rounds), then the RSS of the gunicorn workers after warm-up and after the load, and after
visiting the homes of BENCH_CARRIERS more carriers (the caches are bounded: it must stay flat).

Every visitor is a first-time anonymous one (no cookies): a new CSRF cookie and analytics
visitor each request, the worst case for a cache.

Run with `./hallctl bench bench/storefront.py`. BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_CONNS
(32), BENCH_CARRIERS (20) tune it; wrk comes from `apt-get install wrk`."""

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import children_rss, fresh_carrier, setup_django

setup_django()

from decoration import decorate_shop  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from catalog.models import City, Offer  # noqa: E402
from demo.numbers import ensure_tier_rules  # noqa: E402
from numberpool.importing import ImportReport, generated_rows, import_rows  # noqa: E402
from numberpool.models import NumberSegment  # noqa: E402
from tenants.models import Carrier  # noqa: E402
from tenants.services import CarrierSpec, create_carrier  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNS = int(os.environ.get("BENCH_CONNS", "32"))
CARRIERS = int(os.environ.get("BENCH_CARRIERS", "20"))
HOST = "benchshop.localhost"
BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent


def prepare() -> dict[str, str]:
    carrier = fresh_carrier("benchshop")
    with schema_context(carrier.schema_name):
        decorate_shop()
        NumberSegment.objects.create(prefix="177")
        City.objects.get_or_create(code="guangzhou", defaults={"name": "广州", "province": "广东"})
        ensure_tier_rules()
        import_rows(generated_rows(20000, "177", seed=1), "guangzhou", ImportReport())
        phone = Offer.objects.on_sale().filter(kind="phone").order_by("pk").first()
        category = phone.category.slug
    connection.set_schema_to_public()
    return {
        "bare": "/bench-list/",
        "home": "/",
        "listing": f"/catalogue/{category}/",
        "offer": f"/offers/{phone.slug}/",
        "numbers": "/numbers/",
    }


def start_gunicorn(port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="_storefront_settings",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(PROJECT)]),
        HALL_WEB_BIND=f"127.0.0.1:{port}",
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
            request = urllib.request.Request(f"http://127.0.0.1:{port}/bench-list/", headers={"Host": HOST})
            if urllib.request.urlopen(request, timeout=5).status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("gunicorn did not answer: " + proc.stderr.read().decode()[-2000:])


def wrk(port: int, path: str, seconds: int, host: str = HOST) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNS}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Host: {host}",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{path}: errors under load\n{out}")

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"), "p99": ms("99%")}


def more_carriers(count: int) -> list[str]:
    hosts = []
    for i in range(count):
        slug = f"benchmany{i}"
        if not Carrier.objects.filter(slug=slug).exists():
            create_carrier(CarrierSpec(slug=slug, name=f"基准{i}", admin_password="Bench-pass-2026"))
        hosts.append(f"{slug}.localhost")
    connection.set_schema_to_public()
    return hosts


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    pages = prepare()
    port = 18800 + os.getpid() % 1000
    proc = start_gunicorn(port)
    try:
        for path in pages.values():  # warm every worker's copies and the shared cache
            wrk(port, path, 1)
        warm_rss = children_rss(proc.pid)
        runs: dict[str, list[dict]] = {name: [] for name in pages}
        load = os.getloadavg()[0]
        for _ in range(ROUNDS):
            for name, path in pages.items():
                runs[name].append(wrk(port, path, SECONDS))
        loaded_rss = children_rss(proc.pid)
        print(f"gunicorn 3 sync workers, wrk {CONNS} connections, {ROUNDS} rounds × {SECONDS} s, load1 {load:.1f}")
        print(f"{'page':<10} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7}   (medians of the rounds)")
        bare_rounds = [r["rps"] for r in runs["bare"]]
        for name, rounds in runs.items():
            rps = statistics.median(r["rps"] for r in rounds)
            ratio = statistics.median(r["rps"] / b for r, b in zip(rounds, bare_rounds, strict=True))
            p50 = statistics.median(r["p50"] for r in rounds)
            p99 = statistics.median(r["p99"] for r in rounds)
            print(f"{name:<10} {rps:8.0f} {ratio:6.2f} {p50:7.1f} {p99:7.1f}   {pages[name]}")
        hosts = more_carriers(CARRIERS)
        for host in hosts:
            wrk(port, "/", 1, host=host)
            wrk(port, "/catalogue/", 1, host=host)
        many_rss = children_rss(proc.pid)
        fmt = ", ".join
        print(f"gunicorn worker RSS MB after warm-up: {fmt(f'{r:.0f}' for r in warm_rss)}")
        print(f"                       after load:    {fmt(f'{r:.0f}' for r in loaded_rss)}")
        print(f"      after {CARRIERS} more carriers' pages: {fmt(f'{r:.0f}' for r in many_rss)}")
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # quick shutdown: no graceful wait
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
