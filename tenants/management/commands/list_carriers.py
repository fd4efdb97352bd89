from django.conf import settings
from django.utils.translation import gettext as _

from core.commands import HallCommand
from tenants.models import CarrierGroup
from tenants.services import shop_carriers


def shop_url(host: str, port: str) -> str:
    """A carrier host's link on the port the stack serves (HALL_PUBLIC_PORT, set by `hallctl`)."""
    default = {"http": "80", "https": "443"}.get(settings.HALL_PUBLIC_SCHEME)
    netloc = host if not port or port == default else f"{host}:{port}"
    return f"{settings.HALL_PUBLIC_SCHEME}://{netloc}/"


class Command(HallCommand):
    help = "List carriers with their host names, groups and status."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="port shown in the URLs (default: the running stack's, HALL_PUBLIC_PORT)",
        )

    def handle(self, *args, **opts):
        port = str(opts["port"] or settings.HALL_PUBLIC_PORT)
        carriers = list(shop_carriers())
        if not carriers:
            self.stdout.write(_("No carriers yet. Create one with `manage.py create_carrier` or `seed_demo`."))
            return
        self.table(
            [_("slug"), _("name"), _("group"), _("kind"), _("status"), _("shop")],
            [
                (
                    c.slug,
                    c.name,
                    c.group.code if c.group else "",
                    c.get_kind_display(),
                    c.get_status_display(),
                    " ".join(shop_url(d.domain, port) for d in c.domains.all()),
                )
                for c in carriers
            ],
        )
        groups = list(CarrierGroup.objects.all())
        if groups:
            self.stdout.write("")
            self.table([_("carrier group"), _("name")], [(g.code, g.name) for g in groups])
