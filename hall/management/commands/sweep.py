"""manage.py sweep [--carrier S]: what beat does, at once (expired holds, unpaid orders, stuck
orders and refunds, overdue tickets, buffered analytics)."""
import datetime as dt

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import tenant_context

from catalog.inventory import holds
from hall.analytics.capture import flush
from hall.management.base import HallCommand
from orders import closing, fulfilment, payments, tickets
from tenants.services import shop_carriers

# closing.close_overdue()'s outcomes, as an operator reads them
OUTCOMES = {"closed": gettext_lazy("closed"), "kept": gettext_lazy("kept"), "not due": gettext_lazy("not due")}


class Command(HallCommand):
    help = "Run the periodic sweeps now: number holds, unpaid orders, stuck orders and refunds, tickets, analytics."

    def add_arguments(self, parser):
        parser.add_argument("--carrier", help="one carrier's slug (default: every active carrier)")

    def handle(self, *args, carrier=None, **options):
        carriers = shop_carriers().filter(status="active")
        if carrier:
            carriers = carriers.filter(slug=carrier)
            if not carriers.exists():
                raise CommandError(_("No active carrier “%(slug)s” (see `manage.py list_carriers`).")
                                   % {"slug": carrier})
        stuck_after = dt.timedelta(seconds=settings.HALL_STUCK_AFTER_SECONDS)
        rows = []
        for each in carriers:
            with tenant_context(each):
                moved = 0
                while batch := flush():
                    moved += batch
                rows.append((each.slug, holds.sweep_expired(), _count(closing.close_overdue()),
                             fulfilment.sweep_stuck(stuck_after), payments.resubmit_stuck_refunds(stuck_after),
                             tickets.escalate_overdue(), moved))
        self.table([_("carrier"), _("holds released"), _("unpaid orders"), _("stuck orders re-sent"),
                    _("refunds re-sent"), _("tickets escalated"), _("analytics events stored")], rows)


def _count(value: dict[str, int] | int) -> str | int:
    """A number as it is; a breakdown such as {"closed": 2, "kept": 1} as "closed 2, kept 1" (never a
    Python dict on an operator's screen); nothing to report as 0."""
    if isinstance(value, dict):
        return ", ".join(f"{OUTCOMES.get(k, k)} {v}" for k, v in value.items()) or 0
    return value
