"""manage.py sweep [--carrier S]: what beat does, at once (expired holds, unpaid orders, stuck
orders and refunds, overdue tickets, buffered analytics)."""
import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from catalog.inventory import holds
from hall.analytics.capture import flush
from orders import closing, fulfilment, payments, tickets
from tenants.services import shop_carriers


class Command(BaseCommand):
    help = "Run the periodic sweeps now: number holds, unpaid orders, stuck orders and refunds, tickets, analytics."

    def add_arguments(self, parser):
        parser.add_argument("--carrier", help="one carrier's slug (default: every active carrier)")

    def handle(self, *args, carrier=None, **options):
        carriers = shop_carriers().filter(status="active")
        if carrier:
            carriers = carriers.filter(slug=carrier)
            if not carriers.exists():
                raise CommandError(f"No active carrier “{carrier}” (see `manage.py list_carriers`).")
        stuck_after = dt.timedelta(seconds=settings.HALL_STUCK_AFTER_SECONDS)
        for each in carriers:
            with tenant_context(each):
                moved = 0
                while batch := flush():
                    moved += batch
                report = {
                    "holds released": holds.sweep_expired(),
                    "unpaid orders": closing.close_overdue(),
                    "stuck orders re-sent": fulfilment.sweep_stuck(stuck_after),
                    "refunds re-sent": payments.resubmit_stuck_refunds(stuck_after),
                    "tickets escalated": tickets.escalate_overdue(),
                    "analytics events stored": moved,
                }
            self.stdout.write(f"{each.slug}: " + "; ".join(f"{k} {_count(v)}" for k, v in report.items()))


def _count(value) -> str:
    """A number as it is; a breakdown such as {"closed": 2, "paid after all": 1} as "closed 2, …"
    (never a Python dict on an operator's screen); nothing to report as 0."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "0"
    return str(value)
