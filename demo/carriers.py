"""Demo data: three fictional carriers with their own look, staff and subscriber accounts.

Idempotent: running it again creates only what is missing and never changes what staff edited.
Each carrier gets its own theme, logo, catalogue and a decorated home page with its own blocks."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from PIL import Image, ImageDraw, ImageFont

from demo.catalog import seed_catalogue, seed_deposit_offers
from demo.numbers import seed_pool
from demo.orders import seed_orders
from demo.promotions import demo_staff, seed_promotions
from demo.simulators import seed_bss
from promotions.models import CouponBatch, Promotion
from storefront.decoration import services as decoration
from storefront.decoration.documents import SCHEMA_VERSION, new_section
from storefront.decoration.models import Page
from storefront.roles import ensure_staff_roles
from subscribers import bindings
from subscribers.models import BoundNumber, SignInProof
from tenants.models import Carrier, CarrierGroup
from tenants.services import CarrierSpec, create_carrier, ensure_public_tenant, schema_name_for
from tenants.simulators.models import SimSubscriber

STAFF_USERNAME, STAFF_PASSWORD = "admin", "HallStaff-2026"
SUBSCRIBER_PASSWORD = "Subscriber-2026"
OPERATOR_USERNAME, OPERATOR_PASSWORD = "operator", "HallOps-2026"


@dataclass(frozen=True)
class DemoCarrier:
    slug: str
    name: str
    group: str
    kind: str
    region: str
    initials: str
    theme: dict  # theme tokens (colours, header style, tagline)
    subscriber: str  # the demo subscriber's mobile number, also its username
    cities: tuple  # (code, name, province) the carrier sells in; the first gets gigabit fibre
    home: tuple  # block types of the home page, in order
    segments: tuple = ("180",)  # number segments the carrier sells from
    price_factor: str = "1"


GROUPS = {"tianlian": "天联通信集团"}
CARRIERS = [
    DemoCarrier(
        "tl-gd",
        "天联通信广东",
        "tianlian",
        Carrier.Kind.BRANCH,
        "广东",
        "GD",
        {
            "primary": "#C8102E",
            "accent": "#FFE8CC",
            "on_accent": "#7A3300",
            "secondary": "#C4001A",
            "radius": 12,
            "tagline": "广东用户的掌上营业厅",
        },
        "18000000001",
        (
            ("guangzhou", "广州", "广东"),
            ("shenzhen", "深圳", "广东"),
            ("foshan", "佛山", "广东"),
            ("dongguan", "东莞", "广东"),
        ),
        (
            "notice_bar",
            "banner",
            "coupon",
            "icon_grid",
            "flash_sale",
            "product_grid:plan",
            "product_grid:phone",
            "rich_text",
        ),
        ("180", "189"),
    ),
    DemoCarrier(
        "tl-zj",
        "天联通信浙江",
        "tianlian",
        Carrier.Kind.BRANCH,
        "浙江",
        "ZJ",
        {
            "primary": "#0B57A4",
            "accent": "#DDF4F3",
            "on_accent": "#005F5D",
            "secondary": "#0B57A4",
            "radius": 4,
            "font_scale": "1.050",
            "tagline": "浙江用户的掌上营业厅",
        },
        "18100000002",
        (("hangzhou", "杭州", "浙江"), ("ningbo", "宁波", "浙江"), ("wenzhou", "温州", "浙江")),
        ("banner", "icon_grid", "number_search", "product_grid:broadband", "product_grid:sim", "spacer", "notice_bar"),
        ("133", "153"),
    ),
    DemoCarrier(
        "qingniao",
        "青鸟移动",
        "",
        Carrier.Kind.MVNO,
        "全国",
        "QN",
        {
            "primary": "#00704A",
            "accent": "#FFF3C4",
            "on_accent": "#6B4E00",
            "secondary": "#B3261E",
            "header_style": "light",
            "radius": 20,
            "tagline": "轻松用网，青鸟移动",
        },
        "17000000003",
        (("beijing", "北京", "北京"), ("shanghai", "上海", "上海"), ("chengdu", "成都", "四川")),
        ("number_search", "product_grid:sim", "icon_grid", "banner", "product_grid:addon", "rich_text"),
        ("1700", "1701"),
        "0.9",
    ),
]


def logo_png(initials: str, colour: str, size=(128, 128), font_size=56) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size)
    box = draw.textbbox((0, 0), initials, font=font)
    x = (size[0] - (box[2] - box[0])) / 2 - box[0]
    y = (size[1] - (box[3] - box[1])) / 2 - box[1]
    draw.text((x, y), initials, fill="#FFFFFF", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _asset(title, png: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return decoration.upload_asset(SimpleUploadedFile(f"{title}.png", png, "image/png"), title)


def _home_document(demo: DemoCarrier, banners) -> dict:
    sections = []
    for entry in demo.home:
        block, _sep, kind = entry.partition(":")
        settings = None
        if block == "coupon":  # bound to the festival's claimable coupon (demo/promotions.py)
            batch = CouponBatch.objects.filter(kind=CouponBatch.Kind.CLAIMABLE).order_by("pk").first()
            settings = {"title": "新人领券", "batch": str(batch.pk) if batch else ""}
        elif block == "flash_sale":
            flash = Promotion.objects.filter(flash=True).order_by("pk").first()
            settings = {"title": "限时抢购", "promotion": str(flash.pk) if flash else "", "limit": 4}
        elif block == "banner":
            settings = {
                "autoplay": True,
                "interval": 4,
                "items": [
                    {"image": banners[0].pk, "alt": "5G 新品首发", "link": "category:phones"},
                    {"image": banners[1].pk, "alt": "千兆宽带限时优惠", "link": "category:broadband"},
                ],
            }
        elif block == "product_grid":
            titles = {
                "plan": "热门套餐",
                "phone": "5G 手机",
                "broadband": "宽带办理",
                "sim": "号卡专区",
                "addon": "流量加油包",
            }
            settings = {
                "title": titles[kind],
                "source": "kind",
                "value": kind,
                "sort": "popular" if kind in ("plan", "sim") else "recommended",
                "limit": 6 if kind == "phone" else 4,
                "columns": 3 if kind == "phone" else 2,
            }
        elif block == "notice_bar":
            settings = {
                "text": f"{demo.name}：号卡包邮到家，签收后未激活 7 天内可退；宽带预约上门安装。",
                "link": "",
                "tone": "info",
            }
        elif block == "rich_text":
            settings = {"html": "<h3>服务承诺</h3><ul><li>实名办理，信息加密保存</li><li>号码所见即所得</li></ul>"}
        elif block == "icon_grid" and demo.kind == Carrier.Kind.BRANCH:
            settings = {
                "columns": 4,
                "items": [
                    {"icon": "numbers", "label": "选号", "link": "route:numbers"},
                    {"icon": "plan", "label": "套餐", "link": "category:plans"},
                    {"icon": "broadband", "label": "宽带", "link": "category:broadband"},
                    {"icon": "phone", "label": "手机", "link": "category:phones"},
                    {"icon": "topup", "label": "充值", "link": "route:topup"},
                    {"icon": "renew", "label": "宽带续约", "link": "route:broadband"},
                    {"icon": "deposit", "label": "存费送费", "link": "route:deposit"},
                    {"icon": "gift", "label": "加油包", "link": "category:addons"},
                ],
            }
        sections.append(new_section(block, settings))
    return {"schema_version": SCHEMA_VERSION, "sections": sections}


PARTNER_USERNAME = "channel-partner"  # `manage.py create_api_token --username channel-partner` issues its tokens


def seed_carrier(demo: DemoCarrier) -> tuple[Carrier, bool]:
    carrier = Carrier.objects.filter(slug=demo.slug).first()
    created = carrier is None
    if created:
        carrier = create_carrier(
            CarrierSpec(
                slug=demo.slug,
                name=demo.name,
                group=demo.group,
                region=demo.region,
                kind=demo.kind,
                admin_username=STAFF_USERNAME,
                admin_password=STAFF_PASSWORD,
            )
        )
    with schema_context(carrier.schema_name), transaction.atomic():
        users = get_user_model().objects
        if not users.filter(username=demo.subscriber).exists():
            users.create_user(username=demo.subscriber, password=SUBSCRIBER_PASSWORD)
        if not users.filter(username=PARTNER_USERNAME).exists():  # a channel partner: signs in with API tokens only
            users.create_user(username=PARTNER_USERNAME, password=None, first_name="渠道合作伙伴")
        ensure_staff_roles()
        seed_catalogue(list(demo.cities), Decimal(demo.price_factor))
        seed_pool(list(demo.segments), [code for code, _name, _province in demo.cities])
        seed_deposit_offers(Decimal(demo.price_factor))
        seed_bss(demo.subscriber, demo.segments[0], demo.cities[0][1])
        _bind_demo_numbers(users.get(username=demo.subscriber))
    with tenant_context(carrier):  # after the catalogue is committed: orders as subscribers place them
        seed_orders(demo.subscriber, demo.cities[0][2], demo.cities[0][1])
    with schema_context(carrier.schema_name), transaction.atomic():  # after the orders: they keep list prices
        seed_promotions(*demo_staff())
        # the shop's looks last: the home page's coupon and flash-sale blocks bind to the promotions
        if decoration.page(decoration.THEME_SLUG) is None:
            logo = _asset("logo", logo_png(demo.initials, demo.theme["primary"]))
            decoration.publish_theme(dict(demo.theme, logo=logo.pk, favicon=logo.pk))
        if decoration.page(decoration.HOME_SLUG) is None:
            banners = [
                _asset(f"banner-{i}", logo_png(text, colour, (750, 300), 64))
                for i, (text, colour) in enumerate([("5G NEW", demo.theme["primary"]), ("1000M", "#33312E")])
            ]
            decoration.publish_document(Page.Kind.HOME, decoration.HOME_SLUG, "首页", _home_document(demo, banners))
    return carrier, created


def seed_demo() -> list[tuple[Carrier, bool]]:
    ensure_public_tenant()
    for code, name in GROUPS.items():
        CarrierGroup.objects.get_or_create(code=code, defaults={"name": name})
    users = get_user_model().objects
    if not users.filter(username=OPERATOR_USERNAME).exists():
        users.create_superuser(username=OPERATOR_USERNAME, password=OPERATOR_PASSWORD)
    return [seed_carrier(demo) for demo in CARRIERS]


def demo_already_seeded() -> bool:
    return Carrier.objects.filter(schema_name__in=[schema_name_for(d.slug) for d in CARRIERS]).exists()


def _bind_demo_numbers(user) -> None:  # noqa: ANN001 - the demo subscriber's account
    """我的 of the demo subscriber: their own number first, a second line in a contract and a
    family member's number that runs out of data (see demo.simulators.SELF_SERVICE)."""
    SignInProof.objects.get_or_create(user=user, defaults={"number": user.username, "proved_at": timezone.now()})
    if BoundNumber.objects.filter(user=user).exists():
        return
    others = SimSubscriber.objects.filter(contract_until__isnull=False) | SimSubscriber.objects.filter(usage_rate__gt=1)
    for number in [user.username, *others.order_by("number").values_list("number", flat=True)[:2]]:
        if SimSubscriber.objects.filter(number=number).exists():
            bindings.bind(user, number, BoundNumber.Proof.CODE)
