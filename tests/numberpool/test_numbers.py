"""Number inventory: tiers, import, search against brute force, holds, isolation, pages."""

import random
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from core.phone import MOBILE_NUMBER, is_mobile_number
from numberpool import holds, search
from numberpool.models import MobileNumber, TierRule
from numberpool.patterns import Classifier, classify, digit_mask, grams, matches
from numberpool.tiers import reclassify
from tests.support.clients import POOL_PER_CITY, host_client


@pytest.mark.parametrize(
    ("pattern", "argument", "yes", "no"),
    [
        ("aaaaa", "", ["18012388888", "18000000000"], ["18012348888", "18088888881"]),
        ("aaaa", "", ["18012347777", "18011111111"], ["18012345777", "18077771234"]),
        ("aaa", "", ["18012345666"], ["18012345667", "18066612345"]),
        ("abcd_up", "", ["18099991234", "18000005678", "18000000123"], ["18012345670", "18000004321"]),
        ("abcd_down", "", ["18012344321", "18000009876"], ["18000001234"]),
        ("aabb", "", ["18012341122", "18000009988"], ["18000001111", "18000001212"]),
        ("abab", "", ["18012341212", "18000005858"], ["18000001111", "18000001221"]),
        ("abba", "", ["18012341221", "18000006996"], ["18000001111", "18000001212"]),
        ("aabbcc", "", ["18000112233", "18000998877"], ["18000111111", "18000112211"]),
        ("ends_with", "1314", ["18012341314"], ["18013141234"]),
        ("ends_with", "8", ["18012341238"], ["18012341283"]),
        ("contains", "520", ["18052012345", "18012345203"], ["18012345678"]),
        ("no_four", "", ["18012356789", "14412356789"], ["18012345678"]),  # only the last 8 digits count
        ("any", "", ["18012345678"], []),
    ],
)
def test_patterns(pattern, argument, yes, no):
    for number in yes:
        assert matches(pattern, argument, number), (pattern, number)
    for number in no:
        assert not matches(pattern, argument, number), (pattern, number)


class Rule:
    def __init__(self, pattern, argument="", tier=""):
        self.pattern, self.argument, self.tier = pattern, argument, tier or pattern


def test_first_matching_rule_wins_and_the_fast_classifier_agrees():
    rules = [
        Rule("aaaa"),
        Rule("ends_with", "888"),
        Rule("aaa"),
        Rule("ends_with", "8"),
        Rule("no_four"),
        Rule("contains", "168"),
        Rule("any"),
    ]
    assert classify("18012348888", rules).pattern == "aaaa"  # AAAA and 888 and AAA: the first wins
    assert classify("18012345888", rules).argument == "888"
    assert classify("18016812355", rules).pattern == "no_four"  # no 4 comes before "contains 168"
    assert classify("18016842345", rules).pattern == "contains"
    fast = Classifier(rules)
    rng = random.Random(3)
    for _ in range(20000):
        number = "180" + f"{rng.randrange(10**8):08d}"
        assert fast(number) is classify(number, rules)


@pytest.mark.parametrize(
    "value",
    [
        "17712345678",
        "12712345678",
        "1771234567",
        "177123456789",
        "27712345678",
        "1771234567a",
        "1771234567\u0663",
        "\u0661\u0667\u0667" + "1" * 8,
        "177 2345678",
        "",
    ],
)
def test_the_fast_number_check_agrees_with_the_pattern(value):
    assert is_mobile_number(value) == bool(MOBILE_NUMBER.match(value))


def test_grams_and_digit_mask():
    assert grams("18012345678") == [11234, 12345, 13456, 14567, 15678]
    assert digit_mask("18000000001") == 0b11


