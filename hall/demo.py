"""Demo data: three fictional carriers with their own look, staff and subscriber accounts.

Idempotent: running it again creates only what is missing and never changes what staff edited.
Later issues extend `seed_carrier` with catalogue, number pools and simulated subscribers."""
from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django_tenants.utils import schema_context
from PIL import Image, ImageDraw, ImageFont

from catalog.demo import seed_catalogue
from tenants.models import Carrier, CarrierGroup
from tenants.services import CarrierSpec, create_carrier, ensure_public_tenant, schema_name_for

from .models import ShopTheme
from .roles import ensure_staff_roles

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
    primary: str
    on_primary: str
    accent: str
    tagline: str
    subscriber: str  # the demo subscriber's mobile number, also its username
    cities: tuple  # (code, name, province) the carrier sells in; the first gets gigabit fibre
    price_factor: str = "1"


GROUPS = {"tianlian": "天联通信集团"}
CARRIERS = [
    DemoCarrier("tl-gd", "天联通信广东", "tianlian", Carrier.Kind.BRANCH, "广东", "GD",
                "#C8102E", "#FFFFFF", "#FF8A00", "广东用户的掌上营业厅", "18000000001",
                (("guangzhou", "广州", "广东"), ("shenzhen", "深圳", "广东"), ("foshan", "佛山", "广东"),
                 ("dongguan", "东莞", "广东"))),
    DemoCarrier("tl-zj", "天联通信浙江", "tianlian", Carrier.Kind.BRANCH, "浙江", "ZJ",
                "#0B57A4", "#FFFFFF", "#00A3A1", "浙江用户的掌上营业厅", "18100000002",
                (("hangzhou", "杭州", "浙江"), ("ningbo", "宁波", "浙江"), ("wenzhou", "温州", "浙江"))),
    DemoCarrier("qingniao", "青鸟移动", "", Carrier.Kind.MVNO, "全国", "QN",
                "#00704A", "#FFFFFF", "#F2A900", "轻松用网，青鸟移动", "17000000003",
                (("beijing", "北京", "北京"), ("shanghai", "上海", "上海"), ("chengdu", "成都", "四川")), "0.9"),
]


def logo_png(initials: str, colour: str) -> bytes:
    image = Image.new("RGB", (128, 128), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=56)
    box = draw.textbbox((0, 0), initials, font=font)
    x = (128 - (box[2] - box[0])) / 2 - box[0]
    y = (128 - (box[3] - box[1])) / 2 - box[1]
    draw.text((x, y), initials, fill="#FFFFFF", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def seed_carrier(demo: DemoCarrier) -> tuple[Carrier, bool]:
    carrier = Carrier.objects.filter(slug=demo.slug).first()
    created = carrier is None
    if created:
        carrier = create_carrier(CarrierSpec(
            slug=demo.slug, name=demo.name, group=demo.group, region=demo.region, kind=demo.kind,
            admin_username=STAFF_USERNAME, admin_password=STAFF_PASSWORD,
        ))
    with schema_context(carrier.schema_name), transaction.atomic():
        if not ShopTheme.objects.exists():
            theme = ShopTheme(tagline=demo.tagline, primary_color=demo.primary,
                              on_primary_color=demo.on_primary, accent_color=demo.accent)
            theme.logo.save(f"logo-{demo.slug}.png", ContentFile(logo_png(demo.initials, demo.primary)),
                            save=False)
            theme.save()
        users = get_user_model().objects
        if not users.filter(username=demo.subscriber).exists():
            users.create_user(username=demo.subscriber, password=SUBSCRIBER_PASSWORD)
        ensure_staff_roles()
        seed_catalogue(list(demo.cities), Decimal(demo.price_factor))
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
