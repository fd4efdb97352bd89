"""`create_carrier`: success, and every refusal leaves nothing behind."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import translation
from django_tenants.utils import schema_context, schema_exists

from tenants.models import Carrier, Domain
from tenants.services import CarrierSpec, ProvisioningError, create_carrier
from tests.support.clients import TEST_GROUP, host_client, sign_in

GOOD_PASSWORD = "Gamma-staff-2026"


def test_create_carrier_makes_schema_domain_and_staff_account(db):
    call_command(
        "create_carrier",
        "--slug",
        "gamma",
        "--name",
        "伽马通信",
        "--group",
        TEST_GROUP,
        "--region",
        "江苏",
        "--admin-password",
        GOOD_PASSWORD,
    )
    carrier = Carrier.objects.get(slug="gamma")
    assert carrier.schema_name == "c_gamma" and schema_exists("c_gamma")
    assert carrier.group.code == TEST_GROUP and carrier.region == "江苏"
    assert Domain.objects.get(tenant=carrier).domain == "gamma.localhost"
    with schema_context("c_gamma"):
        staff = get_user_model().objects.get(username="admin")
        assert staff.is_staff and staff.check_password(GOOD_PASSWORD)
    client = host_client("gamma.localhost")
    assert "伽马通信" in client.get("/").content.decode()
    assert sign_in(client, "admin", GOOD_PASSWORD)


def test_create_carrier_accepts_its_own_domain(db, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "shop.delta.example"]
    create_carrier(CarrierSpec(slug="delta", name="Delta", domain="shop.delta.example", admin_password=GOOD_PASSWORD))
    assert host_client("shop.delta.example").get("/").status_code == 200


def _state():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.schemata")
        schemas = cursor.fetchone()[0]
    return Carrier.objects.count(), Domain.objects.count(), schemas


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "alpha"}, "already exists"),
        ({"slug": "Bad Slug!"}, "is not valid"),
        ({"slug": "x"}, "is not valid"),
        ({"slug": "public"}, "reserved"),
        ({"domain": "alpha.localhost"}, "already belongs"),
        ({"domain": "not a host"}, "not a valid host name"),
        ({"group": "no-such-group"}, "does not exist"),
        ({"name": "  "}, "display name"),
        ({"admin_password": "123"}, "Staff password"),
        ({"kind": "platform"}, "Kind must be"),
    ],
)
def test_refusals_explain_themselves_and_write_nothing(db, overrides, message):
    before = _state()
    spec = {"slug": "epsilon", "name": "Epsilon", "admin_password": GOOD_PASSWORD, **overrides}
    with translation.override("en"), pytest.raises(ProvisioningError) as refused:
        create_carrier(CarrierSpec(**spec))
    assert any(message in m for m in refused.value.messages), refused.value.messages
    assert _state() == before


def test_refusal_messages_follow_the_language(db):
    with translation.override("zh-hans"), pytest.raises(ProvisioningError) as refused:
        create_carrier(CarrierSpec(slug="alpha", name="x", admin_password=GOOD_PASSWORD))
    assert "已存在" in refused.value.messages[0]


def test_command_reports_every_problem_at_once(db):
    before = _state()
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_carrier",
            "--slug",
            "alpha",
            "--name",
            "x",
            "--domain",
            "beta.localhost",
            "--admin-password",
            "123",
            "--lang",
            "en",
        )
    text = str(refused.value)
    assert "alpha" in text and "beta.localhost" in text and "password" in text.lower()
    assert _state() == before


def test_failure_midway_rolls_back_schema_and_rows(db, monkeypatch):
    before = _state()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(get_user_model().objects, "create_superuser", broken)
    with pytest.raises(RuntimeError):
        create_carrier(CarrierSpec(slug="zeta", name="Zeta", admin_password=GOOD_PASSWORD))
    assert _state() == before and not schema_exists("c_zeta")


def test_list_carriers_shows_hosts_and_groups(db, capsys):
    call_command("list_carriers")
    out = capsys.readouterr().out
    assert "alpha" in out and "http://alpha.localhost:8000/" in out and TEST_GROUP in out
    assert "carrier-template" not in out


def test_without_a_password_and_no_terminal_the_command_says_so_after_checking_the_rest(db, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: nobody to ask
    before = _state()
    with pytest.raises(CommandError) as reserved:
        call_command("create_carrier", "--slug", "public", "--name", "x", "--lang", "en")
    assert "reserved" in str(reserved.value) and "password" not in str(reserved.value).lower()
    with pytest.raises(CommandError) as no_terminal:
        call_command("create_carrier", "--slug", "omega", "--name", "Omega", "--lang", "en")
    assert "--admin-password" in str(no_terminal.value)
    assert _state() == before


def test_sweep_of_an_unknown_carrier_fails_like_the_other_commands(db):
    with pytest.raises(CommandError, match="nope"):
        call_command("sweep", "--carrier", "nope")


def test_sweep_prints_counts_not_python_dicts(db):
    import io

    out = io.StringIO()
    call_command("sweep", "--carrier", "alpha", stdout=out)
    assert "\nalpha " in out.getvalue() and "{" not in out.getvalue()
