"""manage.py rotate_realname_keys: re-encrypt personal data under the first key of
HALL_REALNAME_KEYS (keep the old keys listed until this has run for every carrier)."""
from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from realname.retention import rotate
from tenants.services import shop_carriers


class Command(BaseCommand):
    help = "Re-encrypt identities and pending portraits under the current real-name key."

    def handle(self, *args, **options):
        for carrier in shop_carriers():
            with tenant_context(carrier):
                self.stdout.write(f"{carrier.slug}: re-encrypted {rotate()} values")
