"""Copying the template schema into a new carrier's schema, in one round trip.

django-tenants' `clone_schema` (pg-clone-schema, PL/pgSQL) takes about two seconds: it queries
the catalogue object by object on the server. The template holds only what Django migrations
make: tables, identity and plain sequences, constraints, indexes and the rows post_migrate
writes. This module reads those from the catalogue in a few queries and replays them as one
script; anything else in the template (views, functions, types, triggers, policies, comments,
grants, partitions...) makes `fast_clone_supported` say no and the caller uses django-tenants'
function instead. tests/tenants/test_cloning.py compares the result with migrated schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

# Every catalogue read below goes through an index: pg_class has none on the schema alone, and a
# platform with hundreds of carriers has hundreds of thousands of catalogue rows to scan.
# Objects of the schema are found by their dependency on it (pg_depend's `refobjid` index):
# tables, sequences and anything else made in it, except indexes (they depend on their table).
OBJECTS_SQL = """
SELECT d.classid = 'pg_class'::regclass, c.oid, c.relkind,
       c.relpersistence <> 'p' OR c.relispartition OR c.relhassubclass OR c.relrowsecurity
       OR c.reloptions IS NOT NULL OR c.relacl IS NOT NULL OR c.reltablespace <> 0
FROM pg_depend d
LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %s::regnamespace AND d.deptype = 'n'
"""

# What tables can carry that the script below does not reproduce: user triggers, policies,
# rules, comments, inheritance, column grants and options, extended statistics, clustered
# indexes or indexes with storage options.
TABLE_EXTRAS_SQL = """
SELECT
  (SELECT count(*) FROM pg_trigger WHERE tgrelid = ANY(%(tables)s::oid[]) AND NOT tgisinternal)
  + (SELECT count(*) FROM pg_policy WHERE polrelid = ANY(%(tables)s::oid[]))
  + (SELECT count(*) FROM pg_rewrite WHERE ev_class = ANY(%(tables)s::oid[]))
  + (SELECT count(*) FROM pg_description WHERE objoid = ANY(%(tables)s::oid[]) AND classoid = 'pg_class'::regclass)
  + (SELECT count(*) FROM pg_inherits WHERE inhrelid = ANY(%(tables)s::oid[]))
  + (SELECT count(*) FROM pg_inherits WHERE inhparent = ANY(%(tables)s::oid[]))
  + (SELECT count(*) FROM pg_attribute WHERE attrelid = ANY(%(tables)s::oid[]) AND attnum > 0
       AND (attacl IS NOT NULL OR attoptions IS NOT NULL))
  + (SELECT count(*) FROM pg_statistic_ext WHERE stxrelid = ANY(%(tables)s::oid[]))
  + (SELECT count(*) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = ANY(%(tables)s::oid[])
       AND (x.indisclustered OR i.reloptions IS NOT NULL OR i.reltablespace <> 0))
"""

COLUMNS_SQL = """
SELECT c.relname, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
       CASE WHEN a.attcollation <> t.typcollation
            THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                  FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                  WHERE co.oid = a.attcollation) END,
       sc.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
       s.seqcache, s.seqcycle
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_depend dep ON a.attidentity <> '' AND dep.refclassid = 'pg_class'::regclass
     AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.classid = 'pg_class'::regclass
     AND dep.deptype = 'i'
LEFT JOIN pg_sequence s ON s.seqrelid = dep.objid
LEFT JOIN pg_class sc ON sc.oid = s.seqrelid
WHERE c.oid = ANY(%s::oid[])
ORDER BY c.oid, a.attnum
"""

# Sequences that are not a column's identity (e.g. the order number sequence a migration makes),
# with the column that owns one, if any.
SEQUENCES_SQL = """
SELECT sc.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
       s.seqcache, s.seqcycle, owner.relname, quote_ident(oa.attname)
FROM pg_sequence s
JOIN pg_class sc ON sc.oid = s.seqrelid
LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = sc.oid
     AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
