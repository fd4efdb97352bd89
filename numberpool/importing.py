"""Loading numbers into a carrier's pool: validate, classify, COPY in batches, skip duplicates,
report bad lines. Each batch commits on its own, so an import can be re-run after a failure."""

from __future__ import annotations

import csv
import io
import random
import threading
from dataclasses import dataclass, field
from itertools import chain, islice

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.translation import gettext as _

from catalog.models import City
from core.phone import is_mobile_number
from core.tenancy import current_schema
from numberpool.models import DroppedNumberIndex, MobileNumber, NumberImport, NumberSegment
from numberpool.patterns import MASK4, NO_TIER, Classifier
from numberpool.tiers import active_rules

BATCH = 50_000  # rows per transaction: the unit of progress and of what a failure loses
COPY_CHUNK = 256 * 1024

COLUMNS = (
    "number",
    "reversed_number",
    "grams",
    "digit_mask",
    "city",
    "status",
    "tier",
    "price",
    "minimum_spend",
    "contract_months",
    "random_key",
    "hold_owner",
    "created_at",
    "updated_at",
)


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
    the indexes once at the end instead of row by row (several times faster); later loads go
    through a staging table that skips numbers already in the pool. Loads into one carrier's pool
    run one at a time (a first load works without the unique index on the number)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(current_schema() || ':number-load'))")
    try:
        _restore_dropped_indexes()
        if MobileNumber.objects.exists():
            return _load_rows(rows, default_city, report, progress, _load)
        return _first_load(rows, default_city, report, progress)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(current_schema() || ':number-load'))")


def _first_load(rows, default_city, report, progress):
    """Into an empty pool: drop every index but the primary key (the unique index on the number
    and the search indexes cost three times the COPY itself when kept up row by row), load, then
    vacuum (hint bits, visibility map for index-only scans, no autovacuum pass during the first
    searches) and build the indexes again, each with one sort."""
    table = MobileNumber._meta.db_table
    indexes = _secondary_indexes(table)
    with transaction.atomic(), connection.cursor() as cursor:
        DroppedNumberIndex.objects.bulk_create(
            [
                DroppedNumberIndex(name=name, definition=definition, constraint=constraint or "")
                for name, definition, constraint in indexes
            ]
        )
        for name, _definition, constraint in indexes:
            if constraint:
                cursor.execute(f"ALTER TABLE {_qn(table)} DROP CONSTRAINT {_qn(constraint)}")
            else:
                cursor.execute(f"DROP INDEX {_qn(name)}")
    try:
        return _load_rows(rows, default_city, report, progress, _copy_straight_in)
    finally:
        _build_indexes(table, indexes)
        DroppedNumberIndex.objects.all().delete()


