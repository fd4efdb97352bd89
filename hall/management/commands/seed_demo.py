from django.core.management.base import BaseCommand, CommandError

from hall import demo


class Command(BaseCommand):
    help = "Create three fictional demo carriers with staff and subscriber accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the demo carriers exist already (used by `hallctl up`)")
        parser.add_argument("--port", type=int, default=8000, help="port shown in the printed URLs")
        parser.add_argument("--force", action="store_true", help="seed even with HALL_ENV=production")

    def handle(self, *args, **opts):
        from django.conf import settings

        if settings.PRODUCTION and not opts["force"]:
            raise CommandError("seed_demo creates accounts with published passwords; "
                               "it refuses to run in production without --force.")
        if opts["if_empty"] and demo.demo_already_seeded():
            self.stdout.write("Demo data present; not seeding again.")
            return
        port = opts["port"]
        results = demo.seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Directory: http://localhost:{port}/   platform admin: http://localhost:{port}"
                          f"/admin/  {demo.OPERATOR_USERNAME} / {demo.OPERATOR_PASSWORD}")
        for (carrier, created), spec in zip(results, demo.CARRIERS, strict=True):
            state = "created" if created else "already there"
            self.stdout.write(
                f"  {carrier.name} ({state}): http://{spec.slug}.localhost:{port}/ "
                f"staff {demo.STAFF_USERNAME} / {demo.STAFF_PASSWORD} at /admin/ ; "
                f"subscriber {spec.subscriber} / {demo.SUBSCRIBER_PASSWORD}"
            )
