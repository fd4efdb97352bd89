from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_tenants.utils import schema_context

from hall import demo
from hall.models import ShopTheme
from tenants.models import Carrier
from tests.conftest import host_client


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert first.count("(created)") == 3 and second.count("(already there)") == 3
    slugs = [d.slug for d in demo.CARRIERS]
    assert Carrier.objects.filter(slug__in=slugs).count() == 3
    for spec in demo.CARRIERS:
        carrier = Carrier.objects.get(slug=spec.slug)
        with schema_context(carrier.schema_name):
            assert ShopTheme.objects.count() == 1
            assert ShopTheme.current().primary_color == spec.primary
            users = get_user_model().objects
            assert users.filter(username=spec.subscriber).count() == 1
            assert users.get(username=demo.STAFF_USERNAME).is_staff
        page = host_client(f"{spec.slug}.localhost").get("/").content.decode()
        assert spec.name in page and spec.primary.lower() in page
    call_command("seed_demo", "--if-empty")
    assert "not seeding again" in capsys.readouterr().out


def test_demo_carriers_look_different():
    colours = {d.primary for d in demo.CARRIERS}
    names = {d.name for d in demo.CARRIERS}
    assert len(colours) == len(names) == len(demo.CARRIERS) == 3
    assert any(d.kind == "mvno" for d in demo.CARRIERS)
    assert len({d.group for d in demo.CARRIERS if d.group}) == 1  # two branches share one group
