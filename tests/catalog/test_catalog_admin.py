"""Staff run the catalogue in their carrier's admin; roles limit who may do what."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from catalog.models import Category, Offer
from tests.support.clients import STAFF_PASSWORD, sign_in


@pytest.fixture
def staff_a(client_a):
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    return client_a


def _plan_form(category_id, **overrides):
    data = {
        "kind": "plan",
        "category": category_id,
        "name": "员工新建套餐",
        "slug": "staff-plan",
        "subtitle": "",
        "status": "on_sale",
        "list_price": "88",
        "sale_price": "68",
        "attr_data_gb": "80",
        "attr_voice_minutes": "500",
        "attr_sms": "100",
        "attr_contract_months": "12",
        "attr_is_5g": "on",
        "available_cities": "",
        "description": "<p>好<script>x()</script></p>",
        "terms": "",
        "tags": "5G,新品",
        "sort_weight": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_add_offer_asks_for_the_kind_first(staff_a):
    page = staff_a.get("/admin/catalog/offer/add/").content.decode()
    assert "?kind=plan" in page and "?kind=phone" in page
    form = staff_a.get("/admin/catalog/offer/add/?kind=broadband").content.decode()
    assert "attr_bandwidth_mbps" in form and "attr_data_gb" not in form


def test_staff_create_an_offer_with_its_attributes(staff_a, carrier_a):
    with schema_context(carrier_a.schema_name):
        plans = Category.objects.get(slug="plans").pk
    response = staff_a.post("/admin/catalog/offer/add/?kind=plan", _plan_form(plans))
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context(carrier_a.schema_name):
        offer = Offer.objects.get(slug="staff-plan")
        assert offer.attributes == {
            "data_gb": 80,
            "voice_minutes": 500,
            "sms": 100,
            "contract_months": 12,
            "is_5g": True,
        }
        assert offer.tags == ["5G", "新品"] and "script" not in offer.description
    assert "员工新建套餐" in staff_a.get("/offers/staff-plan/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"sale_price": "-1"}, "sale_price", "确保该值大于或等于0"),
        ({"sale_price": "99"}, "sale_price", "售价不能高于原价"),
        ({"attr_data_gb": "-5"}, "attr_data_gb", "确保该值大于或等于0"),
        ({"attr_data_gb": ""}, "attr_data_gb", "该字段是必填项"),
    ],
)
def test_bad_offers_are_refused_with_the_reason_next_to_the_field(staff_a, carrier_a, overrides, field, message):
    with schema_context(carrier_a.schema_name):
        plans = Category.objects.get(slug="plans").pk
    response = staff_a.post("/admin/catalog/offer/add/?kind=plan", _plan_form(plans, **overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and any(message in m for m in errors[field]), errors
    with schema_context(carrier_a.schema_name):
        assert not Offer.objects.filter(slug="staff-plan").exists()


def test_bulk_off_sale_and_on_sale(staff_a, carrier_a):
    with schema_context(carrier_a.schema_name):
        ids = list(Offer.objects.filter(kind="addon").values_list("pk", flat=True))
    staff_a.post("/admin/catalog/offer/", {"action": "take_off_sale", "_selected_action": ids})
    with schema_context(carrier_a.schema_name):
        assert set(Offer.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"off_sale"}
    assert "加油包" not in staff_a.get("/catalogue/addons/").content.decode().split("<main")[1].split("result-count")[1]
    staff_a.post("/admin/catalog/offer/", {"action": "put_on_sale", "_selected_action": ids})
    with schema_context(carrier_a.schema_name):
        assert set(Offer.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"on_sale"}


def _image(fmt="PNG", size=(10, 10)):
    out = io.BytesIO()
    Image.new("RGB", size, "#123456").save(out, format=fmt)
    return out.getvalue()


def test_image_uploads_must_be_images(staff_a, carrier_a):
    with schema_context(carrier_a.schema_name):
        offer = Offer.objects.get(slug="plan-1")
        category = offer.category_id
    url = f"/admin/catalog/offer/{offer.pk}/change/"
    base = _plan_form(
        category,
        slug="plan-1",
        name=offer.name,
        **{
            "attr_data_gb": "10",
            "attr_voice_minutes": "100",
            "attr_sms": "0",
            "attr_contract_months": "0",
            "attr_is_5g": "",
            "list_price": "19",
            "sale_price": "19",
            "description": "",
        },
    )
    base.pop("kind")
    with schema_context(carrier_a.schema_name):
        existing = offer.images.count()
    base.update({"images-TOTAL_FORMS": str(existing + 1), "images-INITIAL_FORMS": str(existing)})
    with schema_context(carrier_a.schema_name):
        for i, image in enumerate(offer.images.all()):
            base.update(
                {
                    f"images-{i}-id": str(image.pk),
                    f"images-{i}-offer": str(offer.pk),
                    f"images-{i}-alt": image.alt,
                    f"images-{i}-sort_weight": "1",
                }
            )
    fake = dict(
        base,
        **{
            f"images-{existing}-image": SimpleUploadedFile("evil.png", b"<script>alert(1)</script>"),
            f"images-{existing}-alt": "x",
            f"images-{existing}-sort_weight": "0",
        },
    )
    refused = staff_a.post(url, fake)
    assert refused.status_code == 200 and "请上传有效图片" in refused.content.decode()
    gif = dict(
        base,
        **{
            f"images-{existing}-image": SimpleUploadedFile("anim.gif", _image("GIF"), "image/gif"),
            f"images-{existing}-alt": "x",
            f"images-{existing}-sort_weight": "0",
        },
    )
    refused = staff_a.post(url, gif)
    assert refused.status_code == 200 and "不是可用的图片（PNG、JPEG 或 WebP）" in refused.content.decode()
    real = dict(
        base,
        **{
            f"images-{existing}-image": SimpleUploadedFile("ok.png", _image(), "image/png"),
            f"images-{existing}-alt": "ok",
            f"images-{existing}-sort_weight": "0",
        },
    )
    accepted = staff_a.post(url, real)
    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    with schema_context(carrier_a.schema_name):
        assert offer.images.count() == existing + 1


def test_roles_limit_staff_to_their_work(client_a, carrier_a):
    with schema_context(carrier_a.schema_name):
        users = get_user_model().objects
        catalogue = users.create_user("cat-mgr", password="Cat-pass-2026", is_staff=True)
        catalogue.groups.add(Group.objects.get(name="商品管理员"))
        orders = users.create_user("ord-hdl", password="Ord-pass-2026", is_staff=True)
        orders.groups.add(Group.objects.get(name="订单处理员"))
    assert sign_in(client_a, "cat-mgr", "Cat-pass-2026")
    assert client_a.get("/admin/catalog/offer/").status_code == 200
    assert client_a.get("/admin/auth/user/").status_code == 403
    client_a.post("/admin/logout/")
    assert sign_in(client_a, "ord-hdl", "Ord-pass-2026")
    assert client_a.get("/admin/catalog/offer/").status_code == 403
    assert client_a.get("/admin/orders/cart/").status_code in (200, 404)


def test_uploads_are_reencoded_and_capped():
    from django.core.exceptions import ValidationError

    from core.uploads import MAX_SIDE, validate_image_upload

    big = SimpleUploadedFile("big.png", _image(size=(MAX_SIDE + 500, 100)), "image/png")
    cleaned = validate_image_upload(big)
    assert Image.open(cleaned).size[0] == MAX_SIDE and cleaned.name.endswith(".jpg")
    huge = SimpleUploadedFile("huge.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 1), "image/png")
    with pytest.raises(ValidationError, match="2 MB"):
        validate_image_upload(huge)
