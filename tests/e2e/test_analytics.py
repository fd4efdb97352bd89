"""A visitor browses on a phone; after the worker's flush and aggregation, staff see the visit
counted on their dashboard."""
import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from tests.conftest import STAFF_PASSWORD, in_own_connection, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_a_visit_shows_on_the_staff_dashboard(browser, phone, web_server, artifacts):
    from hall.analytics.aggregate import aggregate_day
    from hall.analytics.capture import flush
    from hall.models import AnalyticsEvent
    from tenants.models import Carrier

    base = f"http://alpha.localhost:{web_server}"
    phone.goto(f"{base}/")
    phone.goto(f"{base}/offers/plan-3/")
    phone.goto(f"{base}/offers/plan-3/")

    def flushed():  # web processes send their views within seconds; beat's flush stores them
        with tenant_context(Carrier.objects.get(slug="alpha")):
            while flush():
                pass
            return AnalyticsEvent.objects.filter(page_type="offer", page_id="plan-3").count() >= 2

    wait_until(lambda: in_own_connection(flushed), timeout=20, interval=1, what="the views to arrive")

    def aggregate():  # beat's aggregation
        with tenant_context(Carrier.objects.get(slug="alpha")):
            return aggregate_day(timezone.localdate())

    in_own_connection(aggregate)
    staff = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    staff.goto(f"{base}/admin/login/?next=/admin/")
    staff.fill("input[name=username]", "admin")
    staff.fill("input[name=password]", STAFF_PASSWORD)
    staff.locator("input[type=submit]").click()
    staff.get_by_test_id("dashboard-link").click()
    views = int(staff.get_by_test_id("views-offer-plan-3").inner_text())
    assert views >= 2
    assert staff.locator("svg.bars").count() >= 3
    staff.screenshot(path=str(artifacts / "staff-dashboard.png"), full_page=True)
    staff.context.close()
