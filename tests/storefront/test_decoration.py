"""Shop decoration: theme tokens, block validation and sanitising, versions, cache, permissions."""

import copy
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django_tenants.utils import schema_context

from catalog.models import Offer
from promotions.models import CouponBatch, Promotion
from storefront.decoration import documents, services
from storefront.decoration.blocks import REGISTRY, BlockSettingsForm, settings_as_form_data
from storefront.decoration.contrast import contrast_ratio
from storefront.decoration.fields import LinkField
from storefront.decoration.models import Page
from storefront.decoration.preview import make_token
from storefront.decoration.theme import DEFAULT_TOKENS, ThemeForm
from storefront.templatetags.shop import sanitize
from tests.support.clients import HOME_NOTICE, STAFF_PASSWORD, host_client, sign_in


def test_contrast_ratio_matches_wcag():
    assert round(contrast_ratio("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast_ratio("#777777", "#FFFFFF"), 2) == 4.48
    assert contrast_ratio("#FFFFFF", "#C8102E") > 4.5


def _theme_data(**overrides):
    data = {k: v for k, v in DEFAULT_TOKENS.items() if v is not None}
    data.update(overrides)
    return data


def test_theme_form_names_the_failing_pair_and_the_shortfall():
    form = ThemeForm(_theme_data(primary="#FFD54F"))  # white text on light yellow
    assert not form.is_valid()
    message = " ".join(form.errors["on_primary"])
    assert message.startswith("主色上的文字（标题栏、按钮）：对比度 1.")  # the pair and its ratio
    assert "低于 WCAG AA 对文字要求的 4.5:1（差 " in message  # and by how much it falls short


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("primary", "red"),
        ("primary", "#12345"),
        ("text", "#GGGGGG"),
        ("radius", "99"),
        ("font_scale", "3"),
        ("header_style", "neon"),
    ],
)
def test_theme_form_refuses_bad_tokens(field, value):
    assert field in ThemeForm(_theme_data(**{field: value})).errors


def test_light_header_checks_primary_on_background():
    form = ThemeForm(_theme_data(header_style="light", primary="#FFB300", on_primary="#000000"))
    assert not form.is_valid() and "primary" in form.errors


def _form(block_type, settings):
    return BlockSettingsForm(REGISTRY[block_type], settings_as_form_data(REGISTRY[block_type], settings))


def test_every_block_type_has_a_template_and_valid_defaults_or_asks_for_input(in_carrier_a):
    from django.template.loader import get_template

    needs_input = {
        "banner",
        "image_hotspot",
        "coupon",
        "flash_sale",
        "notice_bar",
        "rich_text",
    }  # an image, a text, a batch
    for code, block_type in REGISTRY.items():
        get_template(block_type.template)
        valid = _form(code, block_type.defaults).is_valid()
        assert valid == (code not in needs_input), code


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("route:numbers", True),
        ("product:plan-1", True),
        ("category:plans", True),
        ("https://example.com/x", True),
        ("javascript:alert(1)", False),
        ("http://example.com", False),
        ("product:nope", False),
        ("route:evil", False),
        ("category:../../x", False),
        ("data:text/html,<script>", False),
        (" https://a b", False),
    ],
)
def test_links_are_typed_and_must_point_at_something(in_carrier_a, link, ok):
    field = LinkField(required=False)
    if ok:
        assert field.clean(link) == link
    else:
        with pytest.raises(forms.ValidationError):
            field.clean(link)


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<iframe src=//evil></iframe>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>body{display:none}</style>",
    '<div onmouseover="alert(1)">x</div>',
    "<object data=x></object>",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("html", XSS)
def test_rich_text_xss_corpus_is_neutralised(in_carrier_a, html):
    form = _form("rich_text", {"html": html})
    assert form.is_valid()
    for cleaned in (form.settings()["html"], str(sanitize(html))):
        lowered = cleaned.lower()
        for bad in (
            "<script",
            "onerror",
            "onload",
            "onmouseover",
            "javascript:",
            "<iframe",
            "<style",
            "style=",
            "<object",
            "data:text",
        ):
            assert bad not in lowered, (html, cleaned)


def test_product_grid_must_name_a_real_category(in_carrier_a):
    settings = dict(REGISTRY["product_grid"].defaults, source="category", value="no-such-category")
    form = _form("product_grid", settings)
    assert not form.is_valid() and "value" in form.errors
    assert _form("product_grid", dict(settings, value="plans")).is_valid()
    assert not _form("product_grid", dict(settings, limit=21)).is_valid()


