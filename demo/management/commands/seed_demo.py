from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from core.commands import HallCommand
from demo import carriers as demo


class Command(HallCommand):
    help = "Create three fictional demo carriers with staff and subscriber accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the demo carriers exist already (used by `hallctl up`)",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help="port shown in the printed URLs (default: the running stack's, HALL_PUBLIC_PORT)",
        )
        parser.add_argument("--force", action="store_true", help="seed even with HALL_ENV=production")

    def handle(self, *args, **opts):
        if settings.PRODUCTION and not opts["force"]:
            raise CommandError(
                _(
                    "seed_demo creates accounts with published passwords; "
                    "it refuses to run in production without --force."
                )
            )
        if opts["if_empty"] and demo.demo_already_seeded():
            self.stdout.write(_("Demo data present; not seeding again."))
            return
        port = opts["port"] or settings.HALL_PUBLIC_PORT
        results = demo.seed_demo()
        self.stdout.write(self.style.SUCCESS(_("Demo data ready.")))
        self.stdout.write(
            _("Directory: %(url)s   platform admin: %(url)sadmin/  %(user)s / %(password)s")
            % {"url": f"http://localhost:{port}/", "user": demo.OPERATOR_USERNAME, "password": demo.OPERATOR_PASSWORD}
        )
        self.table(
            [_("carrier"), _("state"), _("shop"), _("staff (at /admin/)"), _("subscriber")],
            [
                (
                    carrier.name,
                    _("created") if created else _("already there"),
                    f"http://{spec.slug}.localhost:{port}/",
                    f"{demo.STAFF_USERNAME} / {demo.STAFF_PASSWORD}",
                    f"{spec.subscriber} / {demo.SUBSCRIBER_PASSWORD}",
                )
                for (carrier, created), spec in zip(results, demo.CARRIERS, strict=True)
            ],
        )
