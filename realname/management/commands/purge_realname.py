"""manage.py purge_realname --older-than DAYS [--carrier SLUG]"""

import datetime as dt

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.commands import HallCommand
from realname.retention import purge
from tenants.services import shop_carriers


class Command(HallCommand):
    help = (
        "Delete identities past retention: those of orders that ended without service (cancelled, closed "
        "unpaid, refunded, recycled) older than the given number of days."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--carrier", help="one carrier's slug (default: every carrier)")

    def handle(self, *args, older_than, carrier=None, **options):
        if older_than < 1:
            raise CommandError(_("--older-than must be at least 1 day."))
        carriers = shop_carriers()
        if carrier:
            carriers = carriers.filter(slug=carrier)
            if not carriers.exists():
                raise CommandError(_("No carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": carrier})
        rows = []
        for each in carriers:
            with tenant_context(each):
                rows.append((each.slug, purge(dt.timedelta(days=older_than))))
        self.table([_("carrier"), _("identities deleted")], rows)
