"""manage.py sweep [--carrier S]: what beat does, at once: every periodic job of settings.HALL_JOBS that
works in a carrier's schema (expired holds, unpaid orders, monthly returns, real-name reminders,
stuck orders and refunds, overdue tickets, buffered and aggregated analytics)."""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_tenants.utils import tenant_context

from core.commands import HallCommand
from core.periodic import sweeps
from tenants.models import Carrier
from tenants.services import shop_carriers

# the breakdowns the jobs return (e.g. {"closed": 2, "kept": 1}), as an operator reads them
OUTCOMES = {
    "closed": gettext_lazy("closed"),
    "kept": gettext_lazy("kept"),
    "not due": gettext_lazy("not due"),
    "orders": gettext_lazy("orders"),
    "refunds": gettext_lazy("refunds"),
    "reminded": gettext_lazy("reminded"),
    "recycled": gettext_lazy("recycled"),
    "credited": gettext_lazy("credited"),
    "released": pgettext_lazy("sweep outcome", "released"),
    "redeemed": pgettext_lazy("sweep outcome", "redeemed"),
    "expired": pgettext_lazy("sweep outcome", "expired"),
    "failed": gettext_lazy("failed"),
    "stopped": gettext_lazy("stopped"),
    "days": gettext_lazy("days"),
    "events": gettext_lazy("events"),
    "sessions": gettext_lazy("sessions"),
    "pages": gettext_lazy("pages"),
}


class Command(HallCommand):
    help = "Run every periodic job now, in each carrier (or one): what beat would do next."

    def add_arguments(self, parser):
        parser.add_argument("--carrier", help="one carrier's slug (default: every active carrier)")

    def handle(self, *args, carrier=None, **options):
        carriers = shop_carriers().filter(status=Carrier.Status.ACTIVE)
        if carrier:
            carriers = carriers.filter(slug=carrier)
            if not carriers.exists():
                raise CommandError(
                    _("No active carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": carrier}
                )
        rows = []
        for each in carriers:
            with tenant_context(each):
                for job in sweeps(settings.HALL_JOBS):
                    rows.append((each.slug, str(job.label), _count(import_string(job.in_carrier)())))
        self.table([_("carrier"), _("job"), _("result")], rows)


def _count(value) -> str | int:
    """A number as it is; a breakdown such as {"closed": 2, "kept": 1} as "closed 2, kept 1" (never a
    Python dict on an operator's screen); nothing to report as 0."""
    if isinstance(value, dict):
        return ", ".join(f"{OUTCOMES.get(k, k)} {_count(v)}" for k, v in value.items()) or 0
    if isinstance(value, (list, tuple)):
        return len(value)
    return value
