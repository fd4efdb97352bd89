"""Bills and itemised records: the last six bills of a bound number; records only after a fresh code
to the number, never cached, the other party masked, rate-limited per number, every read audited,
and nobody else's by number or by guessing a URL."""

import pytest
from django.utils import timezone

from selfcare import records
from subscribers import bindings
from subscribers.models import BoundNumber, NumberAuthCode, RecordsRead
from tests.support.clients import host_client
from tests.support.subscribers import signed_in_by_code
from tests.support.telecom import MAIN, sent_code

pytestmark = pytest.mark.django_db


def _with_main():
    client, user = signed_in_by_code()
    bindings.bind(user, MAIN, BoundNumber.Proof.CODE)
    NumberAuthCode.objects.filter(number=MAIN).delete()
    return client, user


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return (first - timezone.timedelta(days=1)).strftime("%Y-%m")


def test_six_bills_with_their_items(telecom):
    client, _user = _with_main()
    page = client.get(f"/me/numbers/{MAIN}/bills/").content.decode()
    assert page.count('data-testid="bill"') == 6 and "套餐月费" in page and "已缴清" in page


def test_records_need_a_fresh_code_then_show_masked_and_are_audited(telecom):
    client, user = _with_main()
    url = f"/me/numbers/{MAIN}/bills/{_last_month()}/records/"
    before = client.get(url)
    assert 'data-testid="records"' not in before.content.decode() and before["Cache-Control"] == "no-store"
    client.post(url, {"action": "send"})
    client.post(url, {"action": "verify", "code": sent_code(MAIN)})
    page = client.get(url)
    html = page.content.decode()
    assert page["Cache-Control"] == "no-store" and 'data-testid="records"' in html and "****" in html
    assert RecordsRead.objects.filter(user=user, number=MAIN, month=_last_month(), via="page").count() == 1
    calls = client.get(url + "?kind=call").content.decode().split('data-testid="records"')[1]
    assert "呼出" in calls or "呼入" in calls
    assert "发出短信" not in calls and "收到短信" not in calls and "KB" not in calls


def test_records_are_rate_limited_per_number(telecom, monkeypatch):
    _client, user = _with_main()
    monkeypatch.setattr(records, "READS_PER_HOUR", 2)
    records.read(user, MAIN, _last_month(), "", via="api")
    records.read(user, MAIN, _last_month(), "", via="api")
    with pytest.raises(records.RecordsRefused):
        records.read(user, MAIN, _last_month(), "", via="api")


def test_nobody_reads_another_subscribers_bills_or_records(telecom):
    _owner, _user = _with_main()
    stranger, reader = signed_in_by_code()
    assert stranger.get(f"/me/numbers/{MAIN}/bills/").status_code == 404
    assert stranger.get(f"/me/numbers/{MAIN}/bills/{_last_month()}/records/").status_code == 404
    assert host_client("alpha.localhost").get(f"/me/numbers/{MAIN}/bills/").status_code == 302  # to sign in
    assert not RecordsRead.objects.filter(user=reader).exists()
