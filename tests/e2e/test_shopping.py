"""A subscriber on a phone: filter a category, open an offer, compare two, add to cart, see the total."""

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_filter_open_compare_and_buy(phone, web_server, artifacts):
    base = f"http://alpha.localhost:{web_server}"
    phone.goto(f"{base}/catalogue/plans/")
    phone.get_by_text("筛选与排序").click()
    phone.locator("input[name=data_gb]").fill("100")
    phone.locator(".filter-form").get_by_role("button", name="确定").click()
    phone.wait_for_url(re.compile(r"data_gb=100"))
    cards = phone.get_by_test_id("offer-card")
    assert cards.count() == 3
    assert phone.locator(".result-count").inner_text() == "共 3 个商品"

    phone.get_by_text("畅享 79 元套餐").click()
    assert phone.get_by_test_id("offer-name").inner_text() == "畅享 79 元套餐"
    phone.get_by_test_id("add-to-compare").click()
    phone.wait_for_load_state()  # adding posts and comes back; going back mid-navigation is flaky
    phone.goto(f"{base}/catalogue/plans/?data_gb=100")
    phone.get_by_text("畅享 99 元套餐").click()
    phone.get_by_test_id("add-to-compare").click()
    phone.get_by_text("查看对比").click()
    table = phone.get_by_test_id("compare-table")
    assert table.locator("thead th").count() == 3  # a label column and two offers
    assert "100 GB" in table.inner_text() and "150 GB" in table.inner_text()
    phone.screenshot(path=str(artifacts / "compare-alpha.png"), full_page=True)

    phone.get_by_role("link", name="畅享 79 元套餐").click()
    phone.get_by_test_id("add-to-cart").click()
    phone.wait_for_url(f"{base}/cart/")
    phone.goto(f"{base}/offers/addon-2/")
    phone.locator("input[name=quantity]").fill("2")
    phone.get_by_test_id("add-to-cart").click()
    phone.wait_for_url(f"{base}/cart/")
    assert phone.get_by_test_id("cart-line").count() == 2
    assert phone.get_by_test_id("cart-total").inner_text() == "¥99"
    phone.screenshot(path=str(artifacts / "cart-alpha.png"), full_page=True)
