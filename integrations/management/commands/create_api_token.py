"""manage.py create_api_token --carrier S --username U [--scopes a,b …] [--days N] [--name TEXT]

Prints the new token alone on its last line (scripts take `| tail -1`); only its hash is kept."""

from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from core.commands import HallCommand
from integrations import tokens
from integrations.scopes import READ_SCOPES, SCOPES
from tenants.models import Carrier


class Command(HallCommand):
    help = "Issue an API token for one account of a carrier (partners and staff integrations)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--carrier", required=True, help="the carrier's slug")
        parser.add_argument("--username", required=True, help="the account the token acts as")
        parser.add_argument(
            "--scopes",
            nargs="*",
            default=None,
            help=f"scopes, space- or comma-separated (default: every read scope); known: {', '.join(SCOPES)}",
        )
        parser.add_argument("--days", type=int, default=None, help="expire after N days (default: never)")
        parser.add_argument("--name", default="", help="who uses it (default: the username)")
        parser.add_argument("--rate", type=int, default=600, help="requests per minute (default 600)")

    def handle(self, *args, **opts) -> None:
        carrier = Carrier.objects.filter(slug=opts["carrier"]).exclude(schema_name="public").first()
        if carrier is None:
            raise CommandError(_("No carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": opts["carrier"]})
        scopes = READ_SCOPES if opts["scopes"] is None else [s for part in opts["scopes"] for s in part.split(",")]
        with tenant_context(carrier):
            user = User.objects.filter(username=opts["username"]).first()
            if user is None:
                raise CommandError(
                    _("%(carrier)s has no account “%(username)s”.")
                    % {"carrier": carrier.slug, "username": opts["username"]}
                )
            try:
                token, secret = tokens.issue(
                    user, opts["name"] or user.username, scopes, days=opts["days"], rate_per_minute=opts["rate"]
                )
            except tokens.TokenError as exc:
                raise CommandError(exc.message) from None
        self.stdout.write(
            _("Token “%(name)s” for %(username)s on %(carrier)s, scopes: %(scopes)s. It is shown only now.")
            % {
                "name": token.name,
                "username": user.username,
                "carrier": carrier.slug,
                "scopes": ", ".join(token.scopes),
            }
        )
        self.stdout.write(secret)
