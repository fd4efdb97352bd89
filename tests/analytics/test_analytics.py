"""Analytics: bounce, exit and the funnel of every way of buying on a hand-made log with known answers
(placed, paid and done from real orders), idempotent daily aggregation, top pages current before the
aggregation, capture through the Redis buffer (honouring Do-Not-Track, skipping staff and bots,
surviving a Redis outage), and no personal data in the tables."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics import capture
from analytics import sessions as defs
from analytics.aggregate import aggregate_day
from analytics.models import AggregatedThrough, AnalyticsEvent, FunnelDaily, PageDaily
from tests.support.clients import host_client

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


# visitor a: home → offer → cart (one session); then 45 min later home only (a second session, a bounce)
# visitor b: offer only (bounce on the offer page)
# visitor c: landing → home, 20 min apart (one session), exits on home
LOG = [
    defs.Event("a", at(0), "view", "home"),
    defs.Event("a", at(2), "view", "offer", "plan-1", "plan"),
    defs.Event("a", at(3), "add_to_cart", offer_kind="plan"),
    defs.Event("a", at(4), "view", "cart"),
    defs.Event("a", at(5), "checkout_started", offer_kind="plan"),
    defs.Event("a", at(50), "view", "home"),
    defs.Event("b", at(1), "view", "offer", "plan-1", "plan"),
    defs.Event("c", at(10), "view", "landing", "spring"),
    defs.Event("c", at(30), "view", "home"),
]


def test_sessions_bounce_and_exit_have_known_answers():
    sessions = defs.sessions(LOG)
    assert sorted(len(s.views) for s in sessions) == [1, 1, 2, 3]
    stats = defs.page_stats(sessions)
    home = stats[("home", "")]
    # entries: a's two sessions; bounce: a's second; exits: a's second and c's
    assert (home.views, home.entries, home.bounces, home.exits) == (3, 2, 1, 2)
    offer = stats[("offer", "plan-1")]
    assert (offer.views, offer.entries, offer.bounces, offer.exits) == (2, 1, 1, 1)
    landing = stats[("landing", "spring")]
    assert (landing.entries, landing.bounces, landing.exits) == (1, 0, 0)
    cart = stats[("cart", "")]
    assert (cart.views, cart.exits) == (1, 1)
    # bounce rate of home = 1 / 2; exit rate of home = 2 / 3
    assert home.bounces / home.entries == 0.5 and round(home.exits / home.views, 3) == 0.667


# From the orders (aggregate.order_events): a placed the plan order; b paid one without the steps before.
ORDERS = [
    defs.Event("a", at(6), "order_placed", offer_kind="plan", order_kind="addon"),
    defs.Event("b", at(2), "paid", offer_kind="plan", order_kind="addon"),
]


def test_funnel_counts_steps_in_order_with_conversion():
    counts = defs.funnel(LOG + ORDERS)
    assert counts == {"view_offer": 2, "add_to_cart": 1, "checkout_started": 1, "order_placed": 1, "paid": 0, "done": 0}
    assert defs.funnel(LOG + ORDERS, "offer", "phone")["view_offer"] == 0
    rows = defs.conversion(counts)
    assert rows[1] == ("add_to_cart", 1, 0.5) and rows[0][2] is None


def order(visitor, minutes, name, kind, offer_kind=""):
    return defs.Event(visitor, at(minutes), name, offer_kind=offer_kind, order_kind=kind)


# The ways people buy at a carrier, none of which passes an offer page (walkthrough B20):
# s1 选号 → hold → SIM in cart → checkout → paid → activated; s2 stops after the hold; s3 searches only.
# t1 tops up and is credited; t2 opens top-up and leaves. r1 renews broadband; d1 stops before paying a deposit.
WAYS = [
    defs.Event("s1", at(0), "view", "numbers"),
    defs.Event("s1", at(1), "view", "number_held"),
    defs.Event("s1", at(2), "add_to_cart", offer_kind="sim"),
    defs.Event("s1", at(3), "checkout_started", offer_kind="sim"),
    order("s1", 4, "order_placed", "new_sim", "sim"),
    order("s1", 5, "paid", "new_sim", "sim"),
    order("s1", 9, "done", "new_sim", "sim"),
    defs.Event("s2", at(0), "view", "numbers"),
    defs.Event("s2", at(2), "view", "number_held"),
    defs.Event("s3", at(0), "view", "numbers"),
    defs.Event("t1", at(0), "view", "top_up"),
    order("t1", 1, "order_placed", "top_up"),
    order("t1", 2, "paid", "top_up"),
    order("t1", 3, "done", "top_up"),
    defs.Event("t2", at(0), "view", "top_up"),
    defs.Event("r1", at(0), "view", "broadband"),
    defs.Event("r1", at(1), "view", "broadband_account"),
    order("r1", 2, "order_placed", "broadband_renewal"),
    order("r1", 3, "paid", "broadband_renewal"),
    order("r1", 4, "done", "broadband_renewal"),
    defs.Event("d1", at(0), "view", "deposit"),
    defs.Event("d1", at(1), "view", "deposit_offer"),
    order("d1", 2, "order_placed", "deposit_credit"),
    order("t2", 5, "paid", "new_sim"),  # another way's order never counts in top-up
]


def test_each_way_of_buying_has_its_funnel():
    assert defs.funnel(WAYS, "number") == {
        "numbers": 3,
        "number_held": 2,
        "add_to_cart": 1,
        "checkout_started": 1,
        "paid": 1,
        "done": 1,
    }
    assert defs.funnel(WAYS, "top_up") == {"top_up_page": 2, "order_placed": 1, "paid": 1, "done": 1}
    assert defs.funnel(WAYS, "renewal") == {"renew_page": 1, "account": 1, "order_placed": 1, "paid": 1, "done": 1}
    assert defs.funnel(WAYS, "deposit") == {
        "deposit_offers": 1,
        "deposit_offer": 1,
        "order_placed": 1,
        "paid": 0,
        "done": 0,
    }
    assert defs.funnel(WAYS, "offer")["view_offer"] == 0
    assert [round(r[2], 3) if r[2] else r[2] for r in defs.conversion(defs.funnel(WAYS, "number"), "number")] == [
        None,
        0.667,
        0.5,
        1.0,
        1.0,
        1.0,
    ]


@pytest.fixture(autouse=True)
def _no_committed_analytics(request):
    """Browser tests commit analytics of carrier alpha; these tests count from nothing."""
    if "in_carrier_a" in request.fixturenames or "buffer_clean" in request.fixturenames:
        request.getfixturevalue("in_carrier_a")
        for model in (AnalyticsEvent, PageDaily, FunnelDaily, AggregatedThrough):
            model.objects.all().delete()  # (rolled back after the test)


def _store(events):
    AnalyticsEvent.objects.bulk_create(
        [
            AnalyticsEvent(
                at=e.at,
                visitor=e.visitor,
                name=e.name,
                page_type=e.page_type,
                page_id=e.page_id,
                offer_kind=e.offer_kind,
            )
            for e in events
        ]
    )


def test_daily_aggregation_is_idempotent(in_carrier_a):
    _store(LOG)
    day = timezone.localdate(T0)
    first = aggregate_day(day)
    rows = sorted(PageDaily.objects.filter(day=day).values_list("page_type", "views", "entries", "bounces", "exits"))
    funnel = sorted(FunnelDaily.objects.filter(day=day, offer_kind="").values_list("step", "visitors"))
    assert aggregate_day(day) == first
    assert (
        sorted(PageDaily.objects.filter(day=day).values_list("page_type", "views", "entries", "bounces", "exits"))
        == rows
    )
    assert sorted(FunnelDaily.objects.filter(day=day, offer_kind="").values_list("step", "visitors")) == funnel
    assert ("home", 3, 2, 1, 2) in rows and dict(funnel)["view_offer"] == 2


def _order(user, kind, visitor, **fields):
    from orders.models import Order

    number = f"T{Order.objects.count() + 1:08d}{kind[:3]}"
    return Order.objects.create(
        number=number,
        user=user,
        kind=kind,
        idempotency_key=number,
        visitor_id=visitor,
        payable=Decimal("50.00"),
        **fields,
    )


def test_aggregated_funnels_read_paid_and_done_from_real_orders(in_carrier_a):
    """The number path and top-up, counted on PostgreSQL: placed, paid and activated/credited are the
    orders' own times and timeline, not events a worker may have failed to send."""
    from orders.models import OrderEvent
    from tests.support.orders import subscriber

    user = subscriber("13900000001")
    _store([e for e in WAYS if e.name not in defs.ORDER_EVENTS])
    sim = _order(user, "new_sim", "s1", paid_at=at(5))
    top_up = _order(user, "top_up", "t1", paid_at=at(2))
    unpaid = _order(user, "deposit_credit", "d1")
    _order(user, "top_up", "")  # placed through the API, no visitor: in no funnel
    from orders.models import Order

    Order.objects.filter(pk=sim.pk).update(created_at=at(4))
    Order.objects.filter(pk=top_up.pk).update(created_at=at(1))
    Order.objects.filter(pk=unpaid.pk).update(created_at=at(2))
    OrderEvent.objects.create(order=sim, action="activate")
    OrderEvent.objects.create(order=top_up, action="credit_top_up")
    OrderEvent.objects.filter(order__in=[sim, top_up]).update(at=at(9))
    day = timezone.localdate(T0)
    aggregate_day(day)

    def counts(path):
        return dict(FunnelDaily.objects.filter(day=day, path=path, offer_kind="").values_list("step", "visitors"))

    assert counts("number") == {
        "numbers": 3,
        "number_held": 2,
        "add_to_cart": 1,
        "checkout_started": 1,
        "paid": 1,
        "done": 1,
    }
    assert counts("top_up") == {"top_up_page": 2, "order_placed": 1, "paid": 1, "done": 1}
    assert counts("deposit") == {"deposit_offers": 1, "deposit_offer": 1, "order_placed": 1, "paid": 0, "done": 0}
    assert counts("renewal")["renew_page"] == 1 and counts("renewal")["order_placed"] == 0


