"""Catalogue models, selectors and storefront pages (carrier alpha holds the demo catalogue)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from catalog import services as catalog_services
from catalog.kinds import KINDS
from catalog.models import Category, Offer
from catalog.selectors import shop_offers
from core import fragments
from core.richtext import sanitize_html


def test_attributes_are_validated_per_kind():
    plan = KINDS["plan"]
    good = plan.clean_attributes(
        {"data_gb": "30", "voice_minutes": 200, "sms": 0, "contract_months": 12, "is_5g": True}
    )
    assert good == {"data_gb": 30, "voice_minutes": 200, "sms": 0, "contract_months": 12, "is_5g": True}
    with pytest.raises(ValidationError) as bad:
        plan.clean_attributes(
            {"data_gb": -1, "voice_minutes": "lots", "sms": 0, "contract_months": 0, "bandwidth_mbps": 100}
        )
    errors = bad.value.message_dict
    assert set(errors) == {"data_gb", "voice_minutes", "attributes"}
    with pytest.raises(ValidationError) as missing:
        KINDS["phone"].clean_attributes({"brand": "华为"})
    assert {"model", "storage_gb", "network"} <= set(missing.value.message_dict)


def _plan(**overrides):
    values = {
        "kind": "plan",
        "category": Category.objects.get(slug="plans"),
        "name": "测试套餐",
        "slug": "test-plan",
        "list_price": Decimal("50"),
        "sale_price": Decimal("40"),
        "attributes": {"data_gb": 20, "voice_minutes": 100, "sms": 0, "contract_months": 0, "is_5g": False},
        "status": Offer.Status.ON_SALE,
    }
    values.update(overrides)
    return Offer(**values)


def test_offer_refuses_bad_prices_windows_and_categories(in_carrier_a):
    with pytest.raises(ValidationError) as dear:
        _plan(sale_price=Decimal("60")).full_clean()
    assert "sale_price" in dear.value.message_dict
    with pytest.raises(ValidationError) as negative:
        _plan(list_price=Decimal("-1"), sale_price=Decimal("-5")).full_clean()
    assert "list_price" in negative.value.message_dict
    now = timezone.now()
    with pytest.raises(ValidationError) as window:
        _plan(publish_start=now, publish_end=now - timedelta(days=1)).full_clean()
    assert "publish_end" in window.value.message_dict
    with pytest.raises(ValidationError) as wrong_category:
        _plan(category=Category.objects.get(slug="phones")).full_clean()
    assert "category" in wrong_category.value.message_dict


def test_database_refuses_negative_prices_even_without_validation(in_carrier_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        _plan(list_price=Decimal("-1"), sale_price=Decimal("-2")).save()


@pytest.mark.parametrize(
    ("html", "kept", "gone"),
    [
        ("<p>好<script>alert(1)</script></p>", "<p>好", "script"),
        ('<a href="javascript:alert(1)">x</a>', "<a", "javascript"),
        ('<p onclick="steal()">x</p>', "<p>x</p>", "onclick"),
        ("<img src=x onerror=alert(1)>", "", "onerror"),
        ('<p style="background:url(//evil)">x</p>', "<p>x</p>", "style"),
        ('<a href="https://ok.example/">ok</a>', 'rel="noopener noreferrer nofollow"', "javascript"),
    ],
)
def test_descriptions_are_sanitised(html, kept, gone):
    clean = sanitize_html(html)
    assert kept in clean and gone not in clean


def test_description_is_sanitised_on_save(in_carrier_a):
    offer = _plan(description="<p>套餐<script>alert(1)</script></p>")
    offer.save()
    offer.refresh_from_db()
    assert "script" not in offer.description and "套餐" in offer.description


def test_only_offers_on_sale_now_and_here_are_listed(in_carrier_a):
    now = timezone.now()
    _plan(slug="draft", status=Offer.Status.DRAFT).save()
    _plan(slug="off", status=Offer.Status.OFF_SALE).save()
    _plan(slug="future", publish_start=now + timedelta(days=1)).save()
    _plan(slug="ended", publish_end=now - timedelta(minutes=1)).save()
    _plan(slug="live", publish_start=now - timedelta(days=1), publish_end=now + timedelta(days=1)).save()
    _plan(slug="shenzhen-only", available_cities=["shenzhen"]).save()
    slugs = set(shop_offers().values_list("slug", flat=True))
    assert {"live", "shenzhen-only"} <= slugs and not {"draft", "off", "future", "ended"} & slugs
    assert "shenzhen-only" not in set(shop_offers("guangzhou").values_list("slug", flat=True))
    assert "shenzhen-only" in set(shop_offers("shenzhen").values_list("slug", flat=True))


def test_category_page_filters_by_kind_attributes(client_a):
    page = client_a.get("/catalogue/plans/", {"data_gb": "100"}).content.decode()
    assert "畅享 79 元套餐" in page and "畅享 129 元套餐" in page
    assert "畅享 39 元套餐" not in page
    page = client_a.get("/catalogue/phones/", {"brand": "小米"}).content.decode()
    assert "小米 15" in page and "Redmi K80" in page and "华为 Mate 70" not in page
    page = client_a.get("/catalogue/broadband/", {"bandwidth_mbps": "500", "max_price": "1000"}).content.decode()
    assert "500M 光宽带 · 1 年" in page and "1000M" not in page


def test_sorting_by_price(client_a):
    page = client_a.get("/catalogue/plans/", {"sort": "price"}).content.decode()
    assert page.index("银发关爱套餐") < page.index("畅享 19 元基础套餐") < page.index("畅享 129 元套餐")
    page = client_a.get("/catalogue/plans/", {"sort": "-price"}).content.decode()
    assert page.index("畅享 129 元套餐") < page.index("银发关爱套餐")


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "abc"},
        {"data_gb": "-5"},
        {"sort": "drop table"},
        {"page": "999"},
        {"page": "x"},
        {"min_price": "100", "max_price": "10"},
        {"brand": "<script>"},
        {"min_price": "1e309"},
    ],
)
def test_bad_filter_values_explain_and_never_fail(client_a, params):
    response = client_a.get("/catalogue/plans/", params)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>" not in body.split("<main")[1]


def test_bad_filter_message_is_shown(client_a):
    body = client_a.get("/catalogue/plans/", {"min_price": "abc"}).content.decode()
    assert 'role="alert">输入一个数字。' in body and "部分筛选条件无法识别，已忽略" in body
    assert "畅享 39 元套餐" in body  # the rest of the listing still shows


def test_listing_query_count_does_not_grow_with_offers(client_a):
    def queries(params):
        with schema_context("c_alpha"):
            fragments.bump(fragments.CATALOG)  # a render, not the cached page
        with CaptureQueriesContext(connection) as ctx:
            assert client_a.get("/catalogue/", params).status_code == 200
        return len(ctx.captured_queries)

    queries({})  # warm the caches (theme, host) that every page shares
    few = queries({"kind": "addon"})  # 6 offers
    many = queries({})  # 12 on the page
    assert many == few


def test_a_cached_listing_asks_the_database_nothing(client_a):
    client_a.get("/catalogue/")
    with CaptureQueriesContext(connection) as ctx:
        body = client_a.get("/catalogue/").content.decode()
    routing = ("SET search_path", 'SELECT "tenants_domain"')  # the host lookup: cached outside tests
    assert [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(routing)] == []
    assert "畅享 39 元套餐" in body and 'name="csrfmiddlewaretoken" value="' in body
    assert fragments.CSRF_HOLE not in body and "<!--compare:" not in body


def test_search_finds_chinese_substrings_and_tags(client_a):
    body = client_a.get("/catalogue/", {"q": "千兆"}).content.decode()
    assert "1000M 千兆宽带 · 1 年" in body and "畅享 39 元套餐" not in body
    body = client_a.get("/catalogue/", {"q": "学生"}).content.decode()  # a tag
    assert "校园青春卡套餐" in body


def test_pagination(client_a):
    first = client_a.get("/catalogue/").content.decode()
    second = client_a.get("/catalogue/", {"page": "2"}).content.decode()
    assert "第 1 页，共 3 页" in first and "第 2 页，共 3 页" in second


def test_offer_detail_and_its_404s(client_a):
    body = client_a.get("/offers/plan-4/").content.decode()
    assert "畅享 79 元套餐" in body and "100 GB" in body and "¥79" in body
    assert client_a.get("/offers/no-such-offer/").status_code == 404
    with schema_context("c_alpha"):
        catalog_services.set_status(Offer.objects.filter(slug="plan-4"), Offer.Status.OFF_SALE)  # the admin's action
    missing = client_a.get("/offers/plan-4/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()


def test_sim_offer_calls_for_a_number(client_a):
    body = client_a.get("/offers/sim-1/").content.decode()
    assert 'data-testid="select-number"' in body and "/numbers/?offer=sim-1" in body


def test_availability_follows_the_chosen_city(client_a):
    body = client_a.get("/offers/broadband-4/").content.decode()  # gigabit: first city only
    assert "仅部分城市可办理，请选择城市查看。" in body
    client_a.post("/city/", {"city": "shenzhen"})
    body = client_a.get("/offers/broadband-4/").content.decode()
    assert "深圳暂不可办理" in body and 'data-testid="add-to-cart"' not in body
    client_a.post("/city/", {"city": "guangzhou"})
    body = client_a.get("/offers/broadband-4/").content.decode()
    assert "广州可办理" in body and 'data-testid="add-to-cart"' in body


def test_city_choice_is_remembered_and_filters_listings(client_a):
    client_a.post("/city/", {"city": "shenzhen"})
    body = client_a.get("/catalogue/broadband/").content.decode()
    assert "1000M 千兆宽带" not in body and "300M 光宽带" in body
    response = client_a.post("/city/", {"city": "atlantis"}, follow=True)
    assert response.status_code == 200 and "暂不支持该城市" in response.content.decode()
    assert "1000M 千兆宽带" in client_a.get("/catalogue/broadband/").content.decode()  # back to all cities


def test_compare_two_to_four_offers_of_one_kind(client_a, carrier_a):
    with schema_context(carrier_a.schema_name):
        ids = {o.slug: o.pk for o in Offer.objects.all()}
    client_a.post("/compare/add/", {"offer": ids["plan-2"]})
    client_a.post("/compare/add/", {"offer": ids["plan-5"]})
    body = client_a.get("/compare/").content.decode()
    assert 'data-testid="compare-table"' in body and "畅享 39 元套餐" in body and "150 GB" in body
    refused = client_a.post("/compare/add/", {"offer": ids["phone-1"]}, follow=True).content.decode()
    assert "只能比较同一类" in refused
    for slug in ("plan-1", "plan-3", "plan-4"):
        last = client_a.post("/compare/add/", {"offer": ids[slug]}, follow=True).content.decode()
    assert "最多比较 4 个" in last
    client_a.post("/compare/remove/", {"offer": ids["plan-2"]})
    assert "畅享 39 元套餐" not in client_a.get("/compare/").content.decode().split("<table")[1]
    assert client_a.post("/compare/add/", {"offer": "nonsense"}, follow=True).status_code == 200


def test_zero_in_a_comparison_reads_as_words_not_as_zero_months():
    from catalog.kinds import KINDS

    plan = {a.name: a for a in KINDS["plan"].attributes}
    assert plan["contract_months"].display(0) == "无合约" and plan["contract_months"].display(12) == "12 个月"
    assert plan["voice_minutes"].display(0) == "不含" and plan["data_gb"].display(0) == "0 GB"
    broadband = {a.name: a for a in KINDS["broadband"].attributes}
    assert broadband["installation_fee"].display("0.00") == "免费"


def test_demo_offers_promise_what_their_kind_delivers(in_carrier_a):
    """No 包邮 / 7 天无理由 on broadband or a data pack; an add-on's amount has its unit."""
    from catalog.models import Offer

    for offer in Offer.objects.filter(kind__in=["broadband", "addon", "plan"]):
        assert "包邮" not in offer.description and "无理由" not in offer.description, offer.slug
    assert "上门安装" in Offer.objects.filter(kind="broadband").first().description
    addon = Offer.objects.filter(kind="addon", attributes__addon_type="data").first()
    rows = {str(label): value for label, value in addon.attribute_rows()}
    assert rows["类别"] == "流量包" and rows["额度"].endswith("GB"), rows