def test_block_limits_per_page(in_carrier_a):
    doc = documents.empty_page()
    for _i in range(2):
        doc, _sid = documents.add_section(doc, "number_search")
    problems = documents.validate_page(doc, [])
    assert "一个页面最多 1 个“选号搜索”模块。" in problems


def test_document_operations_keep_ids_stable():
    doc, a = documents.add_section(documents.empty_page(), "spacer")
    doc, b = documents.add_section(doc, "rich_text")
    doc = documents.move_section(doc, b, -1)
    assert [s["id"] for s in doc["sections"]] == [b, a]
    doc = documents.duplicate_section(doc, b)
    assert len(doc["sections"]) == 3 and doc["sections"][1]["type"] == "rich_text" and doc["sections"][1]["id"] != b
    doc = documents.toggle_section(doc, a)
    assert doc["sections"][2]["disabled"] is True
    doc = documents.delete_section(doc, b)
    assert [s["id"] for s in doc["sections"]][-1] == a


def _notice(text):
    return {
        "schema_version": 1,
        "sections": [documents.new_section("notice_bar", {"text": text, "link": "", "tone": "info"})],
    }


def test_versions_publish_and_rollback(in_carrier_a, django_capture_on_commit_callbacks):
    home = services.page("home")
    v1 = home.live_version
    draft = services.save_draft(home, _notice("夏季大促"), None, services.latest_version(home).pk)
    assert draft.number == v1.number + 1 and not draft.is_published
    assert HOME_NOTICE in host_client("alpha.localhost").get("/").content.decode()  # drafts are not live
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(home, draft)
    assert "夏季大促" in host_client("alpha.localhost").get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        restored = services.rollback(home, v1)
    assert restored.number == draft.number + 1 and restored.document == v1.document
    body = host_client("alpha.localhost").get("/").content.decode()
    assert HOME_NOTICE in body and "夏季大促" not in body
    v1.refresh_from_db()
    assert v1.document["sections"][0]["settings"]["text"] == HOME_NOTICE  # published versions never change


def test_a_stale_save_is_refused_not_overwritten(in_carrier_a):
    home = services.page("home")
    base = services.latest_version(home).pk
    services.save_draft(home, _notice("甲的修改"), None, base)
    with pytest.raises(services.EditConflict):
        services.save_draft(home, _notice("乙的修改"), None, base)
    assert services.latest_version(home).document["sections"][0]["settings"]["text"] == "甲的修改"


def test_publish_validates_again(in_carrier_a):
    home = services.page("home")
    broken = copy.deepcopy(_notice("x"))
    broken["sections"][0]["settings"]["link"] = "javascript:alert(1)"
    from storefront.decoration.models import PageVersion

    sneaked = PageVersion.objects.create(page=home, number=999, document=broken)  # written around the service
    with pytest.raises(documents.DocumentError):
        services.publish(home, sneaked)


