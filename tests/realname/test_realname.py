"""Real-name: ID and name validation, one ID five numbers across a carrier group (also under
parallel orders), provider outcomes, activation waiting for verification, reminders and
recycling, reveals with permission and audit, retention and key rotation."""

import datetime as dt
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from numberpool.models import MobileNumber
from orders.aftersales import closing
from orders.checkout import services as checkout
from orders.checkout.form import CheckoutDetails
from orders.events import Action
from orders.fulfilment import steps
from orders.fulfilment import verification as verifying
from orders.models import Verification
from realname import crypto, precheck, retention
from realname.idcard import clean_id_number, clean_name
from realname.models import Identity, RevealAudit
from realname.registry import services as registry
from realname.registry.models import NumberClaim
from tenants import ports
from tenants.models import Carrier
from tenants.simulators.models import SimSms, SimSubscriber
from tenants.simulators.realname import outcome_for
from tests.support.clients import STAFF_PASSWORD, host_client, sign_in
from tests.support.identities import portrait_png, valid_id
from tests.support.orders import DETAILS, place_agreed, place_sim_order, sim_cart, subscriber

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),  # lower-case x is X
        (" 110105 19491231 002X ", "11010519491231002X"),  # spaces typed in
        (valid_id("44010619900101123"), valid_id("44010619900101123")),
        (valid_id("31011520000229456"), valid_id("31011520000229456")),  # 2000 was a leap year
        (valid_id("65010219800101001"), valid_id("65010219800101001")),
    ],
)
def test_valid_ids(value, expected):
    assert clean_id_number(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("110105194912310021", "校验码|last character"),  # wrong check character
        (valid_id("11010519990229123"), "不是有效日期|not a real date"),  # 1999 was no leap year
        (valid_id("11010520261231123"), "不可能|impossible"),  # born after today
        (valid_id("11010518991231123"), "不可能|impossible"),  # before 1900
        (valid_id("99010519491231002"), "省级代码|province"),  # no such province
        (valid_id("11019919491231002"), "前六位|first six"),  # no such county in Beijing
        ("11010519491231002", "18"),  # 17 characters
        ("11010519491231002XX", "18"),
        ("1101051949123100AX", "17 位数字|17 digits"),
        ("", "18"),
        ("110105491231002", "18"),  # 15 digits: only where the carrier allows
    ],
)
def test_invalid_ids_say_what_is_wrong(value, words):
    with pytest.raises(ValidationError, match=words):
        clean_id_number(value, today=TODAY)


def test_the_legacy_15_digit_form_only_when_enabled():
    assert clean_id_number("110105491231002", today=TODAY, accept_legacy=True) == "11010519491231002X"
    with pytest.raises(ValidationError):
        clean_id_number("11010549123100X", today=TODAY, accept_legacy=True)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("张三", True),
        ("欧阳明月", True),
        ("阿依古丽·买买提", True),
        ("阿依古丽•买买提", True),
        ("张", False),
        ("John Smith", False),
        ("张三1", False),
        ("·张三", False),
        ("张" * 21, False),
    ],
)
def test_names(value, ok):
    if ok:
        assert "·" in clean_name(value) or "•" not in value
    else:
        with pytest.raises(ValidationError):
            clean_name(value)


# -- one ID, five numbers ---------------------------------------------------------------------
def _details(id_number, name="欧阳明月"):
    return CheckoutDetails(**{**DETAILS.__dict__, "holder_id_number": id_number, "holder_name": name})


def _place(details):
    user = subscriber()
    cart, _number = sim_cart(user)
    return place_agreed(user, cart, details, token="t", expected_total=checkout.plan_checkout(cart).payable)


def test_five_numbers_per_id_across_the_carrier_group(in_carrier_a, carrier_b):
    details = _details(valid_id("44010619900101123"))
    orders = [_place(details) for _ in range(3)]
    connection.set_tenant(carrier_b)  # beta is in the same group: its orders count too
    SimSubscriber.objects.all()  # (beta has its own simulated systems)
    _seed_beta_pool()
    orders += [_place(details) for _ in range(2)]
    with pytest.raises(checkout.CheckoutError, match="5"):
        _place(details)
    connection.set_tenant(Carrier.objects.get(slug="alpha"))
    with pytest.raises(checkout.CheckoutError):
        _place(details)
    assert NumberClaim.objects.filter(id_hash=crypto.lookup_hash(details.holder_id_number)).count() == 5
    closing.cancel(orders[0])  # cancelling gives the claim back
    assert _place(details).status == "awaiting_payment"


