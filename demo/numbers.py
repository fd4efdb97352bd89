"""A demo number pool: the carrier's segments, a typical ordered tier list, generated numbers."""

from decimal import Decimal

from numberpool.importing import ImportReport, generated_rows, import_rows
from numberpool.models import MobileNumber, NumberSegment, TierRule

# name, pattern, argument, digits excluded from the match, tier, price, minimum monthly spend, contract
# months. First match wins. 4 sounds like 死: a repeated 4 is never premium (the exclusions), and a
# number ending in 4 is an ordinary one unless a love number (1314) or a run (1234) took it first.
DEFAULT_RULES = [
    ("尾号 AAAAA", "aaaaa", "", "4", "至尊靓号", 2000, 199, 24),
    ("尾号 AAAA", "aaaa", "", "4", "钻石靓号", 500, 129, 24),
    ("尾号顺子 ABCD", "abcd_up", "", "", "顺子号", 300, 99, 12),
    ("尾号倒顺 DCBA", "abcd_down", "", "", "顺子号", 200, 99, 12),
    ("尾号 1314", "ends_with", "1314", "", "爱情号", 100, 59, 12),
    ("尾号 4", "ends_with", "4", "", "普通号", 0, 0, 0),
    ("尾号 AAA", "aaa", "", "4", "金号", 100, 59, 12),
    ("尾号 520", "ends_with", "520", "", "爱情号", 50, 39, 12),
    ("尾号 168", "ends_with", "168", "", "吉祥号", 50, 39, 12),
    ("尾号 AABB", "aabb", "", "4", "对子号", 50, 39, 12),
    ("尾号 ABAB", "abab", "", "4", "对子号", 30, 0, 0),
    ("尾号 88", "ends_with", "88", "", "发财号", 20, 0, 0),
    ("不含 4", "no_four", "", "", "无四号", 0, 0, 0),
    ("其他号码", "any", "", "", "普通号", 0, 0, 0),
]


def ensure_tier_rules():
    if TierRule.objects.exists():
        return
    TierRule.objects.bulk_create(
        [
            TierRule(
                position=i * 10,
                name=name,
                pattern=pattern,
                argument=argument,
                exclude_digits=exclude,
                tier=tier,
                price=Decimal(price),
                minimum_spend=Decimal(minimum),
                contract_months=months,
            )
            for i, (name, pattern, argument, exclude, tier, price, minimum, months) in enumerate(DEFAULT_RULES, start=1)
        ]
    )


def seed_pool(segments, cities, per_city=2000, seed=0) -> int:
    """Generate `per_city` numbers in each city, spread over the carrier's segments."""
    if MobileNumber.objects.exists():
        return 0
    for prefix in segments:
        NumberSegment.objects.get_or_create(prefix=prefix)
    ensure_tier_rules()
    report = ImportReport()
    for i, city in enumerate(cities):
        segment = segments[i % len(segments)]
        import_rows(generated_rows(per_city, segment, seed=seed + i), city, report)
    return report.added