def test_cache_is_dropped_on_publish(in_carrier_a, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    client = host_client("alpha.localhost")
    client.get("/")  # fills the cache
    with django_assert_max_num_queries(4):  # theme and page come from the cache
        client.get("/")
    home = services.page("home")
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(home, services.save_draft(home, _notice("新公告"), None, services.latest_version(home).pk))
    assert "新公告" in client.get("/").content.decode()


def test_a_block_that_cannot_render_is_skipped(in_carrier_a, django_capture_on_commit_callbacks):
    from catalog.models import Category

    Category.objects.create(slug="temp", name="临时", kind="plan")
    offer = Offer.objects.filter(kind="plan").first()
    Offer.objects.filter(pk=offer.pk).update(category=Category.objects.get(slug="temp"))
    doc = _notice("还在")
    doc["sections"].insert(
        0,
        documents.new_section(
            "product_grid", dict(REGISTRY["product_grid"].defaults, source="category", value="temp", title="临时专区")
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_document(Page.Kind.HOME, "home", "首页", doc)
    assert "临时专区" in host_client("alpha.localhost").get("/").content.decode()
    temp = Category.objects.get(slug="temp")
    temp.is_active = False  # the grid's category goes away
    temp.save()
    body = host_client("alpha.localhost").get("/").content.decode()
    assert "还在" in body and "临时专区" not in body


def _staff(username, group=None):
    with schema_context("c_alpha"):
        user = get_user_model().objects.create_user(username, password="Staff-pass-2026", is_staff=True)
        if group:
            user.groups.add(Group.objects.get(name=group))


def test_permissions_to_decorate_and_publish(client_a):
    _staff("plain")
    _staff("designer", "店铺装修员")
    assert sign_in(client_a, "plain", "Staff-pass-2026")
    assert client_a.get("/admin/decoration/home/").status_code == 403
    client_a.post("/admin/logout/")
    assert sign_in(client_a, "designer", "Staff-pass-2026")
    assert client_a.get("/admin/decoration/home/").status_code == 200
    with schema_context("c_alpha"):
        latest = services.latest_version(services.page("home"))
    assert client_a.post("/admin/decoration/home/publish/", {"version": latest.pk}).status_code == 403


def test_subscribers_and_other_carriers_staff_cannot_edit_or_preview(client_a, client_b):
    with schema_context("c_alpha"):
        get_user_model().objects.create_user("13900000077", password="Sub-pass-2026")
        version = services.latest_version(services.page("home"))
    client_a.post("/me/login/", {"username": "13900000077", "password": "Sub-pass-2026"})
    editor = client_a.get("/admin/decoration/home/")
    assert editor.status_code == 302 and "/admin/login/" in editor["Location"]
    assert client_a.get(f"/preview/home/{version.pk}/").status_code == 404
    assert sign_in(client_b, "admin", STAFF_PASSWORD)  # beta's staff, on beta's host
    client_a.cookies["sessionid"] = client_b.cookies["sessionid"].value
    assert client_a.get("/admin/decoration/home/").status_code == 302


def test_preview_needs_a_valid_token_and_is_never_indexed(in_carrier_a):
    version = services.latest_version(services.page("home"))
    client = host_client("alpha.localhost")
    assert client.get(f"/preview/home/{version.pk}/").status_code == 404
    assert client.get(f"/preview/home/{version.pk}/", {"t": make_token(version) + "x"}).status_code == 404
    response = client.get(f"/preview/home/{version.pk}/", {"t": make_token(version)})
    assert response.status_code == 200 and HOME_NOTICE in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_a_preview_token_from_another_carrier_opens_nothing(in_carrier_a):
    """Page and version ids repeat in every schema: beta's draft under a token alpha signed is a 404."""
    with schema_context("c_beta"):
        services.publish_document(
            Page.Kind.HOME,
            "home",
            "首页",
            {
                "schema_version": 1,
                "sections": [
                    {
                        "id": "secret",
                        "type": "notice_bar",
                        "disabled": False,
                        "settings": {"text": "BETA-DRAFT-SECRET", "link": "", "tone": "info"},
                    }
                ],
            },
        )
        version = services.latest_version(services.page("home"))
        own_token = make_token(version)
    with schema_context("c_alpha"):  # the same ids, signed at alpha: what alpha's editor would hand out
        foreign_token = make_token(version)
    client = host_client("beta.localhost")
    assert client.get(f"/preview/home/{version.pk}/", {"t": foreign_token}).status_code == 404
    response = client.get(f"/preview/home/{version.pk}/", {"t": own_token})
    assert response.status_code == 200 and "BETA-DRAFT-SECRET" in response.content.decode()


def test_editor_flow_and_concurrent_editors(client_a, carrier_a):
    other = host_client("alpha.localhost")
    assert sign_in(client_a, "admin", STAFF_PASSWORD) and sign_in(other, "admin", STAFF_PASSWORD)
    with schema_context("c_alpha"):
        base = services.latest_version(services.page("home")).pk
    added = client_a.post("/admin/decoration/home/change/", {"action": "add", "type": "coupon", "base_version": base})
    form_url = added["Location"]
    missing = client_a.post(form_url, {"base_version": base, "title": "", "batch": ""})
    assert missing.status_code == 200 and "errorlist" in missing.content.decode()  # errors beside the fields
    with schema_context("c_alpha"):
        from tests.support import promotions as make

        batch = make.batch(make.coupon_promotion(min_spend=Decimal("100")), name="满减券")
    saved = client_a.post(form_url, {"base_version": base, "title": "满 100 减 10", "batch": str(batch.pk)})
    assert saved.status_code == 302
    # The other editor still shows `base` and moves a block: refused, nothing overwritten.
    with schema_context("c_alpha"):
        first_id = services.latest_version(services.page("home")).document["sections"][0]["id"]
    stale = other.post(
        "/admin/decoration/home/change/", {"action": "down", "section": first_id, "base_version": base}, follow=True
    )
    assert "在您打开之后保存了本页面的版本" in stale.content.decode()
    with schema_context("c_alpha"):
        latest = services.latest_version(services.page("home"))
        assert [s["type"] for s in latest.document["sections"]] == ["notice_bar", "coupon"]
    assert client_a.post("/admin/decoration/home/publish/", {"version": latest.pk}).status_code == 302
    home = host_client("alpha.localhost").get("/").content.decode()
    assert "满 100 减 10" in home and 'action="/coupons/claim/"' in home


def test_a_coupon_card_only_advertises_a_discount_checkout_really_gives(in_carrier_a):
    """A coupon card is bound to a claimable batch of a real promotion: it shows that promotion's
    reward and condition (never an amount staff typed), and disappears the moment it is paused."""
    from tests.support import promotions as make

    live = make.batch(make.coupon_promotion(reward_value=Decimal("20"), description="新用户立减"), name="新人券")
    code_only = make.batch(make.coupon_promotion(), kind="public", code="TYPED20")
    refused = _form("coupon", {"title": "新用户立减", "batch": str(code_only.pk)})
    assert not refused.is_valid()  # a code to type is no coupon to claim
    assert not _form("coupon", {"title": "新用户立减", "amount": "20"}).is_valid()  # a typed amount is no discount
    document = {
        "schema_version": 1,
        "sections": [
            {"id": "c1", "type": "coupon", "disabled": False, "settings": {"title": "限时立减", "batch": str(live.pk)}}
        ],
    }
    services.publish_document(Page.Kind.HOME, "home", "首页", document)
    home = host_client("alpha.localhost").get("/").content.decode()
    assert "限时立减" in home and "¥20" in home and 'action="/coupons/claim/"' in home
    connection.set_tenant(in_carrier_a)
    promotion = live.promotion
    promotion.status = "paused"  # staff pause it: the card goes at once
    promotion.save()
    assert "限时立减" not in host_client("alpha.localhost").get("/").content.decode()


def test_a_demo_shops_coupon_card_is_its_festivals_claimable_coupon(in_carrier_a):
    """A demo home's coupon card binds to the demo festival's real claimable batch (never a typed amount)."""
    from demo.carriers import CARRIERS, _home_document
    from demo.promotions import demo_staff, seed_promotions

    seed_promotions(*demo_staff())
    demo = next(d for d in CARRIERS if "coupon" in d.home)
    banners = [SimpleNamespace(pk=1), SimpleNamespace(pk=2)]
    sections = {s["type"]: s["settings"] for s in _home_document(demo, banners)["sections"]}
    assert CouponBatch.objects.get(pk=sections["coupon"]["batch"]).kind == "claimable"
    assert Promotion.objects.get(pk=sections["flash_sale"]["promotion"]).flash


def test_uploads_for_the_shop_must_be_images(client_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    bad = client_a.post(
        "/admin/decoration/images/",
        {"title": "x", "image": SimpleUploadedFile("x.png", b"<?php evil(); ?>", "image/png")},
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()


def test_theme_is_edited_and_published_through_the_editor(client_a, django_capture_on_commit_callbacks):
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    page = client_a.get("/admin/decoration/theme/")
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    with schema_context("c_alpha"):
        base = services.latest_version(services.page("theme")).pk
    low = client_a.post(
        "/admin/decoration/theme/", dict(data, on_primary="#FFFFFF", primary="#FFEB3B", base_version=base)
    )
    assert low.status_code == 200 and "对比度" in low.content.decode()
    ok = client_a.post("/admin/decoration/theme/", dict(data, primary="#6A1B9A", base_version=base))
    assert ok.status_code == 302
    with schema_context("c_alpha"):
        draft = services.latest_version(services.page("theme"))
    with django_capture_on_commit_callbacks(execute=True):  # the cache is dropped after commit
        published = client_a.post("/admin/decoration/theme/publish/", {"version": draft.pk}, follow=True)
    assert "已发布版本" in published.content.decode()
    assert "--hall-primary:#6a1b9a" in host_client("alpha.localhost").get("/").content.decode()
