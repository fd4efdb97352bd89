"""Signing in and up with an SMS code: one flow that never says whether a number has an account,
the account bound to the number it proved, unproven accounts losing their number to whoever
proves it, and password accounts still signing in."""

import pytest
from django.contrib.auth.models import User

from subscribers.models import BoundNumber, NumberAuthCode, SignInProof
from tenants.simulators.models import SimSms
from tests.support.clients import host_client
from tests.support.orders import PASSWORD
from tests.support.subscribers import fresh_number
from tests.support.telecom import MAIN, sent_code

pytestmark = pytest.mark.django_db


def _code_sign_in(client, number: str) -> str:
    client.post("/me/login/", {"action": "send", "number": number})
    return client.post("/me/login/", {"action": "verify", "code": sent_code(number)}, follow=True).content.decode()


def test_a_new_number_signs_up_with_a_code_and_its_carrier_number_is_bound(telecom):
    NumberAuthCode.objects.filter(number=MAIN).delete()
    BoundNumber.objects.filter(number=MAIN).delete()  # browser tests bind it to their accounts (committed)
    User.objects.filter(username=MAIN).delete()
    client = host_client("alpha.localhost")
    sent = client.post("/me/login/", {"action": "send", "number": MAIN}, follow=True).content.decode()
    assert 'data-testid="code-form"' in sent and "180****0001" in sent
    page = client.post("/me/login/", {"action": "verify", "code": sent_code(MAIN)}, follow=True).content.decode()
    user = User.objects.get(username=MAIN)
    assert not user.has_usable_password() and SignInProof.objects.get(user=user).number == MAIN
    binding = BoundNumber.objects.get(user=user, unbound_at__isnull=True)
    assert binding.number == MAIN and binding.primary and binding.proof == "code"
    assert "已登录" in page or "退出" in page


def test_a_number_of_another_carrier_gets_an_account_but_nothing_bound(telecom):
    number = fresh_number()
    _code_sign_in(host_client("alpha.localhost"), number)
    user = User.objects.get(username=number)
    assert not BoundNumber.objects.filter(user=user).exists()


def test_signing_up_says_the_same_whether_or_not_the_number_has_an_account(telecom):
    known, unknown = fresh_number(), fresh_number()
    User.objects.create_user(username=known, password=PASSWORD)
    pages = []
    for number in (known, unknown):
        client = host_client("alpha.localhost")
        page = client.post("/me/signup/", {"action": "send", "number": number}, follow=True).content.decode()
        pages.append(page.replace(number[-4:], "####"))
    assert pages[0] == pages[1] or pages[0].count("code-form") == pages[1].count("code-form") == 1
    assert "已有账号" not in pages[0] and "already has an account" not in pages[0]


def test_an_unproven_account_loses_its_number_to_whoever_proves_it(telecom):
    number = fresh_number()
    squatter = User.objects.create_user(username=number, password=PASSWORD)
    _code_sign_in(host_client("alpha.localhost"), number)
    holder = User.objects.get(username=number)
    squatter.refresh_from_db()
    assert holder.pk != squatter.pk and squatter.username.startswith(f"{number}~")
    # the old account keeps its rows; its password no longer signs in as the number
    refused = host_client("alpha.localhost").post("/me/login/", {"username": number, "password": PASSWORD})
    assert refused.status_code == 200


def test_a_proven_account_signs_in_again_by_code_to_the_same_account(telecom):
    number = fresh_number()
    _code_sign_in(host_client("alpha.localhost"), number)
    first = User.objects.get(username=number)
    NumberAuthCode.objects.filter(number=number).update(created_at="2000-01-01T00:00:00Z")  # past the wait
    _code_sign_in(host_client("alpha.localhost"), number)
    assert (
        User.objects.get(username=number).pk == first.pk
        and User.objects.filter(username__startswith=number).count() == 1
    )


def test_a_password_account_still_signs_in_with_its_password(telecom):
    number = fresh_number()
    User.objects.create_user(username=number, password=PASSWORD)
    response = host_client("alpha.localhost").post("/me/login/", {"username": number, "password": PASSWORD})
    assert response.status_code == 302


def test_a_staff_account_named_like_a_number_is_never_signed_in_or_taken_by_code(telecom):
    number = fresh_number()
    User.objects.create_user(username=number, password=PASSWORD, is_staff=True)
    page = _code_sign_in(host_client("alpha.localhost"), number)
    assert "不能登录" in page or "cannot sign in" in page
    assert User.objects.get(username=number).is_staff


def test_bad_codes_say_why_and_sign_nobody_in(telecom):
    number, other = fresh_number(), fresh_number()
    client = host_client("alpha.localhost")
    early = client.post("/me/login/", {"action": "verify", "code": "123456"}).content.decode()
    assert "请先获取验证码" in early
    client.post("/me/login/", {"action": "send", "number": number})
    right = sent_code(number)
    wrong = client.post("/me/login/", {"action": "verify", "code": f"{(int(right) + 1) % 10**6:06d}"}).content.decode()
    assert "验证码错误" in wrong and not User.objects.filter(username=number).exists()
    client.post("/me/login/", {"action": "change"})
    client.post("/me/login/", {"action": "send", "number": other})
    if sent_code(other) != right:  # a code for one number never signs in another
        reused = client.post("/me/login/", {"action": "verify", "code": right}).content.decode()
        assert "验证码错误" in reused and not User.objects.filter(username=other).exists()
    client.post("/me/login/", {"action": "change"})
    bad_number = client.post("/me/login/", {"action": "send", "number": "12345"}).content.decode()
    assert "11 位" in bad_number and not SimSms.objects.filter(number="12345").exists()
