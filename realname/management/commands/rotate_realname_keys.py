"""manage.py rotate_realname_keys: re-encrypt personal data under the first key of
HALL_REALNAME_KEYS (keep the old keys listed until this has run for every carrier)."""

from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.commands import HallCommand
from realname.retention import rotate
from tenants.services import shop_carriers


class Command(HallCommand):
    help = "Re-encrypt identities and pending portraits under the current real-name key."

    def handle(self, *args, **options):
        rows = []
        for carrier in shop_carriers():
            with tenant_context(carrier):
                rows.append((carrier.slug, rotate()))
        self.table([_("carrier"), _("values re-encrypted")], rows)
