"""manage.py purge_realname --older-than DAYS [--carrier SLUG]"""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from realname.retention import purge
from tenants.services import shop_carriers


class Command(BaseCommand):
    help = ("Delete identities past retention: those of orders that ended without service (cancelled, closed "
            "unpaid, refunded, recycled) older than the given number of days.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--carrier", help="one carrier's slug (default: every carrier)")

    def handle(self, *args, older_than, carrier=None, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day")
        carriers = shop_carriers()
        if carrier:
            carriers = carriers.filter(slug=carrier)
            if not carriers.exists():
                raise CommandError(f"no carrier {carrier!r}")
        for each in carriers:
            with tenant_context(each):
                deleted = purge(dt.timedelta(days=older_than))
            self.stdout.write(f"{each.slug}: deleted {deleted} identities")