LEFT JOIN pg_class owner ON owner.oid = dep.refobjid
LEFT JOIN pg_attribute oa ON oa.attrelid = dep.refobjid AND oa.attnum = dep.refobjsubid
WHERE s.seqrelid = ANY(%s::oid[]) AND (dep.deptype IS NULL OR dep.deptype = 'a')
ORDER BY sc.oid
"""

# With each constraint: for a foreign key, the referenced table when it is in the same schema
# and whether the referenced side is a primary key or unique constraint (not a bare index).
CONSTRAINTS_SQL = """
SELECT c.relname, quote_ident(k.conname), k.contype, pg_get_constraintdef(k.oid), k.convalidated,
       k.condeferrable, fc.relname,
       EXISTS (SELECT 1 FROM pg_constraint r WHERE r.conrelid = k.confrelid AND r.conindid = k.conindid
               AND r.contype IN ('p', 'u'))
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
LEFT JOIN pg_class fc ON fc.oid = k.confrelid AND fc.relnamespace = c.relnamespace
WHERE k.conrelid = ANY(%s::oid[])
ORDER BY k.oid
"""

INDEXES_SQL = """
SELECT pg_get_indexdef(x.indexrelid)
FROM pg_index x
WHERE x.indrelid = ANY(%s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = x.indrelid AND k.conindid = x.indexrelid)
ORDER BY x.indexrelid
"""


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _sequence_options(seq_type: str | None, start: int, inc: int, low: int, high: int, cache: int, cycle: bool) -> str:
    # An identity's sequence takes its column's type (PostgreSQL refuses an AS for it).
    typed = f"AS {seq_type} " if seq_type else ""
    return (
        f"{typed}INCREMENT BY {inc} MINVALUE {low} MAXVALUE {high} START WITH {start} "
        f"CACHE {cache} {'CYCLE' if cycle else 'NO CYCLE'}"
    )


@dataclass
class _Table:
    name: str
    columns: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)  # columns whose values are copied (not generated)
    identity: bool = False
    sequences: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)  # made with the table
    later: list[str] = field(default_factory=list)  # added after the rows


@dataclass(frozen=True)
class _Objects:
    tables: list[int]
    sequences: list[int]
    plain: bool  # nothing but plain tables and sequences


def _objects(template: str) -> _Objects:
    with connection.cursor() as cursor:
        cursor.execute(OBJECTS_SQL, [template])
        found = cursor.fetchall()
    tables = [oid for is_rel, oid, kind, _odd in found if is_rel and kind == "r"]
    sequences = [oid for is_rel, oid, kind, _odd in found if is_rel and kind == "S"]
    plain = all(is_rel and kind in ("r", "S") and not odd for is_rel, _oid, kind, odd in found)
    return _Objects(tables, sequences, plain)


def fast_clone_supported(template: str) -> bool:
    """Whether the template holds only what `clone_script` reproduces."""
    objects = _objects(template)
    if not objects.plain:
        return False
    with connection.cursor() as cursor:
        cursor.execute(TABLE_EXTRAS_SQL, {"tables": objects.tables})
        row = cursor.fetchone()
    return row is not None and row[0] == 0


def _tables(columns: list[tuple], dst: str, retarget: Callable[[str], str]) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    for relname, col, col_type, notnull, default, identity, generated, collation, *seq in columns:
        table = tables.setdefault(relname, _Table(relname))
        spec = f"{col} {col_type}"
        if collation:
            spec += f" COLLATE {collation}"
        if generated:
            spec += f" GENERATED ALWAYS AS ({retarget(default)}) STORED"
        elif default is not None:
            spec += f" DEFAULT {retarget(default)}"
        if identity:
            seq_name, _seq_type, *options = seq
            kind = "ALWAYS" if identity == "a" else "BY DEFAULT"
            options_sql = _sequence_options(None, *options)
            spec += f" GENERATED {kind} AS IDENTITY (SEQUENCE NAME {dst}.{_q(seq_name)} {options_sql})"
            table.identity = True
            table.sequences.append(seq_name)
        if notnull:
            spec += " NOT NULL"
        table.columns.append(spec)
        if not generated:
            table.copied.append(col)
    return tables


def _place_constraints(tables: dict[str, _Table], constraints: list[tuple], retarget: Callable[[str], str]) -> None:
    """Constraints go inside CREATE TABLE where they can: one statement per table instead of one
    ALTER TABLE per constraint (each re-opens and re-checks its table). So do deferrable foreign
    keys to a table made before (their checks wait for the commit). The rest, and constraints
    the template holds unvalidated, are added after the rows."""
    position = {name: i for i, name in enumerate(tables)}  # the order the tables are made in
    for relname, conname, contype, definition, validated, deferrable, target_table, to_key in constraints:
        clause = f"CONSTRAINT {conname} {retarget(definition)}"
        inline = validated and (
            contype != "f" or (deferrable and to_key and position.get(target_table, len(position)) <= position[relname])
        )
        (tables[relname].constraints if inline else tables[relname].later).append(clause)


def clone_script(template: str, target: str) -> str:
    """The SQL that makes `target` a copy of `template`: structure, rows and sequence positions."""
    src, dst = _q(template), _q(target)
    objects = _objects(template)
    with connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(%s)", [template])
        (as_printed,) = cursor.fetchone() or (template,)
        found = []
        for sql, oids in (
            (COLUMNS_SQL, objects.tables),
            (SEQUENCES_SQL, objects.sequences),
            (CONSTRAINTS_SQL, objects.tables),
            (INDEXES_SQL, objects.tables),
        ):
            cursor.execute(sql, [oids])
            found.append(cursor.fetchall())
    columns, sequences, constraints, indexes = found

    # pg_get_*def() name the template's own objects schema-qualified (it is not on the search
    # path); those names are re-pointed at the new schema.
    qualified = re.compile(rf"(?<![\w\"]){re.escape(as_printed)}\.")

    def retarget(sql: str) -> str:
        return qualified.sub(lambda _m: f"{dst}.", sql)

    tables = _tables(columns, dst, retarget)
    _place_constraints(tables, constraints, retarget)
    statements = [f"CREATE SCHEMA {dst}"]
    owned = []
    for seq_name, *options, owner_table, owner_column in sequences:
        statements.append(f"CREATE SEQUENCE {dst}.{_q(seq_name)} {_sequence_options(*options)}")
        if owner_table:
            owned.append(f"ALTER SEQUENCE {dst}.{_q(seq_name)} OWNED BY {dst}.{_q(owner_table)}.{owner_column}")
    for table in tables.values():
        statements.append(f"CREATE TABLE {dst}.{_q(table.name)} ({', '.join(table.columns + table.constraints)})")
    statements.extend(owned)
    statements.extend(retarget(definition) for (definition,) in indexes)
    for table in tables.values():
        cols = ", ".join(table.copied)
        overriding = " OVERRIDING SYSTEM VALUE" if table.identity else ""
        statements.append(
            f"INSERT INTO {dst}.{_q(table.name)} ({cols}){overriding} SELECT {cols} FROM {src}.{_q(table.name)}"
        )
    for seq_name in [s for t in tables.values() for s in t.sequences] + [row[0] for row in sequences]:
        statements.append(f"SELECT setval('{dst}.{_q(seq_name)}', last_value, is_called) FROM {src}.{_q(seq_name)}")
    statements.extend(
        f"ALTER TABLE {dst}.{_q(t.name)} " + ", ".join(f"ADD {c}" for c in t.later) for t in tables.values() if t.later
    )
    return ";\n".join(statements) + ";"


def clone_schema(template: str, target: str) -> None:
    """Create `target` as a copy of `template` (inside the caller's transaction)."""
    script = clone_script(template, target)
    with connection.cursor() as cursor:
        cursor.execute(script)
