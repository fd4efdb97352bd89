from django.core.management.base import BaseCommand

from tenants.models import CarrierGroup
from tenants.services import shop_carriers


class Command(BaseCommand):
    help = "List carriers with their host names, groups and status."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="port shown in the URLs")

    def handle(self, *args, **opts):
        carriers = list(shop_carriers())
        if not carriers:
            self.stdout.write("No carriers yet. Create one with `manage.py create_carrier` or `seed_demo`.")
        for carrier in carriers:
            hosts = ", ".join(f"http://{d.domain}:{opts['port']}/" for d in carrier.domains.all())
            group = carrier.group.code if carrier.group else "-"
            self.stdout.write(f"{carrier.slug:<20} {carrier.name:<16} group={group:<14} "
                              f"{carrier.kind:<8} {carrier.status:<9} {hosts}")
        groups = CarrierGroup.objects.all()
        if groups:
            self.stdout.write("Carrier groups: " + ", ".join(f"{g.code} ({g.name})" for g in groups))
