"""A visitor browses on a phone; staff see the visit in top pages within seconds (no aggregation
run), and the dashboard's ECharts charts render with axes, dates, legends and values at 1280 px and
at 390 px, with no console error, no CSP violation and no horizontal overflow."""

import pytest

from tests.support.browser import WATCH_CSP, staff_sign_in
from tests.support.clients import in_own_connection, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

CHARTS = """() => [...document.querySelectorAll("[data-chart]")].map((el) => {
  const chart = echarts.getInstanceByDom(el), option = chart.getOption(), canvas = el.querySelector("canvas");
  const box = canvas ? canvas.getBoundingClientRect() : {width: 0, height: 0};
  return {kind: el.dataset.chart, path: el.dataset.path || "", width: box.width, height: box.height,
          xType: option.xAxis[0].type, xData: option.xAxis[0].data || [], xName: option.xAxis[0].name,
          yNames: option.yAxis.map((a) => a.name || ""), yData: option.yAxis[0].data || [],
          legend: option.legend.length, series: option.series.map((s) => s.name),
          values: option.series.map((s) => s.data)};
})"""


def _aggregate_today():
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from analytics.aggregate import aggregate_day
    from tenants.models import Carrier

    with tenant_context(Carrier.objects.get(slug="alpha")):
        return aggregate_day(timezone.localdate())


def _staff_page(browser, width: int, base: str):
    phone_sized = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone_sized else 900},
        locale="zh-CN",
        is_mobile=phone_sized,
        has_touch=phone_sized,
        device_scale_factor=2 if phone_sized else 1,
    )
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    staff_sign_in(page, base, "/admin/dashboard/")
    return page, problems


def _check_dashboard(page, problems, width: int, path) -> None:
    page.wait_for_function("() => document.querySelectorAll('[data-chart] canvas').length >= 7")
    charts = page.evaluate(CHARTS)
    assert page.evaluate("() => window.__csp") == []
    kinds = [c["kind"] for c in charts]
    assert kinds.count("sales") == 1 and kinds.count("views") == 1
    assert sorted(c["path"] for c in charts if c["kind"] == "funnel") == sorted(
        ["number", "top_up", "renewal", "deposit", "offer"]
    )
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 100, chart  # drawn, and sized to its column
        assert chart["width"] <= width
        assert chart["legend"] == 1 and chart["series"]
    sales = next(c for c in charts if c["kind"] == "sales")
    assert sales["xType"] == "category" and len(sales["xData"]) == 7 and sales["xData"][-1][:2] == "20"
    assert sales["xName"] == "日期" and sales["yNames"] == ["订单数", "收入（元）"]
    assert sales["series"] == ["订单数", "收入（元）"]
    views = next(c for c in charts if c["kind"] == "views")
    assert views["yNames"] == ["浏览量"] and views["values"][0][-1] >= 2  # today's visit, before aggregation
    number = next(c for c in charts if c["path"] == "number")
    assert number["yData"][:2] == ["选号", "锁定号码"] and number["xName"] == "访客数"
    assert number["values"][0][0] >= 1  # the phone's number search
    page.locator('[data-chart="sales"]').hover()  # a tooltip (drawn in the canvas: no inline style)
    page.locator('[data-chart="funnel"][data-path="number"]').hover()
    page.wait_for_timeout(300)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px of horizontal overflow at {width}px"
    page.screenshot(path=str(path), full_page=True)
    assert page.evaluate("() => window.__csp") == []
    assert problems == []


def test_a_visit_shows_on_the_staff_dashboard_charts_at_desktop_and_phone_widths(browser, phone, web_server, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    phone.goto(f"{base}/")
    phone.goto(f"{base}/numbers/")
    phone.goto(f"{base}/offers/plan-3/")
    phone.goto(f"{base}/offers/plan-3/")

    page, problems = _staff_page(browser, 1280, base)

    def counted():  # the web process sends its views within seconds; the dashboard reads them at once
        page.reload()
        cell = page.get_by_test_id("views-offer-plan-3")
        return cell.count() == 1 and int(cell.inner_text()) >= 2

    wait_until(counted, timeout=20, interval=1, what="the visit in top pages without an aggregation run")
    in_own_connection(_aggregate_today)  # beat's 15-minute run: the funnels
    page.reload()
    _check_dashboard(page, problems, 1280, artifacts / "dashboard-1280.png")
    page.context.close()

    page, problems = _staff_page(browser, 390, base)
    _check_dashboard(page, problems, 390, artifacts / "dashboard-390.png")
    page.set_viewport_size({"width": 1000, "height": 800})  # turning a tablet: the charts follow their column
    page.wait_for_timeout(400)
    wide = page.evaluate("() => echarts.getInstanceByDom(document.querySelector('[data-chart=sales]')).getWidth()")
    assert wide > 600
    page.context.close()
