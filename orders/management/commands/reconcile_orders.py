"""manage.py reconcile_orders [--carrier S] [--days N] [--fix]"""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from orders.reconcile import reconcile
from tenants.services import shop_carriers


class Command(BaseCommand):
    help = ("Compare orders with the carrier's systems (payments at the gateway, numbers at the BSS), report "
            "mismatches and, with --fix, repair them through the order services.")

    def add_arguments(self, parser):
        parser.add_argument("--carrier", help="one carrier's slug (default: every carrier)")
        parser.add_argument("--days", type=int, default=30, help="orders placed in the last N days (default 30)")
        parser.add_argument("--fix", action="store_true", help="repair what can be repaired")

    def handle(self, *args, carrier=None, days=30, fix=False, **options):
        carriers = shop_carriers().filter(status="active")
        if carrier:
            carriers = carriers.filter(slug=carrier)
            if not carriers.exists():
                raise CommandError(f"no active carrier {carrier!r}")
        total = 0
        for each in carriers:
            with tenant_context(each):
                found = reconcile(dt.timedelta(days=days), fix=fix)
            for mismatch in found:
                self.stdout.write(f"{each.slug} {mismatch}")
            total += len(found)
            self.stdout.write(f"{each.slug}: {len(found)} mismatches, {sum(m.fixed for m in found)} fixed")
        if total and not fix:
            self.stdout.write("run again with --fix to repair what can be repaired")
