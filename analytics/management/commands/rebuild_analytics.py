"""manage.py rebuild_analytics --from YYYY-MM-DD --to YYYY-MM-DD [--carrier S]"""

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from analytics.aggregate import aggregate_day
from analytics.capture import flush
from core.commands import HallCommand
from tenants.services import shop_carriers


class Command(HallCommand):
    help = "Flush buffered events and recompute the daily analytics tables for a range of days (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--carrier", help="one carrier's slug (default: every carrier)")

    def handle(self, *args, start, end, carrier=None, **options):
        if end < start:
            raise CommandError(_("--to comes before --from."))
        carriers = shop_carriers().filter(slug=carrier) if carrier else shop_carriers()
        if carrier and not carriers.exists():
            raise CommandError(_("No carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": carrier})
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        rows = []
        for each in carriers:
            with tenant_context(each):
                while flush():
                    pass
                events = 0
                with self.progress(total=len(days), desc=each.slug, unit="day", verbosity=options["verbosity"]) as bar:
                    for day in days:
                        events += aggregate_day(day)["events"]
                        bar.update()
            rows.append((each.slug, len(days), events))
        self.table([_("carrier"), _("days rebuilt"), _("events")], rows)