def _seed_beta_pool():
    from demo.catalog import seed_catalogue
    from demo.numbers import seed_pool

    seed_catalogue([("guangzhou", "广州", "广东")])
    seed_pool(["180"], ["guangzhou"], per_city=50, seed=7)


def test_a_carrier_outside_a_group_counts_alone(in_carrier_a):
    in_carrier_a.group = None
    assert registry.scope_of(in_carrier_a) == ("carrier:alpha", 5)


@pytest.fixture
def four_claims(django_db_blocker):
    id_hash = crypto.lookup_hash(valid_id("51010719850505888"))
    with django_db_blocker.unblock():
        carrier = Carrier.objects.select_related("group").get(slug="alpha")
        for i in range(4):
            registry.reserve(carrier, id_hash, [f"1809000000{i}"], f"alpha:race{i}")
    yield carrier, id_hash
    with django_db_blocker.unblock():
        NumberClaim.objects.filter(id_hash=id_hash).delete()


def test_parallel_orders_at_four_of_five_let_exactly_one_through(four_claims, django_db_blocker):
    carrier, id_hash = four_claims
    barrier, results = threading.Barrier(8), []

    def order(i):
        try:
            barrier.wait()
            registry.reserve(carrier, id_hash, [f"1809100000{i}"], f"alpha:parallel{i}")
            results.append("ok")
        except registry.LimitReached:
            results.append("refused")
        finally:
            connections.close_all()

    with django_db_blocker.unblock():
        threads = [threading.Thread(target=order, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == ["ok"] + ["refused"] * 7
        assert NumberClaim.objects.filter(id_hash=id_hash, status="reserved").count() == 5


# -- verification -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "id_number", "size", "liveness", "outcome"),
    [
        ("张三", "11010519491231002X", 5000, {"method": "camera"}, ("passed", "")),
        ("张假", "11010519491231002X", 5000, {"method": "camera"}, ("failed", "mismatch")),
        ("张三", valid_id("11010519491231999"), 5000, {"method": "camera"}, ("failed", "liveness")),
        ("张三", "11010519491231002X", 5000, {"method": "none"}, ("failed", "liveness")),
        ("张三", "11010519491231002X", 500, {"method": "upload"}, ("failed", "poor_image")),
    ],
)
def test_simulated_provider_outcomes(name, id_number, size, liveness, outcome):
    assert outcome_for(name, id_number, b"x" * size, liveness) == outcome


@pytest.fixture
def quick_provider(in_carrier_a):
    in_carrier_a.gateways = {
        "realname": {"decision_delay": [0, 0], "latency_ms": [0, 0]},
        "bss": {"latency_ms": [0, 0]},
        "payment": {"latency_ms": [0, 0]},
    }
    return in_carrier_a


def _verify(order, portrait=None, liveness=None):
    verification = verifying.submit(order.verification, portrait or portrait_png(), liveness or {"method": "camera"})
    verifying.send_to_provider(verification.pk)
    return verifying.poll(verification.pk)


def test_verification_passes_and_the_portrait_is_deleted(quick_provider):
    order, _number = place_sim_order()
    assert order.verification.status == "waiting"
    assert _verify(order) == "passed"
    order.verification.refresh_from_db()
    assert order.verification.portrait_encrypted == "" and order.verification.decided_at
    assert {"verification_submitted", "verified"} <= set(order.events.values_list("action", flat=True))


def test_a_failed_check_can_be_retried_a_few_times(quick_provider):
    order, _number = place_sim_order()
    assert _verify(order, liveness={"method": "none"}) == "failed"
    assert "活体" in verifying.reason_text(Verification.objects.get(pk=order.verification.pk))
    with pytest.raises(verifying.VerificationError):
        verifying.submit(Verification.objects.get(pk=order.verification.pk), b"not an image", {})
    assert _verify(Order_refreshed(order)) == "passed"


def Order_refreshed(order):  # noqa: N802 — reads as what it does
    from orders.models import Order

    return Order.objects.get(pk=order.pk)


def test_activation_waits_for_verification(quick_provider):
    order, number = place_sim_order()
    bss = ports.bss()
    bss.occupy_number(number=number, key="o")
    bss.open_account(number=number, plan="畅享", key="a")
    with pytest.raises(steps.NotVerified):
        steps.activate_sim(order)
    assert SimSubscriber.objects.get(number=number).status == "opened"
    _verify(order)
    steps.activate_sim(Order_refreshed(order))
    assert SimSubscriber.objects.get(number=number).status == "active"
    assert NumberClaim.objects.get(number=number, carrier="alpha").status == "active"


def test_reminders_then_recycling_after_the_deadline(quick_provider, settings):
    settings.HALL_RECYCLED_NUMBER_COOLOFF_DAYS = 30
    order, number = place_sim_order()
    from orders.models import Order
    from orders.states import transition

    transition(order, "paid", "paid")
    MobileNumber.objects.filter(number=number).update(status="sold")
    Verification.objects.filter(order=order).update(deadline=timezone.now() + timedelta(days=2, hours=12))
    assert verifying.remind_and_recycle() == {"reminded": 1, "recycled": 0}
    assert verifying.remind_and_recycle() == {"reminded": 0, "recycled": 0}  # once per reminder day
    assert "实名" in SimSms.objects.filter(number=order.contact_phone).latest("pk").text
    Verification.objects.filter(order=order).update(deadline=timezone.now() - timedelta(minutes=1))
    assert verifying.remind_and_recycle() == {"reminded": 0, "recycled": 1}
    order = Order.objects.get(pk=order.pk)
    assert order.status == "needs_attention" and order.verification.status == "expired"
    recycled = MobileNumber.objects.get(number=number)
    assert recycled.status == "cooling" and recycled.held_until > timezone.now() + timedelta(days=29)
    assert verifying.choices(order)["cancel"]  # the subscriber can still get the money back
    assert NumberClaim.objects.get(number=number, carrier="alpha").status == "released"


# -- reveal, retention, rotation ----------------------------------------------------------------
def test_reveal_needs_the_permission_and_is_audited(in_carrier_a):
    from django.contrib.auth import get_user_model

    order, _number = place_sim_order()
    identity = order.identity
    clerk = get_user_model().objects.create_user("clerk", password=STAFF_PASSWORD, is_staff=True)
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="view_identity"))
    client = host_client("alpha.localhost")
    assert sign_in(client, "clerk", STAFF_PASSWORD)
    page = client.get(f"/admin/realname/identity/{identity.pk}/change/").content.decode()
    assert "110***********002X" in page and "11010519491231002X" not in page and "reveal-form" not in page
    assert client.post(f"/admin/realname/identity/{identity.pk}/reveal/", {"reason": "complaint 42"}).status_code == 403
    boss = host_client("alpha.localhost")
    assert sign_in(boss, "admin", STAFF_PASSWORD)
    shown = boss.post(f"/admin/realname/identity/{identity.pk}/reveal/", {"reason": "complaint 42"})
    assert "11010519491231002X" in shown.content.decode() and "no-store" in shown["Cache-Control"]
    audit = RevealAudit.objects.get()
    assert (audit.staff_username, audit.reason, audit.identity_masked) == ("admin", "complaint 42", str(identity))


