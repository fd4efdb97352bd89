import getpass

from django.core.management.base import BaseCommand, CommandError

from tenants.models import Carrier
from tenants.services import CarrierSpec, ProvisioningError, create_carrier, default_domain


class Command(BaseCommand):
    help = "Create a carrier: its schema, host name and first staff account (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help="short name, e.g. gd-telecom; also the host prefix")
        parser.add_argument("--name", required=True, help="display name shown in the shop")
        parser.add_argument("--group", default="", help="carrier group code (see list_carriers)")
        parser.add_argument("--region", default="")
        parser.add_argument("--kind", default=Carrier.Kind.BRANCH, help="operator, branch or mvno")
        parser.add_argument("--domain", default="", help="host name; default <slug>.localhost")
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument("--admin-email", default="")
        parser.add_argument("--admin-password", default=None,
                            help="first staff password; asked for when not given")

    def handle(self, *args, **opts):
        password = opts["admin_password"]
        if password is None:
            password = getpass.getpass("Password for the first staff account: ")
        spec = CarrierSpec(
            slug=opts["slug"], name=opts["name"], group=opts["group"], region=opts["region"],
            kind=opts["kind"], domain=opts["domain"], admin_username=opts["admin_username"],
            admin_password=password, admin_email=opts["admin_email"],
        )
        try:
            carrier = create_carrier(spec)
        except ProvisioningError as exc:
            raise CommandError("Carrier not created:\n  - " + "\n  - ".join(exc.messages)) from None
        domain = spec.domain or default_domain(spec.slug)
        self.stdout.write(self.style.SUCCESS(
            f"Created carrier {carrier.slug} ({carrier.name}) in schema {carrier.schema_name}; "
            f"shop at http://{domain}:8000/ ; staff login {spec.admin_username} at /admin/"
        ))