def _restore_dropped_indexes() -> None:
    """A first load that died half-way left its indexes dropped: build the missing ones."""
    dropped = list(DroppedNumberIndex.objects.all())
    if not dropped:
        return
    present = {name for name, _definition, _constraint in _secondary_indexes(MobileNumber._meta.db_table)}
    _create_indexes(
        connection,
        MobileNumber._meta.db_table,
        [(d.definition, d.constraint or None) for d in dropped if d.name not in present],
    )
    DroppedNumberIndex.objects.all().delete()


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _secondary_indexes(table: str) -> list[tuple[str, str, str | None]]:
    """(index name, CREATE INDEX statement, name of the unique constraint it backs or None)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), con.conname FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype = 'u' "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary ORDER BY c.relname",
            [_qn(table)],
        )
        return cursor.fetchall()


def _build_indexes(table, indexes) -> None:
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # VACUUM cannot run in a transaction (e.g. a test's)
            cursor.execute(f"ANALYZE {_qn(table)}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {_qn(table)}")
    btree = [(definition, constraint) for _name, definition, constraint in indexes if " USING gin " not in definition]
    gin = [(definition, None) for _name, definition, _constraint in indexes if " USING gin " in definition]
    if connection.in_atomic_block:  # another connection would not see this transaction's rows
        _create_indexes(connection, table, gin + btree)
        return
    # PostgreSQL builds a btree index with parallel workers but a GIN index on one core: the GIN
    # builds run on a second connection meanwhile.
    failures = []
    side = threading.Thread(target=_create_indexes_elsewhere, args=(current_schema(), table, gin, failures))
    side.start()
    try:
        _create_indexes(connection, table, btree)
    finally:
        side.join()
    if failures:
        raise failures[0]


def _create_indexes_elsewhere(schema_name, table, indexes, failures) -> None:
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        other.set_schema(schema_name)
        _create_indexes(other, table, indexes)
    except Exception as exc:  # re-raised by the caller's thread
        failures.append(exc)
    finally:
        other.close()


def _create_indexes(conn, table, indexes) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")  # each index sorted in memory, once
        try:
            for definition, constraint in indexes:
                cursor.execute(definition)
                if constraint:
                    cursor.execute(
                        f"ALTER TABLE {_qn(table)} ADD CONSTRAINT {_qn(constraint)} "
                        f"UNIQUE USING INDEX {_qn(constraint)}"
                    )
        finally:
            cursor.execute("RESET maintenance_work_mem")


def _copy_text(value) -> str:
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def known_cities() -> set[str]:

    return set(City.objects.values_list("code", flat=True))


def _accepted_lines(rows, default_city, report):
    """The COPY text line of every acceptable row; refusals and duplicates go to the report.
    Inlined and table-driven, this runs a million times for a big pool: the derived columns are
    patterns.grams() as an array literal ("1" + four digits is 10000 + their value; repeats are
    harmless in a GIN-indexed array) and patterns.digit_mask() from two 4-digit look-ups."""
    segments = set(_segments())
    classifier = Classifier(active_rules())
    terms = [f"{_copy_text(r.tier)}\t{r.price}\t{r.minimum_spend}\t{r.contract_months}" for r in classifier.rules]
    terms.append("\t".join(_copy_text(v) for v in NO_TIER))
    first_tail_rule, others, tier_index = classifier.first_tail_rule, classifier.others, classifier.index
    cities = known_cities()  # a code the shop does not sell in would show in no city's search
    seen: set[str] = set()
    bits = random.Random().getrandbits
    mask4 = MASK4
    for line, number, city in rows:
        report.read += 1
        number = number.strip()
        city = (city or default_city).strip()
        if not is_mobile_number(number):
            report.refuse(line, _("“%(value)s” is not an 11-digit mobile number") % {"value": number[:20]})
            continue
        if number[:3] not in segments and number[:4] not in segments:
            report.refuse(line, _("%(number)s is not in a segment this carrier owns") % {"number": number})
            continue
        if city not in cities:
            report.refuse(line, _("city “%(city)s” is not one of this carrier's cities") % {"city": city[:20]})
            continue
        if number in seen:
            report.duplicate_in_file += 1
            continue
        seen.add(number)
        rule = tier_index(number) if others else first_tail_rule[int(number[6:])]
        t = number[3:]
        yield (
            f"{number}\t{number[::-1]}\t{{1{t[0:4]},1{t[1:5]},1{t[2:6]},1{t[3:7]},1{t[4:8]}}}\t"
            f"{mask4[int(number[3:7])] | mask4[int(t[4:8])]}\t{city}\tavailable\t{terms[rule]}\t"
            f"{bits(31)}\t\tnow\tnow\n"
        )


class _CopyStream:
    """A file for COPY FROM that formats its rows as PostgreSQL reads them: the server parses one
    chunk while this process validates and classifies the next, on the machine's other core."""

    def __init__(self, lines):
        self.lines, self.count, self.failure = lines, 0, None

    def read(self, size=-1):
        try:
            chunk = list(islice(self.lines, 2000))
        except Exception as exc:  # e.g. a CSV that is not UTF-8: psycopg2 would turn it into QueryCanceled
            self.failure = exc
            return ""
        self.count += len(chunk)
        return "".join(chunk)

    def copy_to(self, cursor, table: str) -> None:
        cursor.copy_expert(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN", self, size=COPY_CHUNK)
        if self.failure:  # raised inside the batch's transaction, which rolls back
            raise self.failure


def _load_rows(rows, default_city, report, progress, load):
    lines = _accepted_lines(rows, default_city, report)
    while True:
        first = next(lines, None)
        if first is None:
            return report
        stream = _CopyStream(chain([first], islice(lines, BATCH - 1)))
        load(stream, report)
        if progress:
            progress(stream.count)


def _copy_straight_in(stream, report: ImportReport) -> None:
    """First load: the pool was empty and the file's duplicates are already dropped. Commits wait
    for the WAL flush here (twenty in a million rows): the vacuum right after the load marks pages
    all-visible (which index-only scans need) only if the rows' commits are flushed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = on")
        stream.copy_to(cursor, "catalog_mobilenumber")
    report.added += stream.count


def _load(stream, report: ImportReport) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # An import is re-runnable, so a crash losing the last batches costs nothing: skip the
        # wait for the WAL flush at each batch's commit.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("DROP TABLE IF EXISTS number_import")
        cursor.execute(
            f"CREATE TEMP TABLE number_import ON COMMIT DROP AS SELECT {', '.join(COLUMNS)} "
            "FROM catalog_mobilenumber WITH NO DATA"
        )
        stream.copy_to(cursor, "number_import")
        # The anti-join skips numbers already in the pool cheaply; ON CONFLICT still guards a race.
        cursor.execute(
            f"INSERT INTO catalog_mobilenumber ({', '.join(COLUMNS)}) "
            f"SELECT {', '.join('i.' + c for c in COLUMNS)} FROM number_import i "
            "WHERE NOT EXISTS (SELECT 1 FROM catalog_mobilenumber m WHERE m.number = i.number) "
            "ON CONFLICT (number) DO NOTHING"
        )
        added = cursor.rowcount
    report.added += added
    report.already_in_pool += stream.count - added


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
    number = f"{segment}{{:0{width}d}}".format
    for i, value in enumerate(rng.sample(range(10**width), count), start=1):
        yield i, number(value), ""


def run_upload(upload_id: int) -> str:
    """Load a staff upload (NumberImport), saving progress after every batch. Idempotent: a finished
    upload is left alone, and re-running an interrupted one skips the numbers already loaded."""
    from django.utils import timezone

    with transaction.atomic():
        job = NumberImport.objects.select_for_update().filter(pk=upload_id).first()
        if job is None or job.status in (NumberImport.Status.DONE, NumberImport.Status.FAILED):
            return job.status if job else "missing"
        job.status = NumberImport.Status.RUNNING
        job.save(update_fields=["status"])
    report = ImportReport()

    def save_progress(_count=0):
        NumberImport.objects.filter(pk=upload_id).update(
            read=report.read,
            added=report.added,
            already_in_pool=report.already_in_pool,
            duplicate_in_file=report.duplicate_in_file,
            invalid=report.invalid,
            problems=report.problems[:200],
        )

    try:
        with job.file.open("rb") as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            import_rows(rows_from_csv(handle), job.city, report, progress=save_progress)
    except (UnicodeDecodeError, csv.Error) as exc:
        save_progress()
        NumberImport.objects.filter(pk=upload_id).update(
            status=NumberImport.Status.FAILED,
            finished_at=timezone.now(),
            error=_("The file is not a UTF-8 CSV (%(reason)s).") % {"reason": exc.__class__.__name__},
        )
        return NumberImport.Status.FAILED
    save_progress()
    NumberImport.objects.filter(pk=upload_id).update(status=NumberImport.Status.DONE, finished_at=timezone.now())
    return NumberImport.Status.DONE