def test_top_pages_show_a_view_at_once_without_waiting_for_aggregation(buffer_clean):
    from tests.support.clients import STAFF_PASSWORD, sign_in

    aggregate_day(timezone.localdate())  # the last 15-minute run, before the visit
    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    before = staff.get("/admin/dashboard/").content.decode()
    assert 'data-testid="views-offer-plan-1"' not in before
    visitor = host_client("alpha.localhost")
    visitor.get("/offers/plan-1/")
    visitor.get("/offers/plan-1/")
    page = staff.get("/admin/dashboard/").content.decode()  # no flush by beat, no aggregation in between
    assert 'data-testid="views-offer-plan-1">2<' in page
    from catalog.models import Offer

    assert f"商品: {Offer.objects.get(slug='plan-1').name}</td>" in page  # the offer's name, not its slug
    aggregate_day(timezone.localdate())  # once aggregated, counted once: from PageDaily, none fresh
    assert 'data-testid="views-offer-plan-1">2<' in staff.get("/admin/dashboard/").content.decode()
    assert PageDaily.objects.get(day=timezone.localdate(), page_type="offer", page_id="plan-1").views == 2


@pytest.fixture
def buffer_clean(in_carrier_a):
    capture.buffer().delete(capture.key())
    yield
    capture.buffer().delete(capture.key())


