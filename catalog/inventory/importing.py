"""Loading numbers into a carrier's pool: validate, classify, COPY in batches, skip duplicates,
report bad lines. Each batch commits on its own, so an import can be re-run after a failure."""
from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from .models import MobileNumber, NumberSegment
from .patterns import MOBILE_NUMBER, Classifier, fast_digit_mask, grams_literal
from .tiers import active_rules

BATCH = 50_000
COLUMNS = ("number", "reversed_number", "grams", "digit_mask", "city", "status", "tier", "price",
           "minimum_spend", "contract_months", "random_key", "hold_owner", "created_at", "updated_at")


@dataclass
class ImportReport:
    read: int = 0
    added: int = 0
    already_in_pool: int = 0
    duplicate_in_file: int = 0
    invalid: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), the first 1000

    def refuse(self, line: int, reason: str):
        self.invalid += 1
        if len(self.problems) < 1000:
            self.problems.append((line, reason))


def _segments() -> list[str]:
    return sorted(NumberSegment.objects.values_list("prefix", flat=True), key=len, reverse=True)


def import_rows(rows, default_city: str, report: ImportReport, progress=None) -> ImportReport:
    """rows: iterable of (line number, number, city or ""). A first load into an empty pool builds
    the search indexes once at the end instead of row by row (several times faster); later loads
    go through a staging table that skips numbers already in the pool."""
    if not MobileNumber.objects.exists():
        return _first_load(rows, default_city, report, progress)
    return _load_rows(rows, default_city, report, progress, _load)


def _first_load(rows, default_city, report, progress):
    with connection.cursor() as cursor:  # one first load per carrier at a time
        cursor.execute("SELECT pg_advisory_lock(hashtext(current_schema() || ':first-number-load'))")
    try:
        if MobileNumber.objects.exists():  # another import got here first
            return _load_rows(rows, default_city, report, progress, _load)
        indexes = list(MobileNumber._meta.indexes)
        with connection.schema_editor() as editor:
            for index in indexes:
                editor.remove_index(MobileNumber, index)
        try:
            return _load_rows(rows, default_city, report, progress, _copy_straight_in)
        finally:
            with connection.schema_editor() as editor:
                for index in indexes:
                    editor.add_index(MobileNumber, index)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(current_schema() || ':first-number-load'))")


def _load_rows(rows, default_city, report, progress, load):
    segments, classifier = _segments(), Classifier(active_rules())
    seen: set[str] = set()
    batch = []
    rng = random.Random()
    for line, number, city in rows:
        report.read += 1
        number = number.strip()
        city = (city or default_city).strip()
        if not MOBILE_NUMBER.match(number):
            report.refuse(line, _("“%(value)s” is not an 11-digit mobile number") % {"value": number[:20]})
            continue
        if not any(number.startswith(p) for p in segments):
            report.refuse(line, _("%(number)s is not in a segment this carrier owns") % {"number": number})
            continue
        if not re.match(r"^[-a-z0-9_]{1,20}$", city):
            report.refuse(line, _("city “%(city)s” is not a city code") % {"city": city[:20]})
            continue
        if number in seen:
            report.duplicate_in_file += 1
            continue
        seen.add(number)
        terms = classifier.terms(number)
        batch.append((number, number[::-1], grams_literal(number), fast_digit_mask(number), city,
                      "available", *terms, rng.getrandbits(31), ""))
        if len(batch) >= BATCH:
            load(batch, report)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        load(batch, report)
        if progress:
            progress(len(batch))
    return report


def _copy_buffer(batch):
    buffer = io.StringIO()
    for row in batch:
        buffer.write("\t".join(str(v) for v in row) + "\tnow\tnow\n")
    buffer.seek(0)
    return buffer


def _copy_straight_in(batch, report: ImportReport) -> None:
    """First load: the pool was empty and the file's duplicates are already dropped."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.copy_from(_copy_buffer(batch), "catalog_mobilenumber", columns=COLUMNS)
    report.added += len(batch)


def _load(batch, report: ImportReport) -> None:
    buffer = _copy_buffer(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        # An import is re-runnable, so a crash losing the last batches costs nothing: skip the
        # wait for the WAL flush at each batch's commit.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("DROP TABLE IF EXISTS number_import")
        cursor.execute(f"CREATE TEMP TABLE number_import ON COMMIT DROP AS SELECT {', '.join(COLUMNS)} "
                       "FROM catalog_mobilenumber WITH NO DATA")
        cursor.copy_from(buffer, "number_import", columns=COLUMNS)
        # The anti-join skips numbers already in the pool cheaply; ON CONFLICT still guards a race.
        cursor.execute(f"INSERT INTO catalog_mobilenumber ({', '.join(COLUMNS)}) "
                       f"SELECT {', '.join('i.' + c for c in COLUMNS)} FROM number_import i "
                       "WHERE NOT EXISTS (SELECT 1 FROM catalog_mobilenumber m WHERE m.number = i.number) "
                       "ON CONFLICT (number) DO NOTHING")
        added = cursor.rowcount
    report.added += added
    report.already_in_pool += len(batch) - added


def rows_from_csv(handle):
    """(line, number, city) from a CSV whose first column is the number and optional second the city.
    A header line is skipped."""
    for line, record in enumerate(csv.reader(handle), start=1):
        if not record or not record[0].strip():
            continue
        if line == 1 and not record[0].strip()[:1].isdigit():
            continue  # header
        yield line, record[0], record[1] if len(record) > 1 else ""


def generated_rows(count: int, segment: str, seed=None):
    """`count` distinct random numbers in `segment` (demo pools, benchmarks)."""
    rng = random.Random(seed)
    width = 11 - len(segment)
    for i, value in enumerate(rng.sample(range(10 ** width), count), start=1):
        yield i, f"{segment}{value:0{width}d}", ""


def run_upload(upload_id: int) -> str:
    """Load a staff upload (NumberImport), saving progress after every batch. Idempotent: a finished
    upload is left alone, and re-running an interrupted one skips the numbers already loaded."""
    from django.utils import timezone

    from .models import NumberImport

    with transaction.atomic():
        job = NumberImport.objects.select_for_update().filter(pk=upload_id).first()
        if job is None or job.status in (NumberImport.Status.DONE, NumberImport.Status.FAILED):
            return job.status if job else "missing"
        job.status = NumberImport.Status.RUNNING
        job.save(update_fields=["status"])
    report = ImportReport()

    def save_progress(_count=0):
        NumberImport.objects.filter(pk=upload_id).update(
            read=report.read, added=report.added, already_in_pool=report.already_in_pool,
            duplicate_in_file=report.duplicate_in_file, invalid=report.invalid, problems=report.problems[:200])

    try:
        with job.file.open("rb") as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            import_rows(rows_from_csv(handle), job.city, report, progress=save_progress)
    except (UnicodeDecodeError, csv.Error) as exc:
        save_progress()
        NumberImport.objects.filter(pk=upload_id).update(
            status=NumberImport.Status.FAILED, finished_at=timezone.now(),
            error=_("The file is not a UTF-8 CSV (%(reason)s).") % {"reason": exc.__class__.__name__})
        return NumberImport.Status.FAILED
    save_progress()
    NumberImport.objects.filter(pk=upload_id).update(status=NumberImport.Status.DONE, finished_at=timezone.now())
    return NumberImport.Status.DONE
