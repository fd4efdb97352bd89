import sys

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from core.commands import HallCommand
from numberpool.importing import ImportReport, generated_rows, import_rows, known_cities, rows_from_csv
from numberpool.models import NumberSegment
from tenants.models import Carrier


class Command(HallCommand):
    help = (
        "Load mobile numbers into a carrier's pool from a CSV (number[,city]) or generate a demo "
        "pool; classifies tiers, skips duplicates, reports bad lines; safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV file; '-' for standard input")
        parser.add_argument("--carrier", required=True, help="carrier slug")
        parser.add_argument("--city", required=True, help="city code for lines that name none")
        parser.add_argument("--generate", type=int, help="generate this many random numbers instead")
        parser.add_argument("--segment", help="with --generate: the segment (e.g. 177); added to the carrier")
        parser.add_argument("--seed", type=int, help="with --generate: repeatable numbers")

    def handle(self, *args, **opts):
        carrier = Carrier.objects.filter(slug=opts["carrier"]).exclude(kind=Carrier.Kind.PLATFORM).first()
        if carrier is None:
            raise CommandError(_("No carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": opts["carrier"]})
        if bool(opts["file"]) == bool(opts["generate"]):
            raise CommandError(_("Give a CSV file or --generate N (one of them)."))
        with schema_context(carrier.schema_name):
            cities = known_cities()
            if opts["city"] not in cities:
                raise CommandError(
                    _("No city “%(city)s” at %(carrier)s; its cities: %(cities)s.")
                    % {
                        "city": opts["city"],
                        "carrier": carrier.slug,
                        "cities": ", ".join(sorted(cities)) or _("none yet (add them in the staff admin)"),
                    }
                )
            if opts["generate"]:
                segment = opts["segment"] or ""
                if not NumberSegment._meta.get_field("prefix").validators[0].regex.match(segment):
                    raise CommandError(_("--segment must be 3 or 4 digits, e.g. 177."))
                if not 1 <= opts["generate"] <= 10 ** (11 - len(segment)):
                    raise CommandError(_("--generate must be between 1 and the size of the segment."))
                NumberSegment.objects.get_or_create(prefix=segment)
                rows, total = generated_rows(opts["generate"], segment, opts["seed"]), opts["generate"]
            else:
                try:
                    handle = sys.stdin if opts["file"] == "-" else open(opts["file"], newline="", encoding="utf-8")  # noqa: SIM115 — closed below, stdin is not
                except OSError as exc:
                    raise CommandError(
                        _("Cannot read %(file)s: %(reason)s") % {"file": opts["file"], "reason": exc.strerror}
                    ) from None
                rows, total = rows_from_csv(handle), None
            report = ImportReport()
            with self.progress(total=total, unit="numbers", verbosity=opts["verbosity"]) as bar:
                import_rows(rows, opts["city"], report, progress=bar.update)
        if report.problems:
            self.table([_("line"), _("problem")], report.problems[:50])
            if report.invalid > 50:
                self.stdout.write(_("… and %(n)s more invalid lines") % {"n": report.invalid - 50})
            self.stdout.write("")
        self.table(
            [_("carrier"), _("read"), _("added"), _("already in pool"), _("duplicate in file"), _("invalid")],
            [
                (
                    carrier.slug,
                    report.read,
                    report.added,
                    report.already_in_pool,
                    report.duplicate_in_file,
                    report.invalid,
                )
            ],
        )