def test_pages_are_captured_through_the_buffer(buffer_clean):
    client = host_client("alpha.localhost")
    response = client.get("/")
    assert response.status_code == 200 and capture.VISITOR_COOKIE in response.cookies
    client.get("/offers/plan-1/", HTTP_REFERER="https://www.example.com/ad")
    client.get("/", HTTP_DNT="1")  # Do-Not-Track: not counted
    host_client("alpha.localhost").get("/", HTTP_USER_AGENT="Googlebot/2.1")  # a bot: not counted
    assert capture.flush() == 2
    views = list(AnalyticsEvent.objects.order_by("at").values("page_type", "page_id", "referrer", "offer_kind"))
    assert views[-2:] == [
        {"page_type": "home", "page_id": "", "referrer": "", "offer_kind": ""},
        {"page_type": "offer", "page_id": "plan-1", "referrer": "www.example.com", "offer_kind": "plan"},
    ]
    assert capture.flush() == 0


def test_a_redis_outage_never_breaks_a_page(buffer_clean, settings, monkeypatch):
    settings.HALL_ANALYTICS_REDIS_URL = "redis://127.0.0.1:9/2"  # nothing listens there
    monkeypatch.setattr(capture, "_client", None)
    client = host_client("alpha.localhost")
    assert client.get("/").status_code == 200 and client.get("/offers/plan-1/").status_code == 200
    monkeypatch.setattr(capture, "_client", None)


def test_no_personal_data_in_analytics(buffer_clean):
    from tests.support.orders import PASSWORD, sim_cart, subscriber

    user = subscriber("13912345678")
    sim_cart(user)
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"username": user.username, "password": PASSWORD})
    client.get("/checkout/")
    client.get("/cart/")
    assert capture.flush() >= 2
    text = " ".join(str(v) for row in AnalyticsEvent.objects.values_list() for v in row)
    assert "13912345678" not in text and "127.0.0.1" not in text and user.username not in text
    names = {f.name for f in AnalyticsEvent._meta.fields}
    assert not names & {"ip", "user", "user_agent", "phone", "email"}


def test_staff_dashboard_shows_figures_and_exports_csv(in_carrier_a):
    from tests.support.clients import STAFF_PASSWORD, sign_in

    _store(LOG)
    aggregate_day(timezone.localdate(T0))
    PageDaily.objects.filter(day=timezone.localdate(T0)).update(day=timezone.localdate())  # as if today
    FunnelDaily.objects.filter(day=timezone.localdate(T0)).update(day=timezone.localdate())
    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    assert 'data-testid="dashboard-link"' in staff.get("/admin/").content.decode()
    page = staff.get("/admin/dashboard/").content.decode()
    assert 'data-testid="views-home-"' in page and 'id="dashboard-data"' in page and 'class="bars"' not in page
    assert 'data-testid="funnel-offer-add_to_cart"' in page and 'data-testid="funnel-number-number_held"' in page
    assert "vendor/echarts/echarts.min.js" in page and "hall/dashboard.js" in page
    csv_text = staff.get("/admin/dashboard/?days=30&format=csv").content.decode("utf-8-sig")
    assert "home:,3,0.500,0.667" in csv_text
    assert host_client("alpha.localhost").get("/admin/dashboard/").status_code == 302  # staff only