def test_purge_deletes_only_identities_that_no_longer_serve(in_carrier_a):
    from orders.models import Order

    ended, _n = place_sim_order()
    open_order, _m = place_sim_order()
    closing.cancel(ended)
    # only this test's identities are old (browser tests commit identities of their own)
    Identity.objects.filter(pk__in=[ended.identity_id, open_order.identity_id]).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    assert retention.purge(timedelta(days=30)) == 1
    assert Order.objects.get(pk=ended.pk).identity is None
    assert Order.objects.get(pk=open_order.pk).identity is not None


def test_key_rotation_re_encrypts_under_the_new_key(in_carrier_a, settings):
    import base64
    import os

    old = base64.b64encode(os.urandom(32)).decode()
    new = base64.b64encode(os.urandom(32)).decode()
    kid, key = crypto._keys()[0]  # what other tests' committed rows were sealed with
    earlier = f"{kid}:{base64.b64encode(key).decode()}"
    settings.HALL_REALNAME_KEYS = f"k1:{old},{earlier}"
    order, _number = place_sim_order()
    assert order.identity.id_number_encrypted.startswith("k1:")
    settings.HALL_REALNAME_KEYS = f"k2:{new},k1:{old},{earlier}"
    assert retention.rotate() >= 1
    identity = Identity.objects.get(pk=order.identity.pk)
    assert identity.id_number_encrypted.startswith("k2:") and identity.reveal()[1] == "11010519491231002X"
    settings.HALL_REALNAME_KEYS = f"k2:{new}"
    assert Identity.objects.get(pk=identity.pk).reveal()[0] == "张三"


