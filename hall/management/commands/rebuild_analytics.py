"""manage.py rebuild_analytics --from YYYY-MM-DD --to YYYY-MM-DD [--carrier S]"""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context
from tqdm import tqdm

from hall.analytics.aggregate import aggregate_day
from hall.analytics.capture import flush
from tenants.services import shop_carriers


class Command(BaseCommand):
    help = "Flush buffered events and recompute the daily analytics tables for a range of days (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--carrier", help="one carrier's slug (default: every carrier)")

    def handle(self, *args, start, end, carrier=None, **options):
        if end < start:
            raise CommandError("--to comes before --from")
        carriers = shop_carriers().filter(slug=carrier) if carrier else shop_carriers()
        if carrier and not carriers.exists():
            raise CommandError(f"no carrier {carrier!r}")
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        for each in carriers:
            with tenant_context(each):
                while flush():
                    pass
                events = 0
                for day in tqdm(days, desc=each.slug, unit="day", disable=options["verbosity"] < 1):
                    events += aggregate_day(day)["events"]
            self.stdout.write(f"{each.slug}: {len(days)} days rebuilt from {events} events")
