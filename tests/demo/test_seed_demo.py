from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_tenants.utils import schema_context

from demo import carriers as demo
from storefront.decoration.models import Page
from storefront.decoration.render import live_theme
from tenants.models import Carrier
from tests.support.clients import host_client


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo", "--lang", "en")
    second = capsys.readouterr().out
    assert first.count(" 已创建 ") == 3 and second.count(" already there ") == 3
    slugs = [d.slug for d in demo.CARRIERS]
    assert Carrier.objects.filter(slug__in=slugs).count() == 3
    for spec in demo.CARRIERS:
        carrier = Carrier.objects.get(slug=spec.slug)
        with schema_context(carrier.schema_name):
            assert Page.objects.get(slug="theme").versions.count() == 1  # not published twice
            assert live_theme()["primary"] == spec.theme["primary"]
            assert live_theme()["logo"] is not None
            users = get_user_model().objects
            assert users.filter(username=spec.subscriber).count() == 1
            assert users.get(username=demo.STAFF_USERNAME).is_staff
        page = host_client(f"{spec.slug}.localhost").get("/").content.decode()
        assert spec.name in page and spec.theme["primary"].lower() in page
        assert 'class="decorated"' in page and page.count("data-block-id=") == len(spec.home)
    call_command("seed_demo", "--if-empty")
    assert "不再重复创建" in capsys.readouterr().out
    _demo_orders_are_real()


def _demo_orders_are_real():
    """Each demo carrier has orders in the states staff work with, placed through the services."""
    from orders.models import Order, Verification
    from tenants.simulators.models import SimBroadbandAccount, SimSms

    for spec in demo.CARRIERS:
        with schema_context(schema_name := Carrier.objects.get(slug=spec.slug).schema_name):
            orders = Order.objects.filter(user__username=spec.subscriber)
            states = set(orders.values_list("status", flat=True))
            assert {"completed", "delivered", "shipped", "needs_attention", "refunded"} <= states, (schema_name, states)
            activated = orders.filter(kind="new_sim", status="completed").get()
            assert activated.steps.filter(step="activate", status="done").exists()
            assert orders.filter(kind="new_sim", status="delivered", verification__status="waiting").exists()
            assert Verification.objects.filter(order__status="needs_attention", reason="mismatch").exists()
            assert orders.filter(kind="top_up", status="completed").exists()
            assert orders.filter(kind="new_sim", status="refunded").exists()  # cancelled before shipping
            from orders.checkout import divisions

            for order in orders.exclude(district=""):  # addresses of the carrier's own city
                assert order.district in divisions.districts(order.province, order.city), (order.city, order.district)
            assert orders.count() == 6  # and a second run placed no more
            # honest demo data: a broadband address in the carrier's own city, texts signed 【…】
            city = spec.cities[0][1]
            assert all(a.startswith(f"{city}市") for a in SimBroadbandAccount.objects.values_list("address", flat=True))
            texts = list(SimSms.objects.values_list("text", flat=True))
            assert texts and all(t.startswith(f"【{spec.name}】") for t in texts)


def test_demo_carriers_look_different():
    colours = {d.theme["primary"] for d in demo.CARRIERS}
    assert len({d.home for d in demo.CARRIERS}) == 3  # three different block orders
    names = {d.name for d in demo.CARRIERS}
    assert len(colours) == len(names) == len(demo.CARRIERS) == 3
    assert any(d.kind == "mvno" for d in demo.CARRIERS)
    assert len({d.group for d in demo.CARRIERS if d.group}) == 1  # two branches share one group
