"""Analytics: bounce, exit and funnel on a hand-made log with known answers, idempotent daily
aggregation, capture through the Redis buffer (honouring Do-Not-Track, skipping staff and bots,
surviving a Redis outage), and no personal data in the tables."""
import datetime as dt
import re

import pytest
from django.utils import timezone

from hall.analytics import capture
from hall.analytics import sessions as defs
from hall.analytics.aggregate import aggregate_day
from hall.models import AnalyticsEvent, FunnelDaily, PageDaily
from tests.conftest import host_client

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


# visitor a: home → offer → cart (one session); then 45 min later home only (a second session, a bounce)
# visitor b: offer only (bounce on the offer page)
# visitor c: landing → home, 20 min apart (one session), exits on home
LOG = [
    defs.Event("a", at(0), "view", "home"), defs.Event("a", at(2), "view", "offer", "plan-1", "plan"),
    defs.Event("a", at(3), "add_to_cart", offer_kind="plan"), defs.Event("a", at(4), "view", "cart"),
    defs.Event("a", at(5), "checkout_started", offer_kind="plan"),
    defs.Event("a", at(6), "order_placed", offer_kind="plan"),
    defs.Event("a", at(50), "view", "home"),
    defs.Event("b", at(1), "view", "offer", "plan-1", "plan"),
    defs.Event("b", at(2), "paid", offer_kind="plan"),  # paid without the steps before: not counted
    defs.Event("c", at(10), "view", "landing", "spring"), defs.Event("c", at(30), "view", "home"),
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


def test_funnel_counts_steps_in_order_with_conversion():
    counts = defs.funnel(LOG)
    assert counts == {"view_offer": 2, "add_to_cart": 1, "checkout_started": 1, "order_placed": 1, "paid": 0,
                      "activated": 0}
    assert defs.funnel(LOG, "phone")["view_offer"] == 0
    rows = defs.conversion(counts)
    assert rows[1] == ("add_to_cart", 1, 0.5) and rows[0][2] is None


@pytest.fixture(autouse=True)
def _no_committed_analytics(request):
    """Browser tests commit analytics of carrier alpha; these tests count from nothing."""
    if "in_carrier_a" in request.fixturenames or "buffer_clean" in request.fixturenames:
        request.getfixturevalue("in_carrier_a")
        for model in (AnalyticsEvent, PageDaily, FunnelDaily):
            model.objects.all().delete()  # (rolled back after the test)


def _store(events):
    AnalyticsEvent.objects.bulk_create([AnalyticsEvent(at=e.at, visitor=e.visitor, name=e.name, page_type=e.page_type,
                                                       page_id=e.page_id, offer_kind=e.offer_kind) for e in events])


def test_daily_aggregation_is_idempotent(in_carrier_a):
    _store(LOG)
    day = timezone.localdate(T0)
    first = aggregate_day(day)
    rows = sorted(PageDaily.objects.filter(day=day).values_list("page_type", "views", "entries", "bounces", "exits"))
    funnel = sorted(FunnelDaily.objects.filter(day=day, offer_kind="").values_list("step", "visitors"))
    assert aggregate_day(day) == first
    assert sorted(PageDaily.objects.filter(day=day).values_list(
        "page_type", "views", "entries", "bounces", "exits")) == rows
    assert sorted(FunnelDaily.objects.filter(day=day, offer_kind="").values_list("step", "visitors")) == funnel
    assert ("home", 3, 2, 1, 2) in rows and dict(funnel)["view_offer"] == 2


@pytest.fixture
def buffer_clean(in_carrier_a):
    capture.send_pending()  # what earlier tests' requests left in this process
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
    assert views[-2:] == [{"page_type": "home", "page_id": "", "referrer": "", "offer_kind": ""},
                          {"page_type": "offer", "page_id": "plan-1", "referrer": "www.example.com",
                           "offer_kind": "plan"}]
    assert capture.flush() == 0


def test_a_redis_outage_never_breaks_a_page(buffer_clean, settings, monkeypatch):
    settings.HALL_ANALYTICS_REDIS_URL = "redis://127.0.0.1:9/2"  # nothing listens there
    monkeypatch.setattr(capture, "_client", None)
    client = host_client("alpha.localhost")
    assert client.get("/").status_code == 200 and client.get("/offers/plan-1/").status_code == 200
    monkeypatch.setattr(capture, "_client", None)


def test_no_personal_data_in_analytics(buffer_clean):
    from tests.orders_support import PASSWORD, sim_cart, subscriber

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
    from tests.conftest import STAFF_PASSWORD, sign_in

    _store(LOG)
    aggregate_day(timezone.localdate(T0))
    PageDaily.objects.filter(day=timezone.localdate(T0)).update(day=timezone.localdate())  # as if today
    FunnelDaily.objects.filter(day=timezone.localdate(T0)).update(day=timezone.localdate())
    staff = host_client("alpha.localhost")
    assert sign_in(staff, "admin", STAFF_PASSWORD)
    assert 'data-testid="dashboard-link"' in staff.get("/admin/").content.decode()
    page = staff.get("/admin/dashboard/").content.decode()
    assert 'data-testid="views-home-"' in page and "<svg" in page
    assert 'data-testid="funnel-add_to_cart"' in page
    csv_text = staff.get("/admin/dashboard/?days=30&format=csv").content.decode("utf-8-sig")
    assert "home:,3,0.500,0.667" in csv_text
    assert host_client("alpha.localhost").get("/admin/dashboard/").status_code == 302  # staff only


def test_platform_operators_see_carrier_health_and_can_disable_one(db):
    from django.contrib.auth import get_user_model

    from tenants.models import Carrier
    from tests.conftest import sign_in

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
    call_command("rebuild_analytics", "--from", "2026-11-19", "--to", "2026-11-21", "--carrier", "alpha",
                 "--lang", "en", stdout=out, verbosity=0)
    assert re.search(r"^alpha +3 +11$", out.getvalue(), re.M), out.getvalue()  # carrier, days rebuilt, events
    again = StringIO()
    call_command("rebuild_analytics", "--from", "2026-11-19", "--to", "2026-11-21", "--carrier", "alpha",
                 "--lang", "en", stdout=again, verbosity=0)
    assert again.getvalue() == out.getvalue() and PageDaily.objects.filter(page_type="home").count() == 1
    report = StringIO()
    call_command("carrier_report", "--carrier", "alpha", "--days", "7", "--lang", "en", stdout=report)
    assert "阿尔法通信 (alpha), last 7 days" in report.getvalue()
    assert re.search(r"^Viewed an offer +\d+", report.getvalue(), re.M), report.getvalue()  # the funnel table
    sweep = StringIO()
    call_command("sweep", "--carrier", "alpha", "--lang", "en", stdout=sweep)
    assert "holds released" in sweep.getvalue() and "unpaid orders" in sweep.getvalue()
    assert re.search(r"^alpha +\d+", sweep.getvalue(), re.M)


def test_block_clicks_and_page_versions_are_recorded(buffer_clean):
    client = host_client("alpha.localhost")
    client.get("/")  # the decorated home page: its view carries the published version
    assert client.post("/analytics/click/", {"block": "welcome", "page_type": "home", "page_id": "",
                                             "version": "7"}).status_code == 204
    assert client.post("/analytics/click/", {"block": "<script>", "page_type": "home"}).status_code == 204
    assert capture.flush() == 2  # the view and the one valid click
    view = AnalyticsEvent.objects.get(name="view", page_type="home")
    click = AnalyticsEvent.objects.get(name="click")
    assert view.page_version is not None and (click.block_id, click.page_version) == ("welcome", 7)