def test_platform_operators_see_carrier_health_and_can_disable_one(db):
    from django.contrib.auth import get_user_model

    from tenants.models import Carrier
    from tests.support.clients import sign_in

    get_user_model().objects.create_superuser("ops", password="Ops-pass-2026")
    client = host_client("localhost")
    assert sign_in(client, "ops", "Ops-pass-2026")
    listing = client.get("/admin/tenants/carrier/").content.decode()
    assert "column-orders_today" in listing and "column-failed_steps" in listing and "column-queue_lag" in listing
    beta = Carrier.objects.get(slug="beta")
    client.post("/admin/tenants/carrier/", {"action": "disable", "_selected_action": [beta.pk]})
    assert Carrier.objects.get(slug="beta").status == "suspended"
    assert host_client("beta.localhost").get("/").status_code == 404  # answers like an unknown host
    client.post("/admin/tenants/carrier/", {"action": "enable", "_selected_action": [beta.pk]})
    assert Carrier.objects.get(slug="beta").status == "active"


def test_ops_commands(in_carrier_a, buffer_clean):
    from io import StringIO

    from django.core.management import call_command

    _store(LOG)
    out = StringIO()
    call_command(
        "rebuild_analytics",
        "--from",
        "2026-11-19",
        "--to",
        "2026-11-21",
        "--carrier",
        "alpha",
        "--lang",
        "en",
        stdout=out,
        verbosity=0,
    )
    assert re.search(r"^alpha +3 +9$", out.getvalue(), re.M), out.getvalue()  # carrier, days rebuilt, events
    again = StringIO()
    call_command(
        "rebuild_analytics",
        "--from",
        "2026-11-19",
        "--to",
        "2026-11-21",
        "--carrier",
        "alpha",
        "--lang",
        "en",
        stdout=again,
        verbosity=0,
    )
    assert again.getvalue() == out.getvalue() and PageDaily.objects.filter(page_type="home").count() == 1
    report = StringIO()
    call_command("carrier_report", "--carrier", "alpha", "--days", "7", "--lang", "en", stdout=report)
    assert "阿尔法通信 (alpha), last 7 days" in report.getvalue()
    assert re.search(r"^Number selection +Searched numbers +\d+", report.getvalue(), re.M), report.getvalue()
    sweep = StringIO()
    call_command("sweep", "--carrier", "alpha", "--lang", "en", stdout=sweep)
    assert "holds released" in sweep.getvalue() and "unpaid orders" in sweep.getvalue()
    assert re.search(r"^alpha +holds released +\d+$", sweep.getvalue(), re.M), sweep.getvalue()


def test_block_clicks_and_page_versions_are_recorded(buffer_clean):
    client = host_client("alpha.localhost")
    client.get("/")  # the decorated home page: its view carries the published version
    assert (
        client.post(
            "/analytics/click/", {"block": "welcome", "page_type": "home", "page_id": "", "version": "7"}
        ).status_code
        == 204
    )
    assert client.post("/analytics/click/", {"block": "<script>", "page_type": "home"}).status_code == 204
    assert capture.flush() == 2  # the view and the one valid click
    view = AnalyticsEvent.objects.get(name="view", page_type="home")
    click = AnalyticsEvent.objects.get(name="click")
    assert view.page_version is not None and (click.block_id, click.page_version) == ("welcome", 7)


def test_clicked_blocks_are_named_on_the_dashboard(buffer_clean):
    """ "区块点击" names the page and the block's kind (and title), not ids."""
    from django.utils import translation

    from storefront.decoration import services as decoration
    from storefront.decoration.blocks import REGISTRY
    from tests.support.clients import STAFF_PASSWORD, sign_in

    section = decoration.page(decoration.HOME_SLUG).live_version.document["sections"][0]
    visitor = host_client("alpha.localhost")
    visitor.get("/")
    assert (
        visitor.post(
            "/analytics/click/", {"block": section["id"], "page_type": "home", "page_id": "", "version": "1"}
        ).status_code
        == 204
    )
    capture.flush()
    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    page = staff.get("/admin/dashboard/").content.decode()
    with translation.override("zh-hans"):
        kind = str(REGISTRY[section["type"]].label)
    assert f'data-testid="block-name">{kind}' in page and section["id"] not in page
