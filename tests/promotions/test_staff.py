"""Staff run promotions in their carrier's admin: draft → approved → published under four eyes and
their own permission, paused and resumed at once, budgets never below what is used; unique codes
generated (with progress), imported and exported; a festival's live dashboard."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.models import City
from core.csv_export import safe_cell
from orders.models import Order
from promotions import services, tasks
from promotions.forms import PromotionForm
from promotions.models import Budget, Coupon, CouponBatch, Festival, Promotion, Redemption
from tests.support import promotions as make
from tests.support.clients import sign_in
from tests.support.orders import subscriber

P = Promotion.Status
PASSWORD = "Promo-pass-2026"


def _staff(username: str, role: str | None) -> User:
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return get_user_model().objects.get(pk=user.pk)  # a fresh object: no permission cache


@pytest.fixture
def people(in_carrier_a) -> dict[str, User]:
    return {
        "maker": _staff("promo-maker", "促销管理员"),
        "boss": _staff("promo-boss", "促销审核员"),
        "other_boss": _staff("promo-boss-2", "促销审核员"),
    }


def _promotion(by: User, **fields) -> Promotion:
    """A draft as a staff member saved it."""
    values = {"name": "满100减10", "description": "满100减10", "klass": "goods", "status": Promotion.Status.DRAFT}
    made = make.promotion(reward_value=Decimal("10"), **{**values, **fields})
    services.edited(made, by)
    return made


def _fresh(promotion: Promotion) -> Promotion:
    return Promotion.objects.get(pk=promotion.pk)


def _form_data(**overrides) -> dict:
    now = timezone.localtime()
    starts, ends = now.strftime("%Y-%m-%d"), (now + timedelta(days=5)).strftime("%Y-%m-%d")
    data = {
        "name": "双11 号卡立减",
        "description": "双11 号卡立减",
        # the admin splits a date and a time; the plain form takes them together
        "starts_at": f"{starts} 00:00:00",
        "starts_at_0": starts,
        "starts_at_1": "00:00:00",
        "ends_at": f"{ends} 00:00:00",
        "ends_at_0": ends,
        "ends_at_1": "00:00:00",
        "priority": "0",
        "tags": "",
        "number_tiers": "",
        "min_spend": "0",
        "klass": "goods",
        "reward": "amount",
        "reward_value": "20",
        "eligibility": "anyone",
        "per_person_limit": "0",
        "budget_kind": "money",
        "budget_limit": "1000",
        "budget_per_city": "{}",
        "batches-TOTAL_FORMS": "0",
        "batches-INITIAL_FORMS": "0",
        "batches-MIN_NUM_FORMS": "0",
        "batches-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


# -- the lifecycle ------------------------------------------------------------------------------


def test_roles_hold_the_right_permissions(people):
    maker, boss = people["maker"], people["boss"]
    assert maker.has_perm("promotions.add_promotion") and maker.has_perm("promotions.change_couponbatch")
    assert maker.has_perm("promotions.view_festival") and maker.has_perm("promotions.view_coupon")
    assert not maker.has_perm("promotions.approve_promotion")
    assert boss.has_perm("promotions.approve_promotion") and boss.has_perm("promotions.add_promotion")


def test_four_eyes_draft_approved_published_paused_resumed(people):
    maker, boss, other = people["maker"], people["boss"], people["other_boss"]
    promotion = _promotion(maker)
    assert promotion.created_by == maker and promotion.changed_by == maker and promotion.status == P.DRAFT
    for step in (services.approve, services.publish, services.pause):
        with pytest.raises(services.PromotionError):
            step(promotion, maker)  # no approve_promotion
    services.edited(promotion, boss)  # the approver edited it last: someone else approves
    with pytest.raises(services.PromotionError) as refused:
        services.approve(promotion, boss)
    assert refused.value.code == "four_eyes"
    services.approve(promotion, other)
    promotion = _fresh(promotion)
    assert promotion.status == P.APPROVED and promotion.approved_by == other and promotion.approved_at
    with pytest.raises(services.PromotionError):
        services.pause(promotion, other)  # not published yet
    services.publish(promotion, other)
    assert _fresh(promotion).status == P.PUBLISHED and _fresh(promotion).is_live()
    services.pause(promotion, boss)
    assert _fresh(promotion).status == P.PAUSED and not _fresh(promotion).is_live()
    services.resume(promotion, boss)
    assert _fresh(promotion).status == P.PUBLISHED
    services.end(promotion, boss)
    assert _fresh(promotion).status == P.ENDED


def test_an_edit_after_approval_returns_it_to_draft(people):
    promotion = _promotion(people["maker"])
    services.approve(promotion, people["boss"])
    promotion = _fresh(promotion)
    promotion.reward_value = Decimal("15")
    promotion.save()
    services.edited(promotion, people["maker"])
    promotion = _fresh(promotion)
    assert promotion.status == P.DRAFT and promotion.approved_by is None and promotion.approved_at is None


def test_budget_cannot_go_below_used(people):
    promotion = _promotion(people["maker"], budget_kind=Promotion.Budget.MONEY, budget_limit=Decimal("100"))
    assert Budget.objects.get(promotion=promotion, key="").limit == Decimal("100")
    Budget.objects.filter(promotion=promotion, key="").update(used=Decimal("60"))
    promotion.budget_limit = Decimal("50")
    with pytest.raises(services.PromotionError, match="60"):
        services.edited(promotion, people["maker"])
    # the staff form says so as a field error, before anything is saved
    form = PromotionForm(
        data=_form_data(budget_limit="50", reward_value="10"), instance=Promotion.objects.get(pk=promotion.pk)
    )
    assert not form.is_valid() and "60" in str(form.errors["budget_limit"])
    form = PromotionForm(data=_form_data(budget_limit="80", reward_value="10"), instance=_fresh(promotion))
    assert form.is_valid(), form.errors


def test_the_form_refuses_terms_that_do_not_agree(people):
    def errors(**overrides) -> dict:
        form = PromotionForm(data=_form_data(**overrides))
        assert not form.is_valid()
        return form.errors

    assert "reward_value" in errors(reward="percent", reward_value="150")
    assert "reward_offer" in errors(reward="free_addon", reward_value="0")
    assert "budget_limit" in errors(budget_kind="money", budget_limit="", budget_per_city="{}")
    assert "budget_per_city" in errors(budget_per_city='{"atlantis": 100}')
    city = City.objects.values_list("code", flat=True).first()
    assert "budget_per_city" in errors(budget_per_city=f'{{"{city}": -5}}')
    assert "ends_at" in errors(ends_at="2020-01-01 00:00:00")
    assert "combines_with" in errors(exclusive="on", combines_with=["order"])
    assert "reward" in errors(klass="number_fee", reward="bss_credit")
    assert "klass" in errors(reward="waive_number_fee")
    assert PromotionForm(data=_form_data(budget_per_city=f'{{"{city}": 300}}')).is_valid()


# -- the admin pages ----------------------------------------------------------------------------


@pytest.fixture
def boss_client(client_a, people):
    assert sign_in(client_a, "promo-boss", PASSWORD)
    return client_a


def test_admin_list_change_and_lifecycle_buttons(boss_client, people):
    promotion = _promotion(people["maker"], budget_kind=Promotion.Budget.MONEY, budget_limit=Decimal("500"))
    listing = boss_client.get("/admin/promotions/promotion/")
    assert listing.status_code == 200 and "满100减10" in listing.content.decode()
    assert "0 / 500" in listing.content.decode()  # budget used / limit
    page = boss_client.get(f"/admin/promotions/promotion/{promotion.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="step-approve"' in html and 'data-testid="promotion-usage"' in html
    assert boss_client.get("/admin/promotions/promotion/add/").status_code == 200
    url = f"/admin/promotions/promotion/{promotion.pk}/lifecycle/"
    assert boss_client.post(url, {"action": "approve"}).status_code == 302
    assert _fresh(promotion).status == P.APPROVED
    boss_client.post(url, {"action": "publish"})
    assert _fresh(promotion).status == P.PUBLISHED
    # published: the terms open read-only (no save), a change POST is refused
    html = boss_client.get(f"/admin/promotions/promotion/{promotion.pk}/change/").content.decode()
    assert 'name="_save"' not in html and 'data-testid="step-pause"' in html
    refused = boss_client.post(f"/admin/promotions/promotion/{promotion.pk}/change/", _form_data())
    assert refused.status_code == 403
    boss_client.post(url, {"action": "pause"})
    assert _fresh(promotion).status == P.PAUSED
    # a refused step is a message, never a 500
    followed = boss_client.post(url, {"action": "publish"}, follow=True)
    assert followed.status_code == 200 and _fresh(promotion).status == P.PAUSED
    assert any(m.level_tag == "error" for m in followed.context["messages"])
    # approve, publish, pause: each in the admin's history, by whom
    from django.contrib.admin.models import LogEntry

    logged = LogEntry.objects.filter(object_id=str(promotion.pk), user=people["boss"])
    assert logged.count() == 3


def test_admin_add_records_the_editor_and_the_approver_cannot_be_the_editor(client_a, people):
    assert sign_in(client_a, "promo-boss", PASSWORD)
    response = client_a.post("/admin/promotions/promotion/add/", _form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    promotion = Promotion.objects.get(name="双11 号卡立减")
    assert promotion.created_by == people["boss"] and promotion.changed_by == people["boss"]
    assert Budget.objects.get(promotion=promotion, key="").limit == Decimal("1000")
    followed = client_a.post(
        f"/admin/promotions/promotion/{promotion.pk}/lifecycle/", {"action": "approve"}, follow=True
    )
    assert _fresh(promotion).status == P.DRAFT
    assert any(m.level_tag == "error" for m in followed.context["messages"])


def test_a_manager_cannot_approve_through_the_admin(client_a, people):
    promotion = _promotion(people["boss"])
    assert sign_in(client_a, "promo-maker", PASSWORD)
    page = client_a.get(f"/admin/promotions/promotion/{promotion.pk}/change/")
    assert page.status_code == 200 and 'data-testid="step-approve"' not in page.content.decode()
    client_a.post(f"/admin/promotions/promotion/{promotion.pk}/lifecycle/", {"action": "approve"})
    client_a.post(
        "/admin/promotions/promotion/",
        {"action": "approve_selected", "_selected_action": [promotion.pk]},
    )
    assert _fresh(promotion).status == P.DRAFT


def test_admin_bulk_actions(boss_client, people):
    first, second = _promotion(people["maker"]), _promotion(people["maker"], name="第二个")
    boss_client.post(
        "/admin/promotions/promotion/", {"action": "approve_selected", "_selected_action": [first.pk, second.pk]}
    )
    assert {_fresh(first).status, _fresh(second).status} == {P.APPROVED}
    boss_client.post("/admin/promotions/promotion/", {"action": "publish_selected", "_selected_action": [first.pk]})
    boss_client.post("/admin/promotions/promotion/", {"action": "pause_selected", "_selected_action": [first.pk]})
    assert _fresh(first).status == P.PAUSED and _fresh(second).status == P.APPROVED


# -- unique codes ---------------------------------------------------------------------------------


def _unique_batch(people, name: str = "印刷卡券") -> CouponBatch:
    promotion = _promotion(people["maker"], needs_coupon=True)
    return CouponBatch.objects.create(promotion=promotion, name=name, kind=CouponBatch.Kind.UNIQUE_CODES)


def test_import_reports_bad_lines_and_takes_the_good_ones(boss_client, people):
    batch = _unique_batch(people)
    Coupon.objects.create(batch=batch, code="TAKEN0001")
    CouponBatch.objects.filter(pk=batch.pk).update(issued=1, total=1)
    text = "code\nGOOD0001\ngood 0002\nbad!code\nGOOD0001\nX\nTAKEN0001\nGOOD0003\n"
    upload = SimpleUploadedFile("codes.csv", text.encode("utf-8-sig"), "text/csv")
    page = boss_client.post(f"/admin/promotions/couponbatch/{batch.pk}/import/", {"file": upload})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="import-problems"' in html
    problems = page.context["result"]["problems"]
    assert page.context["result"]["added"] == 3 and len(problems) == 4
    assert any("bad!code" in p for p in problems) and any("TAKEN0001" in p for p in problems)
    assert set(Coupon.objects.filter(batch=batch).values_list("code", flat=True)) == {
        "TAKEN0001",
        "GOOD0001",
        "GOOD0002",
        "GOOD0003",
    }
    assert CouponBatch.objects.get(pk=batch.pk).issued == 4
    # a file with no codes at all is a form error, nothing imported
    empty = SimpleUploadedFile("codes.csv", b"code\n\n", "text/csv")
    page = boss_client.post(f"/admin/promotions/couponbatch/{batch.pk}/import/", {"file": empty})
    assert page.status_code == 200 and page.context["form"].errors


def test_export_round_trips_and_is_safe_in_a_spreadsheet(boss_client, people):
    batch = _unique_batch(people)
    services.import_codes(batch, "AAAA1111\nBBBB2222\nCCCC3333\n")
    response = boss_client.get(f"/admin/promotions/couponbatch/{batch.pk}/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["code", "status", "valid_until", "order"]
    assert {r[0] for r in rows[1:]} == {"AAAA1111", "BBBB2222", "CCCC3333"}
    # the export imports again into another batch: every code is already taken there
    again = _unique_batch(people, "第二批")
    added, problems = services.import_codes(again, "\n".join(r[0] for r in rows[1:]) + "\nnot a code!\n")
    assert added == 0 and len(problems) == 4  # three taken, one not a code
    other = _unique_batch(people, "第三批")
    added, problems = services.import_codes(other, text.replace("AAAA1111", "DDDD4444"))
    assert added == 1 and len(problems) == 2
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("+1") == "'+1" and safe_cell("@x") == "'@x"
    assert safe_cell("-2") == "'-2" and safe_cell("ABC") == "ABC" and safe_cell(None) == ""


def test_generate_through_the_task_with_progress(boss_client, people, django_capture_on_commit_callbacks):
    batch = _unique_batch(people)
    with django_capture_on_commit_callbacks() as sent:
        response = boss_client.post(f"/admin/promotions/couponbatch/{batch.pk}/generate/", {"count": "250"})
    assert response.status_code == 302 and response["Location"].endswith(f"/{batch.pk}/progress/")
    assert len(sent) == 1  # the task, once the transaction commits
    data_url = f"/admin/promotions/couponbatch/{batch.pk}/progress.json"
    before = boss_client.get(data_url).json()
    assert before == {
        "issued": 0,
        "target": 250,
        "made": 0,
        "wanted": 250,
        "percent": 0,
        "done": False,
        "error": "",
    }
    # the worker's part, in this process and transaction (the message itself is not sent)
    assert tasks.generate_codes.run(batch.pk, 250) == 250
    assert tasks.generate_codes.run(batch.pk, 250) == 0  # a redelivered message makes nothing more
    after = boss_client.get(data_url).json()
    assert after["percent"] == 100 and after["done"] and after["issued"] == after["target"] == 250
    codes = list(Coupon.objects.filter(batch=batch).values_list("code", flat=True))
    assert len(codes) == 250 == len(set(codes)) and all(len(c) == services.CODE_LENGTH for c in codes)
    assert boss_client.get(f"/admin/promotions/couponbatch/{batch.pk}/progress/").status_code == 200
    assert boss_client.get(f"/admin/promotions/couponbatch/{batch.pk}/change/").status_code == 200
    refused = boss_client.post(f"/admin/promotions/couponbatch/{batch.pk}/generate/", {"count": "0"})
    assert refused.status_code == 200 and refused.context["form"].errors


# -- the festival dashboard ---------------------------------------------------------------------


def test_festival_dashboard_sums_orders_revenue_subsidy_and_budget(boss_client, people, carrier_a):
    now = timezone.now()
    festival = Festival.objects.create(
        name="517 通信狂欢节", slug="f517", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=2)
    )
    budgeted = _promotion(
        people["maker"], festival=festival, budget_kind=Promotion.Budget.MONEY, budget_limit=Decimal("1000")
    )
    second = _promotion(people["maker"], festival=festival, name="号卡立减")
    outside = _promotion(people["maker"], name="不在节日里")
    buyer = subscriber()

    def order(n: int, status: str, payable: str) -> str:
        Order.objects.create(
            number=f"F{n:08d}",
            user=buyer,
            kind="addon",
            status=status,
            payable=Decimal(payable),
            idempotency_key=f"festival:{n}",
        )
        return f"{carrier_a.slug}:F{n:08d}"

    paid, unpaid, refunded, other = (
        order(1, "paid", "90"),
        order(2, "awaiting_payment", "50"),
        order(3, "completed", "200"),
        order(4, "paid", "999"),
    )
    closed = order(5, "closed_unpaid", "70")
    R = Redemption.Status
    Redemption.objects.create(promotion=budgeted, order_ref=paid, amount=Decimal("10"), status=R.REDEEMED)
    Redemption.objects.create(promotion=second, order_ref=paid, amount=Decimal("5"), status=R.REDEEMED)
    Redemption.objects.create(promotion=budgeted, order_ref=unpaid, amount=Decimal("10"), status=R.RESERVED)
    Redemption.objects.create(
        promotion=budgeted, order_ref=refunded, amount=Decimal("30"), released=Decimal("12"), status=R.REDEEMED
    )
    Redemption.objects.create(promotion=budgeted, order_ref=closed, amount=Decimal("10"), status=R.RELEASED)
    Redemption.objects.create(promotion=outside, order_ref=other, amount=Decimal("99"), status=R.REDEEMED)
    Budget.objects.filter(promotion=budgeted, key="").update(used=Decimal("38"))

    page = boss_client.get(f"/admin/festivals/{festival.pk}/")
    assert page.status_code == 200 and 'data-testid="festival-dashboard"' in page.content.decode()
    data = boss_client.get(f"/admin/festivals/{festival.pk}/figures.json").json()
    assert data["orders"] == 3  # paid (two promotions, one order), unpaid, completed; not the closed one
    assert data["paid_orders"] == 2 and Decimal(data["revenue"]) == Decimal("290")
    assert Decimal(data["subsidy"]) == Decimal("10") + 5 + 10 + 18
    assert Decimal(data["budget_limit"]) == 1000 and Decimal(data["budget_left"]) == 962
    rows = {row["id"]: row for row in data["promotions"]}
    assert set(rows) == {budgeted.pk, second.pk}
    assert rows[budgeted.pk]["budgets"] == [{"key": "", "limit": "1000.00", "used": "38.00", "left": "962.00"}]
    assert rows[second.pk]["orders"] == 1 and Decimal(rows[second.pk]["subsidy"]) == 5
    change = boss_client.get(f"/admin/promotions/festival/{festival.pk}/change/").content.decode()
    assert f"/admin/festivals/{festival.pk}/" in change


def test_the_dashboard_needs_permission_to_view_promotions(client_a, in_carrier_a):
    now = timezone.now()
    festival = Festival.objects.create(name="双11", slug="d11", starts_at=now, ends_at=now + timedelta(days=1))
    _staff("just-staff", "订单处理员")
    assert sign_in(client_a, "just-staff", PASSWORD)
    assert client_a.get(f"/admin/festivals/{festival.pk}/figures.json").status_code == 403
    assert client_a.get("/admin/promotions/promotion/").status_code == 403


def test_batch_pages_and_rules(boss_client, people):
    promotion = _promotion(people["maker"], needs_coupon=True)
    for url in (
        "/admin/promotions/couponbatch/",
        f"/admin/promotions/couponbatch/add/?promotion={promotion.pk}",
        "/admin/promotions/festival/",
        "/admin/promotions/festival/add/",
        "/admin/promotions/coupon/",
        "/admin/promotions/redemption/",
    ):
        assert boss_client.get(url).status_code == 200, url
    base = {"promotion": promotion.pk, "name": "领券中心", "per_person": "1", "code": "", "valid_days": ""}
    refused = boss_client.post("/admin/promotions/couponbatch/add/", {**base, "kind": "public", "total": "0"})
    assert refused.status_code == 200 and "code" in refused.context["adminform"].form.errors
    made = boss_client.post("/admin/promotions/couponbatch/add/", {**base, "kind": "claimable", "total": "100"})
    assert made.status_code == 302
    batch = CouponBatch.objects.get(name="领券中心")
    CouponBatch.objects.filter(pk=batch.pk).update(issued=40)
    lower = boss_client.post(
        f"/admin/promotions/couponbatch/{batch.pk}/change/", {**base, "total": "30", "per_person": "1"}
    )
    assert lower.status_code == 200 and "total" in lower.context["adminform"].form.errors
    page = boss_client.get(f"/admin/promotions/couponbatch/{batch.pk}/change/").content.decode()
    assert "/generate/" not in page  # code tools are for unique-code batches only
    public = boss_client.post(
        "/admin/promotions/couponbatch/add/",
        {**base, "name": "公共码", "kind": "public", "code": " vip 2026 ", "total": "0"},
    )
    assert public.status_code == 302 and CouponBatch.objects.get(name="公共码").code == "VIP2026"


def test_budget_taken_between_check_and_save_is_a_message(boss_client, people, monkeypatch):
    promotion = _promotion(people["maker"], budget_kind=Promotion.Budget.MONEY, budget_limit=Decimal("100"))
    Budget.objects.filter(promotion=promotion, key="").update(used=Decimal("60"))
    monkeypatch.setattr(services, "check_budgets", lambda promotion: None)  # as if checkout came after the check
    response = boss_client.post(
        f"/admin/promotions/promotion/{promotion.pk}/change/",
        _form_data(name=promotion.name, budget_limit="50", reward_value="10"),
        follow=True,
    )
    assert response.status_code == 200
    assert any("60" in str(m) for m in response.context["messages"])
    assert _fresh(promotion).budget_limit == Decimal("100")  # rolled back
