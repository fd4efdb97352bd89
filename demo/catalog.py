"""A realistic demo catalogue for one carrier: cities, categories and 33 offers of every kind,
with generated product images. Used by `seed_demo`; idempotent (skips a carrier that has offers)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont

from catalog.models import Category, City, DepositOffer, Offer, OfferImage, OfferVariant

KIND_COLOURS = {"plan": "#3A7BD5", "sim": "#E4572E", "broadband": "#17A398", "phone": "#33312E", "addon": "#F0A202"}

CATEGORIES = [  # slug, name, kind, sort
    ("plans", "手机套餐", "plan", 50),
    ("sim-cards", "号卡", "sim", 45),
    ("broadband", "宽带", "broadband", 40),
    ("phones", "手机", "phone", 35),
    ("addons", "加油包", "addon", 30),
]
PLANS = [  # name, price, data GB, minutes, sms, contract months, 5G, tags
    ("畅享 19 元基础套餐", 19, 10, 100, 0, 0, False, ["入门"]),
    ("畅享 39 元套餐", 39, 30, 200, 50, 0, True, ["5G"]),
    ("畅享 59 元套餐", 59, 60, 300, 100, 12, True, ["5G", "热销"]),
    ("畅享 79 元套餐", 79, 100, 500, 100, 12, True, ["5G", "热销"]),
    ("畅享 99 元套餐", 99, 150, 800, 200, 12, True, ["5G"]),
    ("畅享 129 元套餐", 129, 200, 1000, 300, 24, True, ["5G", "商务"]),
    ("校园青春卡套餐", 29, 50, 100, 0, 0, True, ["学生", "5G"]),
    ("银发关爱套餐", 18, 5, 300, 100, 0, False, ["长辈"]),
]
SIMS = [  # name, price, prepaid credit, bundled plan, 5G, tags
    ("大流量号卡 · 29 元/月", 50, 50, "月租 29 元 · 100GB 通用流量", True, ["热销", "5G"]),
    ("畅享号卡 · 39 元/月", 50, 50, "畅享 39 元套餐", True, ["5G"]),
    ("靓号卡 · 59 元/月", 100, 100, "畅享 59 元套餐", True, ["靓号"]),
    ("商务号卡 · 99 元/月", 100, 100, "畅享 99 元套餐", True, ["商务"]),
    ("学生号卡 · 19 元/月", 30, 30, "校园青春卡套餐", True, ["学生"]),
    ("纯数据物联卡", 20, 20, "", False, ["物联网"]),
]
BROADBAND = [  # name, price, Mbps, term months, installation fee, tags
    ("100M 光宽带 · 1 年", 480, 100, 12, 0, ["入门"]),
    ("300M 光宽带 · 1 年", 720, 300, 12, 0, ["热销"]),
    ("500M 光宽带 · 1 年", 960, 500, 12, 100, []),
    ("1000M 千兆宽带 · 1 年", 1200, 1000, 12, 100, ["千兆"]),
    ("300M 光宽带 · 2 年", 1320, 300, 24, 0, ["优惠"]),
    ("1000M 千兆宽带 · 2 年", 2160, 1000, 24, 0, ["千兆", "优惠"]),
]
PHONES = [  # name, price, brand, model, storage, network, colours
    ("华为 Mate 70", 5499, "华为", "Mate 70", 256, "5G", ["雅川青", "曜石黑"]),
    ("华为 nova 13", 2699, "华为", "nova 13", 256, "5G", ["羽砂白", "星耀黑"]),
    ("小米 15", 4499, "小米", "15", 256, "5G", ["白色", "黑色", "浅绿"]),
    ("Redmi K80", 2499, "小米", "Redmi K80", 256, "5G", ["山峦青", "玄夜黑"]),
    ("iPhone 17", 5999, "苹果", "iPhone 17", 256, "5G", ["黑色", "白色", "粉色"]),
    ("OPPO Find X8", 4199, "OPPO", "Find X8", 256, "5G", ["星野黑", "浮光白"]),
    ("vivo Y300", 1399, "vivo", "Y300", 128, "4G", ["钛色", "黑色"]),
]
ADDONS = [  # name, price, type, amount, days
    ("5GB 流量日包", 5, "data", 5, 1),
    ("10GB 流量月包", 10, "data", 10, 30),
    ("30GB 流量月包", 25, "data", 30, 30),
    ("100 分钟语音包", 10, "voice", 100, 30),
    ("300 分钟语音包", 25, "voice", 300, 30),
    ("60GB 季度流量包", 60, "data", 60, 90),
]


def product_image(text: str, colour: str) -> bytes:
    image = Image.new("RGB", (240, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((24, 24, 216, 216), radius=28, outline="#FFFFFF", width=4)
    font = ImageFont.load_default(size=40 if len(text) <= 6 else 28)
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(
        ((240 - box[2] + box[0]) / 2 - box[0], (240 - box[3] + box[1]) / 2 - box[1]), text, fill="#FFFFFF", font=font
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


# What each kind's page promises: a SIM or phone is posted and returnable unused; broadband is
# installed at home; an add-on or plan is applied to a number and cannot be sent back.
BOILERPLATE = {
    "sim": (
        "{name}：线上选号办理，包邮到家；签收后 7 天内未激活可申请退货。",
        "号卡须本人实名登记，激活后不支持退货；首充话费激活后到账。",
    ),
    "phone": (
        "{name}：正品行货，全国联保，包邮到家；签收后 7 天内未拆封可无理由退货。",
        "价格含税；已拆封或已激活的设备按售后政策处理。",
    ),
    "broadband": (
        "{name}：光纤入户，下单后 48 小时内装维人员上门安装，预约时间可改。",
        "需安装地址在光纤覆盖范围内；合约期内不可降档，提前解约需按协议支付违约金。",
    ),
    "plan": ("{name}：办理后次月 1 日生效，当月按原套餐计费。", "合约期内不可降档，提前解约需按协议支付违约金。"),
    "addon": (
        "{name}：办理后立即生效，有效期内可用，到期自动失效，不自动续订。",
        "叠加包一经办理立即生效，不支持退订或退款。",
    ),
}


def _offer(
    categories,
    slug,
    kind,
    name,
    price,
    attributes,
    tags,
    image_text,
    *,
    discount=Decimal("0"),
    cities=(),
    subtitle="",
    weight=0,
    sales=0,
):
    price = Decimal(price)
    offer = Offer(
        kind=kind,
        category=categories[kind],
        name=name,
        slug=slug,
        subtitle=subtitle,
        list_price=price + discount,
        sale_price=price,
        attributes=attributes,
        tags=tags,
        available_cities=list(cities),
        status=Offer.Status.ON_SALE,
        sort_weight=weight,
        sales_count=sales,
        description=f"<p>{BOILERPLATE[kind][0].format(name=name)}</p>",
        terms=BOILERPLATE[kind][1],
    )
    offer.full_clean()
    offer.save()
    image = OfferImage(offer=offer, alt=name, sort_weight=1)
    image.image.save(f"{slug}.png", ContentFile(product_image(image_text, KIND_COLOURS[kind])), save=True)
    return offer


@transaction.atomic
def seed_catalogue(city_list: list[tuple[str, str, str]], price_factor: Decimal = Decimal("1")) -> int:
    """Fill this schema's catalogue. city_list: (code, name, province). Returns offers created."""
    if Offer.objects.exists():
        return 0
    for weight, (code, name, province) in enumerate(reversed(city_list)):
        City.objects.get_or_create(code=code, defaults={"name": name, "province": province, "sort_weight": weight})
    categories = {}
    for slug, name, kind, weight in CATEGORIES:
        categories[kind] = Category.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "sort_weight": weight}
        )[0]
    first_city = city_list[0][0]

    def money(value):
        return (Decimal(value) * price_factor).quantize(Decimal("1"))

    created = 0
    for i, (name, price, data, voice, sms, months, is_5g, tags) in enumerate(PLANS):
        _offer(
            categories,
            f"plan-{i + 1}",
            "plan",
            name,
            money(price),
            {"data_gb": data, "voice_minutes": voice, "sms": sms, "contract_months": months, "is_5g": is_5g},
            tags,
            f"{data}GB",
            subtitle=f"{data}GB 通用流量 · {voice} 分钟通话",
            weight=len(PLANS) - i,
            sales=(i * 37) % 211,
        )
        created += 1
    for i, (name, price, credit, plan, is_5g, tags) in enumerate(SIMS):
        _offer(
            categories,
            f"sim-{i + 1}",
            "sim",
            name,
            money(price),
            {"plan_name": plan, "prepaid_credit": credit, "is_5g": is_5g},
            tags,
            "SIM",
            subtitle=f"预存 {credit} 元话费，选号后包邮到家",
            weight=len(SIMS) - i,
            sales=(i * 53) % 307,
        )
        created += 1
    for i, (name, price, mbps, months, fee, tags) in enumerate(BROADBAND):
        # Fibre reaches some cities only: the higher tiers are sold in the first city.
        cities = [first_city] if mbps >= 1000 else []
        _offer(
            categories,
            f"broadband-{i + 1}",
            "broadband",
            name,
            money(price),
            {"bandwidth_mbps": mbps, "term_months": months, "installation_fee": fee},
            tags,
            f"{mbps}M",
            discount=Decimal(months * 10),
            cities=cities,
            subtitle=f"{mbps}M 光纤入户，{months} 个月",
            weight=len(BROADBAND) - i,
            sales=(i * 41) % 199,
        )
        created += 1
    for i, (name, price, brand, model, storage, network, colours) in enumerate(PHONES):
        offer = _offer(
            categories,
            f"phone-{i + 1}",
            "phone",
            name,
            money(price),
            {"brand": brand, "model": model, "storage_gb": storage, "network": network},
            [network, brand],
            brand if brand.isascii() else model.split()[0][:6],
            discount=Decimal(200),
            subtitle=f"{storage}GB · {network}",
            weight=len(PHONES) - i,
            sales=(i * 29) % 157,
        )
        for j, colour in enumerate(colours):
            OfferVariant.objects.create(
                offer=offer,
                colour=colour,
                storage_gb=storage,
                stock=0 if j == 2 else 20 + j,
                sort_weight=len(colours) - j,
            )
            OfferVariant.objects.create(
                offer=offer, colour=colour, storage_gb=storage * 2, price_delta=Decimal(500), stock=8, sort_weight=-j
            )
        created += 1
    for i, (name, price, addon_type, amount, days) in enumerate(ADDONS):
        unit = "GB" if addon_type == "data" else "min"
        _offer(
            categories,
            f"addon-{i + 1}",
            "addon",
            name,
            money(price),
            {"addon_type": addon_type, "amount": amount, "validity_days": days},
            ["加油包"],
            f"{amount}{unit}",
            subtitle=f"{days} 天有效",
            weight=len(ADDONS) - i,
            sales=(i * 61) % 401,
        )
        created += 1
    return created


DEPOSIT_OFFERS = [  # code, name, deposit, bonus, months, deposit monthly, deposit from month, conflicts
    ("deposit-100", "存 100 送 120（12 个月）", "100", "120", 12, False, 1, ["deposit-2025"]),
    ("deposit-120", "存 120 送 240（12 个月）", "120", "240", 12, True, 2, ["deposit-2025"]),
    ("deposit-300", "存 300 送 360（24 个月）", "300", "360", 24, False, 1, ["deposit-2025", "deposit-100"]),
]


def seed_deposit_offers(price_factor: Decimal = Decimal("1")) -> int:

    made = 0
    for weight, (code, name, deposit, bonus, months, monthly, first, conflicts) in enumerate(reversed(DEPOSIT_OFFERS)):
        _offer, created = DepositOffer.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "deposit": Decimal(deposit),
                "bonus": (Decimal(bonus) * price_factor).quantize(Decimal("1")),
                "months": months,
                "return_deposit_monthly": monthly,
                "deposit_from_month": first,
                "conflicts_with": conflicts,
                "sort_weight": weight,
                "description": "赠送话费按月返还，仅可抵扣本号码的通信费用；活动期内不可退订、转让。",
            },
        )
        made += created
    return made
