"""manage.py carrier_report --carrier S [--days 7]"""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from analytics.dashboard import summary
from core.commands import HallCommand
from tenants.models import Carrier


def _rate(value: float | None) -> str:
    return f"{value:.0%}" if value is not None else "—"


class Command(HallCommand):
    help = "Print a carrier's figures for the last days: orders, revenue, states, top offers, pages, funnel."

    def add_arguments(self, parser):
        parser.add_argument("--carrier", required=True)
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, carrier, days, **options):
        found = Carrier.objects.filter(slug=carrier).exclude(status=Carrier.Status.TEMPLATE).first()
        if found is None:
            raise CommandError(_("No carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": carrier})
        with tenant_context(found):
            data = summary(days)
        out = self.stdout.write
        out(_("%(name)s (%(slug)s), last %(days)s days") % {"name": found.name, "slug": found.slug, "days": days})
        out("")
        self.table(
            [_("orders today"), _("revenue today"), _("needing attention")],
            [(data["orders_today"], f"¥{data['revenue_today']}", data["needs_attention"])],
        )
        out("")
        self.table(
            [_("day"), _("orders"), _("revenue"), _("views")],
            [(str(r["day"]), r["orders"], r["revenue"], r["views"]) for r in data["trend"]],
        )
        out("")
        self.table([_("order state"), _("orders")], [(str(r["status"]), r["n"]) for r in data["by_state"]])
        out("")
        self.table([_("top offer"), _("sold")], [(o["name"], o["n"]) for o in data["top_offers"]])
        out("")
        self.table(
            [_("top page"), _("views"), _("bounce rate"), _("exit rate")],
            [
                (f"{p['page_type']}:{p['page_id']}", p["views"], _rate(p["bounce_rate"]), _rate(p["exit_rate"]))
                for p in data["top_pages"]
            ],
        )
        out("")
        self.table(
            [_("funnel"), _("funnel step"), _("visitors"), _("of the step before")],
            [
                (str(funnel["label"]), str(step["label"]), step["n"], _rate(step["rate"]))
                for funnel in data["funnels"]
                for step in funnel["steps"]
            ],
        )
