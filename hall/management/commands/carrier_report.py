"""manage.py carrier_report --carrier S [--days 7]"""
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from hall.analytics.dashboard import summary
from tenants.models import Carrier


class Command(BaseCommand):
    help = "Print a carrier's figures for the last days: orders, revenue, states, top offers, pages, funnel."

    def add_arguments(self, parser):
        parser.add_argument("--carrier", required=True)
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, carrier, days, **options):
        found = Carrier.objects.filter(slug=carrier).exclude(status=Carrier.Status.TEMPLATE).first()
        if found is None:
            raise CommandError(f"no carrier {carrier!r}")
        with tenant_context(found):
            data = summary(days)
        out = self.stdout.write
        out(f"{found.name} ({found.slug}), last {days} days")
        out(f"orders today {data['orders_today']}, revenue today ¥{data['revenue_today']}, "
            f"needing attention {data['needs_attention']}")
        out("day         orders  revenue  views")
        for row in data["trend"]:
            out(f"{row['day']}  {row['orders']:>6}  {row['revenue']:>7}  {row['views']:>5}")
        out("orders by state: " + ", ".join(f"{r['status']} {r['n']}" for r in data["by_state"]))
        out("top offers: " + (", ".join(f"{o['name']} ×{o['n']}" for o in data["top_offers"]) or "—"))
        out("top pages (views, bounce, exit):")
        for p in data["top_pages"]:
            bounce = f"{p['bounce_rate']:.0%}" if p["bounce_rate"] is not None else "—"
            exit_rate = f"{p['exit_rate']:.0%}" if p["exit_rate"] is not None else "—"
            out(f"  {p['page_type']}:{p['page_id']}  {p['views']}  {bounce}  {exit_rate}")
        for funnel in data["funnels"]:
            out(f"funnel {funnel['path']}: " + " → ".join(f"{s['key']} {s['n']}" for s in funnel["steps"]))
