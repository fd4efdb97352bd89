"""The BSS gateway contract, run against every adapter (today the simulator), its idempotency,
renewal eligibility rules, and number authentication by SMS code."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from demo.simulators import seed_bss
from subscribers import codes
from subscribers.models import NumberAuthCode
from tenants import ports
from tenants.gateways import ADAPTERS
from tenants.gateways.bss import BssError
from tenants.simulators.models import SimBroadbandAccount, SimSms, SimSubscriber
from tests.support.telecom import MAIN, sent_code


@pytest.fixture
def bss_state(in_carrier_a):
    seed_bss(MAIN, "180", "广州")
    NumberAuthCode.objects.filter(number=MAIN).delete()  # codes a browser test sent (committed) must not count
    return in_carrier_a


@pytest.fixture(params=sorted(ADAPTERS["bss"]))
def bss(request, bss_state):
    bss_state.gateways = {"bss": {"adapter": request.param, "latency_ms": [0, 0]}}
    return ports.bss(bss_state)


def test_lookups(bss):
    assert bss.subscriber("19999999999") is None
    me = bss.subscriber(MAIN)
    assert (me.number, me.status, me.balance, me.in_arrears) == (MAIN, "active", Decimal("35.50"), False)
    by_account = bss.broadband_account(account="bb1800001")  # case does not matter
    by_number = bss.broadband_account(number=MAIN)
    assert by_account.account == "BB1800001" and by_number.bound_number == MAIN
    assert by_account.address_masked.count("*") == 4 and by_account.renewals  # its length tells nothing
    assert bss.broadband_account(account="NOPE") is None


def test_renewal_is_idempotent_per_key(bss):
    account = bss.broadband_account(account="BB1800001")
    option = next(o for o in account.renewals if o.code == "same-12")
    first = bss.renew_broadband(account="BB1800001", option="same-12", key="k-1")
    again = bss.renew_broadband(account="BB1800001", option="same-12", key="k-1")
    assert (
        first
        == again
        == option.ends_on
        == account.expires_on + dt.timedelta(days=1) + (option.ends_on - option.starts_on)
    )
    assert SimBroadbandAccount.objects.get(account="BB1800001").expires_on == first  # renewed once
    with pytest.raises(BssError) as refused:
        bss.credit_balance(number=MAIN, amount=Decimal("1"), reason="x", key="k-1")  # key of another operation
    assert refused.value.code == "key_reused"


def test_credit_and_top_up_are_idempotent_and_pay_arrears_first(bss):
    assert bss.credit_balance(number=MAIN, amount=Decimal("10"), reason="bonus", key="c-1") == Decimal("45.50")
    assert bss.credit_balance(number=MAIN, amount=Decimal("10"), reason="bonus", key="c-1") == Decimal("45.50")
    owing = SimSubscriber.objects.filter(arrears__gt=0).first()
    assert bss.top_up(number=owing.number, amount=Decimal("100"), key="t-1") == Decimal("41.80")
    assert bss.subscriber(owing.number).arrears == 0
    with pytest.raises(BssError):
        bss.top_up(number="19999999999", amount=Decimal("10"), key="t-2")


def test_new_number_lifecycle(bss):
    number = "18099990000"
    bss.occupy_number(number=number, key="o-1")
    bss.occupy_number(number=number, key="o-1")  # repeat: no second effect, no error
    with pytest.raises(BssError):
        bss.occupy_number(number=MAIN, key="o-2")  # in use
    account_id = bss.open_account(number=number, plan="畅享 59 元套餐", key="a-1")
    assert bss.open_account(number=number, plan="畅享 59 元套餐", key="a-1") == account_id
    bss.activate(number=number, key="v-1")
    assert bss.subscriber(number).status == "active"


def test_join_offer_records_it_once(bss):
    bss.join_offer(number=MAIN, offer="deposit-100", key="j-1")
    bss.join_offer(number=MAIN, offer="deposit-100", key="j-1")
    assert bss.subscriber(MAIN).offers == ("deposit-100",)
    with pytest.raises(BssError):
        bss.join_offer(number=MAIN, offer="deposit-100", key="j-2")


def test_transient_and_permanent_errors_are_configurable(bss_state):
    bss_state.gateways = {"bss": {"latency_ms": [0, 0], "error_rate": 1}}
    with pytest.raises(BssError) as busy:
        ports.bss(bss_state).subscriber(MAIN)
    assert busy.value.transient
    bss_state.gateways = {"bss": {"latency_ms": [0, 0], "permanent_error_rate": 1}}
    with pytest.raises(BssError) as refused:
        ports.bss(bss_state).top_up(number=MAIN, amount=Decimal("10"), key="p-1")
    assert not refused.value.transient
    assert ports.bss(bss_state).subscriber(MAIN) is not None  # lookups are not refused


@pytest.mark.parametrize(
    ("account", "refusal", "codes"),
    [
        ("BB1800001", "", ["same-12", "same-24", "up-500-12"]),  # expiring this month
        ("BB1800002", "", ["same-12", "same-24", "up-1000-12"]),  # expired 10 days ago: from today
        ("BB1800003", "closed", []),
        ("BB1800004", "arrears", []),
        ("BB1800005", "promotion", []),
        ("BB1800006", "first_month", []),
        ("BB1800007", "", ["same-12", "same-24"]),  # gigabit: nothing faster
    ],
)
def test_renewal_eligibility(bss, account, refusal, codes):
    found = bss.broadband_account(account=account)
    assert found.refusal == refusal and [o.code for o in found.renewals] == codes
    today = timezone.localdate()
    for option in found.renewals:
        assert option.starts_on == max(found.expires_on + dt.timedelta(days=1), today)
        assert option.price > 0
    if account == "BB1800002":
        assert found.status == "expired" and found.renewals[0].starts_on == today


def test_two_year_renewal_is_cheaper_per_month(bss):
    options = {o.code: o for o in bss.broadband_account(account="BB1800001").renewals}
    assert options["same-24"].price < options["same-12"].price * 2


# -- number authentication -----------------------------------------------------------------
def test_code_is_stored_hashed_and_verifies_once(bss_state):
    codes.send_code(MAIN, "deposit")
    record = NumberAuthCode.objects.get(number=MAIN)
    code = sent_code(MAIN)
    assert code not in record.code_hash and len(record.code_hash) == 64
    with pytest.raises(codes.AuthError):
        codes.verify_code(MAIN, "broadband", code)  # a code is for one purpose
    codes.verify_code(MAIN, "deposit", code)
    with pytest.raises(codes.AuthError):
        codes.verify_code(MAIN, "deposit", code)  # used


def test_codes_expire_and_allow_few_attempts(bss_state):
    codes.send_code(MAIN, "deposit")
    for left in (4, 3, 2, 1):
        with pytest.raises(codes.AuthError, match=str(left)):
            codes.verify_code(MAIN, "deposit", "000000" if left % 2 else "999999")
    with pytest.raises(codes.AuthError):
        codes.verify_code(MAIN, "deposit", "123456")
    assert NumberAuthCode.objects.get(number=MAIN).attempts == codes.MAX_ATTEMPTS
    later = timezone.now() + timedelta(minutes=2)
    codes.send_code(MAIN, "deposit", now=later)
    with pytest.raises(codes.AuthError):
        codes.verify_code(MAIN, "deposit", "000000", now=later + timedelta(minutes=6))  # expired


def test_resend_cooldown_and_hourly_limit(bss_state):
    sent_before = SimSms.objects.filter(number=MAIN).count()
    start = timezone.now()
    codes.send_code(MAIN, "deposit", now=start)
    with pytest.raises(codes.AuthError):
        codes.send_code(MAIN, "deposit", now=start + timedelta(seconds=30))
    NumberAuthCode.objects.update(created_at=start - timedelta(minutes=2))
    for i in range(1, codes.CODES_PER_HOUR):
        codes.send_code(MAIN, "deposit")
        NumberAuthCode.objects.update(created_at=start - timedelta(minutes=2 + i))
    with pytest.raises(codes.AuthError):
        codes.send_code(MAIN, "deposit")
    assert SimSms.objects.filter(number=MAIN).count() - sent_before == codes.CODES_PER_HOUR


def test_every_port_has_one_error_with_one_default():
    """One GatewayError(message, code, transient=False) for every carrier system: a refusal is not
    retried unless the port says the same call may succeed later."""
    from tenants.gateways.bss import BssError
    from tenants.gateways.errors import GatewayError
    from tenants.gateways.logistics import LogisticsError
    from tenants.gateways.payment import PaymentGatewayError
    from tenants.gateways.realname import ProviderError
    from tenants.gateways.sms import SmsError

    for error in (BssError, LogisticsError, PaymentGatewayError, ProviderError, SmsError):
        refused = error("refused", "refused")
        assert isinstance(refused, GatewayError) and refused.transient is False and refused.code == "refused"
        assert error("busy", transient=True).transient is True
