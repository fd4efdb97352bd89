"""The staff order page reads like a work order (steps, results and timeline in words), and the
other staff pages show names, not codes or model reprs."""

import pytest

from orders.aftersales import staff_selectors
from orders.models import Order
from tests.support.clients import STAFF_PASSWORD, sign_in
from tests.support.staff_orders import delivered_sim_order


@pytest.fixture
def staff_a(client_a):
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    return client_a


@pytest.fixture
def order(quick):
    return delivered_sim_order(quick)


def test_the_order_page_reads_like_a_work_order(staff_a, order):
    page = staff_a.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    ship = order.steps.get(step="ship").result
    number = order.lines.get(category="number_fee").number
    assert "object (" not in page and "{&quot;" not in page and '{"' not in page
    assert f"快递公司</dt><dd>{ship['courier']}" in page
    assert f"运单号</dt><dd>{ship['tracking_no']}" in page
    assert f"ICCID · {number}</dt><dd>{ship['iccids'][number]}" in page
    for words in ("占用号码", "开户", "发货", "等待签收", "等待实名核验", "已完成", "进行中"):
        assert words in page, words
    for raw in ("occupy_number", "await_verification", "awaiting_payment", "Running"):
        assert raw not in page, raw
    assert "已电话联系用户，提醒上传照片" in page  # the staff note, with who wrote it
    assert "员工 admin" in page
    subscriber = order.user.username  # placed by the subscriber: named, but masked like the header
    assert f"{subscriber[:3]}****{subscriber[7:]}" in page and subscriber not in page
    assert "已签收" in page and "新号入网" in page
    assert page.count('data-testid="order-actions"') == 1  # the staff actions remain


def test_a_failed_step_says_why_in_the_header(staff_a, order):
    from orders.states import transition

    step = order.steps.get(step="await_verification")
    step.status, step.error = "failed", "实名核验超时"
    step.save()
    transition(order, "needs_attention", "flagged", reason="用户电话打不通")
    page = staff_a.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "用户电话打不通" in page and "等待实名核验: 实名核验超时" in page
    assert staff_selectors.attention_reason(Order.objects.get(pk=order.pk))


def test_the_orders_list_is_short_and_translated(staff_a, order):
    page = staff_a.get("/admin/orders/order/").content.decode()
    assert order.number in page and "hall-status-delivered" in page
    assert "顺序" not in page and "切换</a>" not in page and "选择 订单 来修改" in page
    assert order.user.username not in page  # masked


def test_tickets_verifications_and_the_pool_in_words(staff_a, order):
    ticket = order.tickets.get()
    page = staff_a.get(f"/admin/orders/ticket/{ticket.pk}/change/").content.decode()
    assert "TicketEvent object" not in page and "已提交" in page and "已联系快递公司" in page
    assert "工单号" in page
    verifications = staff_a.get("/admin/orders/verification/").content.decode()
    assert "尝试次数" in verifications and "ATTEMPTS" not in verifications
    pool = staff_a.get("/admin/numberpool/mobilenumber/").content.decode()
    assert "广州" in pool and "可选" in pool and "guangzhou:" not in pool
    assert "available" not in pool.split('data-testid="pool-dashboard"')[1].split("</table>")[0]
