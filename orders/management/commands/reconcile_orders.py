"""manage.py reconcile_orders [--carrier S] [--days N] [--fix]"""

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.commands import HallCommand
from orders.reconcile import reconcile
from tenants.models import Carrier
from tenants.services import shop_carriers


class Command(HallCommand):
    help = (
        "Compare orders with the carrier's systems (payments at the gateway, numbers at the BSS), report "
        "mismatches and, with --fix, repair them through the order services."
    )

    def add_arguments(self, parser):
        parser.add_argument("--carrier", help="one carrier's slug (default: every carrier)")
        parser.add_argument("--days", type=int, default=30, help="orders placed in the last N days (default 30)")
        parser.add_argument("--fix", action="store_true", help="repair what can be repaired")

    def handle(self, *args, carrier=None, days=30, fix=False, **options):
        carriers = shop_carriers().filter(status=Carrier.Status.ACTIVE)
        if carrier:
            carriers = carriers.filter(slug=carrier)
            if not carriers.exists():
                raise CommandError(
                    _("No active carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": carrier}
                )
        mismatches, totals = [], []
        for each in carriers:
            with tenant_context(each):
                found = reconcile(dt.timedelta(days=days), fix=fix)
            mismatches += [(each.slug, m.order, m.problem, _("yes") if m.fixed else _("no")) for m in found]
            totals.append((each.slug, len(found), sum(m.fixed for m in found)))
        if mismatches:
            self.table([_("carrier"), _("order"), _("mismatch"), _("fixed")], mismatches)
            self.stdout.write("")
        self.table([_("carrier"), _("mismatches"), _("fixed")], totals)
        if mismatches and not fix:
            self.stdout.write(_("Run again with --fix to repair what can be repaired."))