def _write_csv(tmp_path, lines):
    path = tmp_path / "pool.csv"
    path.write_text("number,city\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_import_reports_bad_lines_and_is_safe_to_rerun(carrier_a, tmp_path, capsys):
    path = _write_csv(
        tmp_path,
        [
            "18099990001",
            "18099990002,shenzhen",
            "18099990001",
            "1809999000",
            "28099990003",
            "13999990004",
            "18099990005,Bad City!",
            "18099991234",
        ],
    )
    call_command("import_numbers", path, "--carrier", "alpha", "--city", "guangzhou", verbosity=0)
    out = capsys.readouterr().out
    # a table of counts (carrier, read, added, already in pool, duplicate in file, invalid)
    assert re.search(r"^alpha +8 +3 +0 +1 +4$", out, re.M), out
    # and one of problems by line (line 1 is the header)
    assert re.search(r"^ +5 +“1809999000”不是 11 位手机号$", out, re.M), out
    assert re.search(r"^ +7 +13999990004 不在本运营商的号段内$", out, re.M)
    assert re.search(r"^ +8 +城市“Bad City!”不是本运营商的城市$", out, re.M)
    with schema_context("c_alpha"):
        assert MobileNumber.objects.get(number="18099990002").city == "shenzhen"
        assert MobileNumber.objects.get(number="18099991234").tier == "顺子号"
    call_command("import_numbers", path, "--carrier", "alpha", "--city", "guangzhou", verbosity=0)
    assert re.search(r"^alpha +8 +0 +3 +1 +4$", capsys.readouterr().out, re.M)


def test_import_refusals(db, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No carrier"):
        call_command(
            "import_numbers", "--carrier", "nope", "--city", "x", "--generate", "5", "--segment", "177", "--lang", "en"
        )
    with pytest.raises(CommandError, match="segment"):
        call_command(
            "import_numbers",
            "--carrier",
            "alpha",
            "--city",
            "guangzhou",
            "--generate",
            "5",
            "--segment",
            "12",
            "--lang",
            "en",
        )
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_numbers", str(tmp_path / "missing.csv"), "--carrier", "alpha", "--city", "guangzhou", "--lang", "en"
        )


def _brute(numbers, tail="", contains="", exclude="", birthday="", tier=""):
    out = set()
    for n in numbers:
        last8 = n.number[-8:]
        if tail and not n.number.endswith(tail):
            continue
        if contains and contains not in last8:
            continue
        if birthday and birthday not in last8:
            continue
        if exclude and any(d in last8 for d in exclude):
            continue
        if tier and n.tier != tier:
            continue
        out.add(n.number)
    return out


def _all_pages(**query):
    found, page = set(), 1
    while True:
        numbers, more = search.search(page=page, page_size=500, **query)
        found |= {n.number for n in numbers}
        if not more:
            return found
        page += 1


@pytest.mark.parametrize(
    "query",
    [
        {"tail": "8"},
        {"tail": "68"},
        {"tail": "1234"},
        {"contains": "88"},
        {"contains": "520"},
        {"contains": "1314"},
        {"contains": "123456"},
        {"birthday": "0521"},
        {"exclude": "4"},
        {"exclude": "47"},
        {"tier": "对子号"},
        {"tail": "8", "exclude": "4"},
        {"contains": "66", "tier": "发财号"},
    ],
)
def test_search_matches_brute_force(in_carrier_a, query):
    first_eight = MobileNumber.objects.filter(number__endswith="8").order_by("pk").first()
    MobileNumber.objects.filter(pk=first_eight.pk).update(status="held")  # held numbers are never shown
    pool = list(MobileNumber.objects.filter(status="available"))
    assert len(pool) > POOL_PER_CITY
    assert _all_pages(**query) == _brute(pool, **query)


def test_bad_search_input_is_explained(client_a):
    body = client_a.get("/numbers/", {"tail": "12a", "birthday": "1332"}).content.decode()
    assert "只能输入数字，1 到 8 位。" in body and "1332 不是有效日期（月日）。" in body


def test_random_pick_gives_available_numbers(in_carrier_a):
    picked = search.random_pick(20, seed=1)
    assert len(picked) == 20 and all(n.status == "available" for n in picked)
    assert {n.number for n in search.random_pick(20, seed=2)} != {n.number for n in picked}


def _free_number():
    return MobileNumber.objects.filter(status="available").order_by("pk").first().number


def test_hold_expiry_and_takeover(in_carrier_a):
    number = _free_number()
    held = holds.hold(number, "cart:1", minutes=15)
    assert held.status == "held" and held.hold_owner == "cart:1"
    with pytest.raises(holds.NumberTaken):
        holds.hold(number, "cart:2")
    again = holds.hold(number, "cart:1")
    assert again.held_until == held.held_until  # holding again keeps the first expiry
    MobileNumber.objects.filter(number=number).update(held_until=timezone.now() - timedelta(seconds=1))
    assert holds.current_hold(number, "cart:1") is None
    assert holds.hold(number, "cart:2").hold_owner == "cart:2"  # an expired hold can be taken over
    MobileNumber.objects.filter(number=number).update(held_until=timezone.now() - timedelta(seconds=1))
    assert holds.sweep_expired() >= 1
    assert MobileNumber.objects.get(number=number).status == "available"


def test_one_hold_per_visitor_by_default(in_carrier_a):
    available = MobileNumber.objects.filter(status="available").order_by("pk")
    first, second = available.values_list("number", flat=True)[:2]
    holds.hold(first, "cart:9")
    holds.hold(second, "cart:9")
    assert MobileNumber.objects.get(number=first).status == "available"
    assert MobileNumber.objects.get(number=second).status == "held"


def test_sold_and_withdrawn_numbers_cannot_be_held(in_carrier_a):
    available = MobileNumber.objects.filter(status="available").order_by("pk")
    sold, withdrawn = available.values_list("number", flat=True)[:2]
    holds.hold(sold, "cart:5")
    assert holds.sell(sold, "cart:5") and not holds.sell(sold, "cart:5")  # exactly once
    holds.withdraw(MobileNumber.objects.filter(number=withdrawn).values_list("pk", flat=True))
    for number in (sold, withdrawn):
        with pytest.raises(holds.NumberTaken):
            holds.hold(number, "cart:6")


def test_changing_rules_reclassifies(in_carrier_a):
    number = MobileNumber.objects.filter(status="available", tier="普通号").first()
    TierRule.objects.create(
        position=1, name="全部特价", pattern="ends_with", argument=number.number[-1], tier="特价号", price=1
    )
    assert reclassify() > 0
    number.refresh_from_db()
    assert number.tier == "特价号"


def test_pick_hold_and_put_the_sim_in_the_cart(client_a):
    with schema_context("c_alpha"):
        number = _free_number()
    page = client_a.get("/numbers/", {"tail": number[-4:], "offer": "sim-2"}).content.decode()
    assert number[-4:] in page.replace(" ", "")
    response = client_a.post("/numbers/hold/", {"number": number, "offer": "sim-2"})
    assert response.status_code == 302 and f"/numbers/held/{number}/" in response["Location"]
    held = client_a.get(response["Location"]).content.decode()
    assert 'data-countdown="' in held and 'data-testid="add-sim-to-cart"' in held
    with schema_context("c_alpha"):
        from catalog.models import Offer

        sim = Offer.objects.get(slug="sim-2")
    added = client_a.post("/cart/add/", {"offer": sim.pk, "number": number}, follow=True).content.decode()
    assert 'data-testid="cart-number"' in added and number[:3] in added
    assert "需要选号" not in added  # the SIM line has its number


def test_losing_the_race_offers_similar_numbers(client_a):
    with schema_context("c_alpha"):
        number = _free_number()
        holds.hold(number, "cart:someone-else")
    response = client_a.post("/numbers/hold/", {"number": number})
    body = response.content.decode()
    assert response.status_code == 409 and "刚刚被别人选走" in body and 'data-testid="number"' in body


def test_a_sim_cannot_take_a_number_it_does_not_hold(client_a):
    with schema_context("c_alpha"):
        from catalog.models import Offer

        number = _free_number()
        sim = Offer.objects.get(slug="sim-1")
    refused = client_a.post("/cart/add/", {"offer": sim.pk, "number": number}, follow=True).content.decode()
    assert "保留已结束" in refused


def test_searches_and_holds_are_rate_limited(client_a, settings, monkeypatch):
    monkeypatch.setattr("core.ratelimit.now", lambda: 1_800_000_000.0)  # one window, not a boundary
    settings.HALL_NUMBER_SEARCHES_PER_MINUTE = 3
    codes = [client_a.get("/numbers/", {"tail": "8"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_numbers_never_cross_carriers(client_a, client_b):
    with schema_context("c_alpha"):
        number = _free_number()
    assert f'value="{number}"' not in client_b.get("/numbers/", {"tail": number[-4:]}).content.decode()
    assert client_b.post("/numbers/hold/", {"number": number}).status_code == 409


def test_a_lucky_numbers_fee_is_charged_with_its_sim(in_carrier_a):
    from catalog.models import Offer
    from orders.cart import services as carts
    from orders.models import Cart

    lucky = MobileNumber.objects.filter(status="available", price__gt=0).first()
    cart = Cart.objects.create(token="lucky" * 6)
    holds.hold(lucky.number, carts.hold_owner(cart))
    sim = Offer.objects.get(slug="sim-1")
    carts.add_to_cart(cart, sim.pk, number=lucky.number)
    assert carts.summarise(cart).total == sim.sale_price + lucky.price


def test_number_api_search_hold_and_race(client_a):
    import json

    with schema_context("c_alpha"):
        number = _free_number()
    found = json.loads(client_a.get("/api/v1/numbers/", {"tail": number[-4:]}).content)
    assert number in [n["number"] for n in found["results"]]
    bad = client_a.get("/api/v1/numbers/", {"tail": "x1"})
    assert bad.status_code == 400 and "tail" in json.loads(bad.content)["error"]["fields"]
    client_a.get("/")  # a CSRF cookie for the session-based API
    held = client_a.post(
        "/api/v1/numbers/hold/",
        {"number": number},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client_a.cookies["csrftoken"].value,
    )
    assert held.status_code == 201 and json.loads(held.content)["held_until"]
    other = host_client("alpha.localhost")
    other.get("/")
    lost = other.post(
        "/api/v1/numbers/hold/",
        {"number": number},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=other.cookies["csrftoken"].value,
    )
    body = json.loads(lost.content)
    assert lost.status_code == 409 and body["error"]["code"] == "number_taken" and body["error"]["similar"]


def test_an_import_after_a_first_load_that_died_rebuilds_its_indexes(in_carrier_a):
    """A killed first load skips its `finally`: the dropped indexes are rebuilt by the next import."""
    from django.db import connection

    from numberpool.importing import ImportReport, _secondary_indexes, import_rows
    from numberpool.models import DroppedNumberIndex

    table = MobileNumber._meta.db_table
    before = {name: definition for name, definition, _constraint in _secondary_indexes(table)}
    unique = next(name for name, _definition, constraint in _secondary_indexes(table) if constraint)
    with connection.cursor() as cursor:  # what the dead load left behind
        for name, definition, constraint in _secondary_indexes(table):
            DroppedNumberIndex.objects.create(name=name, definition=definition, constraint=constraint or "")
            cursor.execute(
                f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"' if constraint else f'DROP INDEX "{name}"'
            )
    assert not _secondary_indexes(table)
    report = import_rows([(1, "18099990077", "")], "guangzhou", ImportReport())
    assert report.added == 1 and not DroppedNumberIndex.objects.exists()
    assert {name: definition for name, definition, _c in _secondary_indexes(table)} == before
    assert any(constraint == unique for _n, _d, constraint in _secondary_indexes(table))


def test_an_exclusion_keeps_the_excluded_digits_out_of_a_rule():
    assert matches("aaa", "", "18012345888", "4") and not matches("aaa", "", "18012345444", "4")
    assert matches("aaaa", "", "18044448888", "4")  # a 4 elsewhere does not count: 8888 made the match
    assert not matches("contains", "44", "18012344789", "4") and matches("no_four", "", "18012356789", "4")
    rules = [
        Rule("aaaa"),
        Rule("aaa"),
        Rule("ends_with", "4", tier="plain"),
        Rule("abab"),
        Rule("no_four"),
        Rule("contains", "68"),
        Rule("any"),
    ]
    rules[1].exclude_digits = rules[3].exclude_digits = "4"
    assert classify("18012345444", rules).tier == "plain" and classify("18012345888", rules).pattern == "aaa"
    fast = Classifier(rules)
    rng = random.Random(5)
    for _ in range(20000):
        number = "180" + f"{rng.randrange(10**8):08d}"
        assert fast(number) is classify(number, rules)
    for number in ("18012345444", "18012344444", "18012124444", "18012344646"):
        assert fast(number) is classify(number, rules)


@pytest.mark.parametrize(
    ("number", "tier"),
    [
        ("18012345444", "普通号"),
        ("18012344444", "普通号"),
        ("18012354444", "普通号"),
        ("18012341414", "普通号"),
        ("18012348888", "钻石靓号"),
        ("18012345888", "金号"),
        ("18012341314", "爱情号"),
        ("18099991234", "顺子号"),
        ("18012355666", "金号"),
        ("18012567788", "对子号"),
    ],
)
def test_the_demo_rules_never_sell_a_four_as_premium(in_carrier_a, number, tier):
    assert classify(number, list(TierRule.objects.filter(is_active=True).order_by("position", "pk"))).tier == tier


def test_staff_see_which_rule_takes_a_sample_number(client_a):
    from tests.support.clients import STAFF_PASSWORD, sign_in

    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    page = client_a.get("/admin/numberpool/tierrule/", {"sample": "18012345444"}).content.decode()
    assert 'data-testid="tier-trial-result"' in page and "尾号 4" in page and "普通号" in page
    assert "尾号 AAA" not in page.split('data-testid="tier-trial-result"')[1].split("</p>")[0]
    bad = client_a.get("/admin/numberpool/tierrule/", {"sample": "12345"}).content.decode()
    assert "errornote" in bad and "?e=1" not in bad


def test_import_refuses_a_city_the_carrier_does_not_have(in_carrier_a, tmp_path):
    from django.core.management.base import CommandError

    from numberpool.importing import ImportReport, import_rows

    with pytest.raises(CommandError, match="nowhere"):
        call_command(
            "import_numbers",
            "--carrier",
            "alpha",
            "--city",
            "nowhere",
            "--generate",
            "5",
            "--segment",
            "177",
            verbosity=0,
        )
    report = ImportReport()
    import_rows([(1, "18000000000", "atlantis")], "guangzhou", report)
    assert report.added == 0 and "atlantis" in report.problems[0][1]


def test_number_cards_show_where_the_number_belongs(client_a):
    page = client_a.get("/numbers/", {"tail": "8"}).content.decode()
    cities = re.findall(r'data-testid="number-city">([^<]+)<', page)
    assert cities and set(cities) <= {"广州", "深圳"}
    assert client_a.get("/numbers/").content.decode().count('data-testid="number-city"') > 0  # random picks too


def test_an_empty_pool_says_so_rather_than_no_match(in_carrier_a, client_a):
    """A new carrier with no numbers yet: not "no number matches, try fewer digits" for a search
    nobody made, and no "show others"."""
    MobileNumber.objects.update(status="sold")
    connection_tenant = in_carrier_a
    body = client_a.get("/numbers/").content.decode()
    assert 'data-testid="no-numbers-yet"' in body and "暂时还没有可选号码" in body and "正在上架" in body
    assert "换一批" not in body and "试试少输" not in body
    from django.db import connection

    connection.set_tenant(connection_tenant)
