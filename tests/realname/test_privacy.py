"""No plaintext identity anywhere it should not be: a real order with a distinctive name and ID
number goes through checkout, payment and verification (committed), then the whole database is
dumped with pg_dump and the captured logs are read; neither may contain the name or the number."""

import logging
import subprocess
import uuid

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from devstack.postgres import _pgserver_dir
from tenants.models import Carrier
from tests.support.clients import in_own_connection
from tests.support.identities import portrait_png, valid_id
from tests.support.orders import DETAILS, place_agreed, sim_cart, subscriber

pytestmark = pytest.mark.django_db  # (the database is set up; the order itself is made and committed in a thread)

NAME = "欧阳明月"
ID_NUMBER = valid_id("44010619900101123")


def _dump() -> str:
    db = settings.DATABASES["default"]
    result = subprocess.run(
        [
            str(_pgserver_dir() / "pginstall" / "bin" / "pg_dump"),
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"],
            "--no-owner",
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PGPASSWORD": db.get("PASSWORD") or ""},
    )
    return result.stdout


@pytest.fixture
def committed_verified_order(django_db_blocker, caplog):
    from orders.checkout import services as checkout
    from orders.checkout.form import CheckoutDetails
    from orders.fulfilment import verification as verifying
    from orders.models import Order
    from orders.payments.services import confirm_paid, start_payment

    caplog.set_level(logging.DEBUG)
    details = CheckoutDetails(
        **{**DETAILS.__dict__, "holder_name": NAME, "holder_id_number": ID_NUMBER, "recipient": "王收件"}
    )

    def make():
        carrier = Carrier.objects.select_related("group").get(slug="alpha")
        carrier.gateways = {"realname": {"decision_delay": [0, 0], "latency_ms": [0, 0]}}
        with tenant_context(carrier):
            user = subscriber()
            cart, _number = sim_cart(user)
            order = place_agreed(
                user, cart, details, token=uuid.uuid4().hex, expected_total=checkout.plan_checkout(cart).payable
            )
            start_payment(order, notify_url="http://alpha.localhost/n/", return_url="http://alpha.localhost/r/")
            confirm_paid(order.payments.get().pk, "T1", "query")
            verification = verifying.submit(
                Order.objects.get(pk=order.pk).verification, portrait_png(), {"method": "camera", "frames": 12}
            )
            verifying.send_to_provider(verification.pk)
            assert verifying.poll(verification.pk) == "passed"
            return order

    def clean_up():
        from realname.registry.models import NumberClaim

        NumberClaim.objects.filter(order_ref=f"alpha:{order.number}").delete()

    with django_db_blocker.unblock():
        order = in_own_connection(make)
    yield order
    with django_db_blocker.unblock():
        in_own_connection(clean_up)


def test_no_plaintext_identity_in_the_database_dump_or_the_logs(committed_verified_order, caplog):
    dump = _dump()
    assert "realname_identity" in dump and committed_verified_order.number in dump  # the data is there…
    for secret in (ID_NUMBER, ID_NUMBER.lower(), ID_NUMBER[:17], NAME):
        assert secret not in dump, f"plaintext {secret!r} in the database dump"  # …but not in plaintext
        assert secret not in caplog.text, f"plaintext {secret!r} in the logs"
    assert "王收件" in dump  # (the check can see plain text: the delivery recipient is stored as given)