# -- 二要素 before the order; what a later failure offers -----------------------------------------
def _counts():
    from orders.models import Order

    return Identity.objects.count(), NumberClaim.objects.count(), Order.objects.count()


def test_a_name_that_does_not_match_the_id_is_refused_before_the_order(quick_provider):
    user = subscriber()
    cart, number = sim_cart(user)
    before = _counts()
    with pytest.raises(checkout.IdentityRejected, match="不一致|do not match"):
        place_agreed(
            user,
            cart,
            _details(DETAILS.holder_id_number, name="李假"),
            token="x",
            expected_total=checkout.plan_checkout(cart).payable,
        )
    assert _counts() == before  # nothing written: no order, no identity, no claim
    assert cart.lines.count() == 1 and MobileNumber.objects.get(number=number).status == "held"
    order = place_agreed(user, cart, DETAILS, token="y", expected_total=checkout.plan_checkout(cart).payable)
    assert order.verification.precheck == "passed"


def test_the_checkout_page_shows_the_mismatch_on_the_name(quick_provider):
    from tests.support.orders import PASSWORD

    user = subscriber()
    sim_cart(user)
    client = host_client("alpha.localhost")
    assert client.post("/me/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    page = client.get("/checkout/")
    form = page.context["form"]
    data = {
        "token": form.initial["token"],
        "expected_total": str(form.initial["expected_total"]),
        **{k: v for k, v in DETAILS.__dict__.items() if k != "accept_terms"},
        "holder_name": "李假",
        "accept_terms": "on",
        "agreements": [number for number, _display in form.sims],
    }
    answer = client.post("/checkout/", data)
    connection.set_tenant(quick_provider)
    assert answer.status_code == 200
    assert "不一致" in answer.context["form"].errors["holder_name"][0]
    assert not user.orders.exists()


def test_a_provider_down_does_not_stop_the_order_and_one_without_the_check_is_skipped(quick_provider):
    quick_provider.gateways["realname"] = {**quick_provider.gateways["realname"], "error_rate": 1.0}
    assert place_sim_order()[0].verification.precheck == "unavailable"
    quick_provider.gateways["realname"] = {"decision_delay": [0, 0], "latency_ms": [0, 0], "identity_check": False}
    assert not ports.realname().supports_identity_check
    assert place_sim_order()[0].verification.precheck == "skipped"


def test_identity_checks_are_limited_per_subscriber(quick_provider):
    quick_provider.gateways["realname"] = {**quick_provider.gateways["realname"]}
    for i in range(precheck.LIMIT_PER_HOUR):
        precheck.check("张三", valid_id(f"110105199001{i:02d}123"), who="user:limit")
    with pytest.raises(precheck.IdentityCheckRefused, match="过多|Too many"):
        precheck.check("张三", valid_id("11010519900199123"), who="user:limit")


@pytest.fixture
def no_precheck(quick_provider):
    from tests.support.orders import quick_gateways

    quick_gateways(quick_provider)
    quick_provider.gateways["realname"]["identity_check"] = False  # found only after shipping
    return quick_provider


def _shipped_with_wrong_name():
    from orders.models import Order
    from orders.states import transition
    from tests.support.orders import paid

    user = subscriber()
    cart, number = sim_cart(user)
    order = place_agreed(
        user,
        cart,
        _details(DETAILS.holder_id_number, name="李假"),
        token="w",
        expected_total=checkout.plan_checkout(cart).payable,
    )
    order = paid(order)
    for to, action in (("in_fulfilment", Action.FULFILMENT_STARTED), ("shipped", Action.SHIPPED)):
        transition(order, to, action)
    _verify(Order.objects.get(pk=order.pk))
    return Order.objects.get(pk=order.pk), number, user


def test_a_mismatch_after_shipping_texts_queues_and_offers_a_correction_not_a_photo(no_precheck):
    from orders.fulfilment import verification as verifying

    order, _number, _user = _shipped_with_wrong_name()
    assert order.status == "needs_attention"
    assert order.events.filter(action="verification_stuck", from_status="shipped").exists()
    text = SimSms.objects.filter(number=order.contact_phone).latest("pk").text
    assert "实名" in text and "更正" in text and text.startswith("【")
    assert verifying.choices(order) == {"photo": False, "correct": True, "cancel": True}
    with pytest.raises(verifying.VerificationError, match="拍照|photo"):
        verifying.submit(order.verification, portrait_png(), {"method": "camera"})


def test_correcting_the_name_checks_again_and_puts_the_order_back_on_its_way(no_precheck):
    from orders.fulfilment import verification as verifying

    order, number, user = _shipped_with_wrong_name()
    no_precheck.gateways["realname"]["identity_check"] = True
    old_identity = order.identity_id
    with pytest.raises(verifying.IdentityCorrectionError, match="不一致|do not match"):
        verifying.correct_identity(order, "王假", DETAILS.holder_id_number, user=user)
    assert Order_refreshed(order).identity_id == old_identity and Order_refreshed(order).status == "needs_attention"
    other_id = valid_id("44010619900101123")
    verifying.correct_identity(order, "王五", other_id, user=user)
    order = Order_refreshed(order)
    assert order.status == "shipped" and order.identity_id != old_identity
    assert order.verification.status == "waiting" and order.verification.attempts == 0
    assert not Identity.objects.filter(pk=old_identity).exists()  # the wrong details are not kept
    assert NumberClaim.objects.get(number=number, status="reserved").id_hash == crypto.lookup_hash(other_id)
    assert _verify(order) == "passed"


def test_an_unverifiable_card_can_be_cancelled_with_a_refund(no_precheck):
    from orders.fulfilment import verification as verifying

    order, number, user = _shipped_with_wrong_name()
    verifying.cancel_unverified(order, user=user)
    order = Order_refreshed(order)
    assert order.status in ("refunding", "refunded")
    assert NumberClaim.objects.get(number=number).status == "released"
    assert MobileNumber.objects.get(number=number).status == "cooling"
    assert verifying.choices(order)["cancel"] is False


def test_the_last_failed_photo_queues_the_order_with_cancel_only(no_precheck):
    from orders.fulfilment import verification as verifying
    from orders.states import transition
    from tests.support.orders import paid

    order = paid(place_sim_order()[0])
    transition(order, "in_fulfilment", Action.FULFILMENT_STARTED)
    for _attempt in range(verifying.MAX_ATTEMPTS):
        assert _verify(Order_refreshed(order), liveness={"method": "none"}) == "failed"
    order = Order_refreshed(order)
    assert order.status == "needs_attention"
    assert verifying.choices(order) == {"photo": False, "correct": False, "cancel": True}
    assert SimSms.objects.filter(number=order.contact_phone, text__contains="客服").exists()


def test_one_reminder_that_cannot_be_sent_does_not_stop_the_others(quick_provider, monkeypatch):
    from orders.states import transition
    from tenants.gateways.sms import SmsError

    orders = [place_sim_order()[0] for _ in range(2)]
    for order in orders:
        transition(order, "paid", "paid")
    Verification.objects.filter(order__in=orders).update(deadline=timezone.now() + timedelta(days=2, hours=12))
    broken = f"verify-reminder:{orders[0].number}:3"  # this one text cannot go out
    sms_class = type(ports.sms())
    real_send = sms_class.send

    def flaky(self, *, number, text, key):
        if key == broken:
            raise SmsError("gateway down")
        return real_send(self, number=number, text=text, key=key)

    monkeypatch.setattr(sms_class, "send", flaky)
    assert verifying.remind_and_recycle() == {"reminded": 1, "recycled": 0}  # the other one still went
    monkeypatch.setattr(sms_class, "send", real_send)
    assert verifying.remind_and_recycle() == {"reminded": 1, "recycled": 0}  # the first, on the next run
