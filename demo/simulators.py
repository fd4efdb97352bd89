"""Demo state of a carrier's simulated systems: subscribers to try each rule on, and broadband
accounts with expiry dates around today. The staff page lists them with what each is for."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from tenants.simulators.models import SimBroadbandAccount, SimSubscriber

PLANS = ("畅享 59 元套餐", "畅享 79 元套餐", "畅享 99 元套餐", "5G 尊享 129 元套餐")
# What each demo subscriber shows on 我的: (catalogue plan index, share of the allowances used per
# month, contract months left, services). The plans are the demo catalogue's (demo.catalog.PLANS).
SELF_SERVICE = [
    (3, "0.55", 0, [("crbt", "彩铃", "5", "next_month"), ("call-alert", "来电提醒", "2", "now")]),
    (2, "0.50", 0, []),
    (2, "0.30", 0, []),
    (4, "0.70", 8, [("crbt", "彩铃", "5", "next_month")]),  # in a contract: no plan change
    (5, "1.15", 0, [("video-vip", "视频会员", "15", "next_month")]),  # runs out of data before month end
    (1, "0.40", 0, []),
    (3, "0.60", 0, []),
]
# Real districts of each demo city, so a demo address reads like one from there.
DISTRICTS = {
    "广州": ("天河区", "越秀区", "海珠区", "番禺区"),
    "深圳": ("南山区", "福田区", "宝安区", "龙岗区"),
    "佛山": ("禅城区", "南海区", "顺德区"),
    "东莞": ("南城街道", "东城街道", "松山湖"),
    "杭州": ("西湖区", "上城区", "拱墅区", "滨江区"),
    "宁波": ("海曙区", "鄞州区", "江北区"),
    "温州": ("鹿城区", "瓯海区", "龙湾区"),
    "北京": ("海淀区", "朝阳区", "东城区", "西城区"),
    "上海": ("浦东新区", "徐汇区", "静安区"),
    "成都": ("锦江区", "武侯区", "高新区"),
}


def _number(prefix: str, rng: random.Random) -> str:
    return prefix + "".join(str(rng.randrange(10)) for _ in range(11 - len(prefix)))


def seed_bss(main_number: str, prefix: str, city_name: str, seed: int = 7) -> None:
    """Idempotent: numbers and accounts that exist are left as they are."""
    rng = random.Random(seed)
    today = timezone.localdate()
    people = [  # (number, status, balance, arrears, offers, note)
        (main_number, "active", "35.50", "0", [], "正常用户：可充值、存费送费、宽带续约"),
        (_number(prefix, rng), "active", "0", "58.20", [], "欠费 58.20 元：存费送费与宽带续约会被拒"),
        (_number(prefix, rng), "suspended", "0", "0", [], "停机：存费送费会被拒"),
        (_number(prefix, rng), "active", "12.00", "0", ["deposit-2025"], "已参加冲突活动 deposit-2025"),
        (_number(prefix, rng), "active", "88.00", "0", [], "正常用户"),
        (_number(prefix, rng), "active", "5.00", "0", [], "宽带首月免费期"),
        (_number(prefix, rng), "active", "20.00", "0", [], "宽带优惠合约期内"),
    ]
    for number, status, balance, arrears, offers, note in people:
        SimSubscriber.objects.get_or_create(
            number=number,
            defaults={
                "status": status,
                "plan": rng.choice(PLANS),
                "balance": Decimal(balance),
                "arrears": Decimal(arrears),
                "offers": offers,
                "since": today - dt.timedelta(days=rng.randrange(200, 3000)),
                "note": note,
            },
        )
    _self_service(people, today)
    closed = _number(prefix, random.Random(seed * 31))  # left the carrier: a binding of it is dropped
    SimSubscriber.objects.get_or_create(
        number=closed,
        defaults={"status": SimSubscriber.Status.CLOSED, "plan": PLANS[0], "note": "已销户：绑定会被解除"},
    )
    main, arrears_number, *_rest, first_month_number, promotion_number = [p[0] for p in people]
    code = prefix[:3]
    accounts = [  # (account, bound number, Mbps, expires in days, opened days ago, promotion, note)
        (f"BB{code}0001", main, 300, 12, 700, None, "本月到期，可续约或升级"),
        (f"BB{code}0002", people[4][0], 500, -10, 900, None, "已过期 10 天，仍可续约（从今天起算）"),
        (f"BB{code}0003", people[4][0], 100, -200, 1200, None, "过期 200 天已销户：需新装"),
        (f"BB{code}0004", arrears_number, 300, 20, 800, None, "绑定号码欠费：需先缴费"),
        (f"BB{code}0005", promotion_number, 500, 60, 400, 120, "优惠合约期内：暂不能续约"),
        (f"BB{code}0006", first_month_number, 1000, 340, 10, None, "新装首月：暂不能续约"),
        (f"BB{code}0007", main, 1000, 300, 500, None, "千兆，明年到期：可续约（无升级）"),
    ]
    for account, bound, mbps, expires_in, opened_ago, promo_days, note in accounts:
        expires = today + dt.timedelta(days=expires_in)
        SimBroadbandAccount.objects.get_or_create(
            account=account,
            defaults={
                "bound_number": bound,
                "address": f"{city_name}市{rng.choice(DISTRICTS.get(city_name, ('城区',)))}"
                f"幸福路 {rng.randrange(1, 300)} 号 {rng.randrange(1, 30)} 栋 {rng.randrange(101, 2999)} 室",
                "bandwidth_mbps": mbps,
                "starts_on": expires - dt.timedelta(days=364),
                "expires_on": expires,
                "opened_on": today - dt.timedelta(days=opened_ago),
                "promotion_until": today + dt.timedelta(days=promo_days) if promo_days else None,
                "note": note,
            },
        )


def _self_service(people: list, today: dt.date) -> None:
    """Plans, allowances, usage, contracts and services of the demo subscribers (once)."""
    from dateutil.relativedelta import relativedelta

    from demo.catalog import PLANS as CATALOGUE_PLANS

    for (number, *_rest), (plan, rate, contract, services) in zip(people, SELF_SERVICE, strict=True):
        name, fee, data_gb, voice, sms, *_more = CATALOGUE_PLANS[plan]
        SimSubscriber.objects.filter(number=number, plan_code="").update(
            plan=name,
            plan_code=f"plan-{plan + 1}",
            plan_fee=Decimal(fee),
            data_mb=data_gb * 1024,
            voice_min=voice,
            sms_msgs=sms,
            usage_rate=Decimal(rate),
            contract_until=today + relativedelta(months=contract) if contract else None,
            services=[
                {"code": code, "name": label, "fee": price, "cancel": when, "since": "2025-01-01"}
                for code, label, price, when in services
            ],
        )
