"""What a schema holds, as plain data to compare two schemas: tables and their columns in order,
constraints, indexes, sequences with their positions, and every row. The schema's own name is
written as `S` so that two schemas' definitions compare equal."""

from __future__ import annotations

from typing import Any

from django.db import connection

COLUMNS = """
SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale,
       is_nullable, column_default, is_identity, identity_generation, is_generated, generation_expression,
       collation_name, udt_name
FROM information_schema.columns WHERE table_schema = %s ORDER BY table_name, ordinal_position
"""
CONSTRAINTS = """
SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable, k.condeferred, k.convalidated
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s
"""
INDEXES = "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s"
SEQUENCES = """
SELECT s.sequencename, s.data_type, s.start_value, s.min_value, s.max_value, s.increment_by, s.cycle,
       s.cache_size, s.last_value,
       (SELECT c.relname || '.' || a.attname || ':' || d.deptype::text FROM pg_depend d
        JOIN pg_class c ON c.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.objid = format('%%I.%%I', s.schemaname, s.sequencename)::regclass
          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
FROM pg_sequences s WHERE s.schemaname = %s
"""
RELATIONS = """
SELECT c.relname, c.relkind, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s
"""
TRIGGERS = """
SELECT c.relname, t.tgtype, t.tgenabled, t.tgdeferrable, t.tginitdeferred, p.proname, fc.relname
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid LEFT JOIN pg_class fc ON fc.oid = t.tgconstrrelid
WHERE n.nspname = %s
"""


def _fetch(sql: str, schema: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [schema])
        return cursor.fetchall()


def _plain(value: Any, schema: str) -> Any:
    return value.replace(f"{schema}.", "S.").replace(f'"{schema}".', "S.") if isinstance(value, str) else value


def rows(schema: str, table: str, skip: tuple[str, ...] = ()) -> list[tuple]:
    """Every row of a table, ordered, without the columns in `skip`."""
    names = [r[1] for r in _fetch(COLUMNS, schema) if r[0] == table and r[1] not in skip]
    cols = ", ".join(connection.ops.quote_name(n) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {connection.ops.quote_name(schema)}.{connection.ops.quote_name(table)}")
        return sorted(cursor.fetchall(), key=repr)


def snapshot(schema: str, skip_columns: dict[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    skip_columns = skip_columns or {}

    def plain(found: list[tuple]) -> list[tuple]:
        return sorted((tuple(_plain(v, schema) for v in row) for row in found), key=repr)

    ordered = [tuple(_plain(v, schema) for v in row) for row in _fetch(COLUMNS, schema)]
    tables = sorted({r[0] for r in ordered})
    return {
        "relations": plain(_fetch(RELATIONS, schema)),
        "columns": ordered,
        "constraints": plain(_fetch(CONSTRAINTS, schema)),
        "indexes": plain(_fetch(INDEXES, schema)),
        "sequences": plain(_fetch(SEQUENCES, schema)),
        "triggers": plain(_fetch(TRIGGERS, schema)),
        "rows": {table: rows(schema, table, skip_columns.get(table, ())) for table in tables},
    }


def differences(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Per part, what only one side has (empty when the schemas are the same)."""
    out: dict[str, Any] = {}
    for part in left:
        if part == "rows":
            diff = {t: (left[part].get(t), right[part].get(t)) for t in set(left[part]) | set(right[part])}
            diff = {t: pair for t, pair in diff.items() if pair[0] != pair[1]}
        else:
            a, b = set(left[part]), set(right[part])
            diff = {"only left": sorted(a - b, key=repr), "only right": sorted(b - a, key=repr)}
            if part == "columns" and not (a ^ b) and left[part] != right[part]:
                diff = {"column order": True}
            if not any(diff.values()):
                diff = {}
        if diff:
            out[part] = diff
    return out
