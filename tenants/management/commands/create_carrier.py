import getpass
import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.commands import HallCommand
from tenants.models import Carrier
from tenants.services import CarrierSpec, ProvisioningError, create_carrier, validate_spec


class Command(HallCommand):
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
        parser.add_argument("--admin-password", default=None, help="first staff password; asked for when not given")

    def handle(self, *args, **opts):
        spec = CarrierSpec(
            slug=opts["slug"],
            name=opts["name"],
            group=opts["group"],
            region=opts["region"],
            kind=opts["kind"],
            domain=opts["domain"],
            admin_username=opts["admin_username"],
            admin_password=opts["admin_password"] or "",
            admin_email=opts["admin_email"],
        )
        if opts["admin_password"] is None:
            # Everything but the password is checked before anyone is asked for one.
            password_line = str(_("Staff password: %(reason)s") % {"reason": ""})
            problems = [m for m in validate_spec(spec) if not m.startswith(password_line)]
            if problems:
                raise CommandError(_("Carrier not created:") + "\n  - " + "\n  - ".join(problems))
            if not sys.stdin.isatty():
                raise CommandError(
                    _("Give the first staff password with --admin-password (there is no terminal to ask for it).")
                )
            try:
                spec.admin_password = getpass.getpass(str(_("Password for the first staff account: ")))
            except (EOFError, KeyboardInterrupt):
                raise CommandError(_("No password given: carrier not created.")) from None
        try:
            carrier = create_carrier(spec)
        except ProvisioningError as exc:
            raise CommandError(_("Carrier not created:") + "\n  - " + "\n  - ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Created carrier %(slug)s (%(name)s) in schema %(schema)s; shop at %(url)s ; "
                    "staff login %(user)s at /admin/"
                )
                % {
                    "slug": carrier.slug,
                    "name": carrier.name,
                    "schema": carrier.schema_name,
                    "url": carrier.public_url("/"),
                    "user": spec.admin_username,
                }
            )
        )
