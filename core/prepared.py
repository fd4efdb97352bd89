"""Server-side prepared statements for the few hot, many-part statements (a claim, a budgeted
reservation): PostgreSQL plans such a statement in several times the time it runs it, and a flash
crowd runs it hundreds of times a second. Each database connection prepares a statement once, on
first use; PostgreSQL itself re-plans it when the search_path (the carrier) or a table changes.
Needs a session of its own per connection (PgBouncer in session mode, as the README says)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection


class Prepared:
    def __init__(self, name: str, sql: str, params: Sequence[tuple[str, str]]) -> None:
        """`sql` with %(name)s placeholders; `params`: (name, PostgreSQL type) in order."""
        text = sql
        for number, (param, _type) in enumerate(params, start=1):
            text = text.replace(f"%({param})s", f"${number}")
        self.name = name
        self.order = [param for param, _type in params]
        self.prepare = f"PREPARE {name}({', '.join(t for _p, t in params)}) AS {text}"
        # typed here too: the driver sends literals (ARRAY[NULL] would otherwise be text[])
        self.run = f"EXECUTE {name}({', '.join(f'%s::{t}' for _p, t in params)})"

    def execute(self, cursor: Any, values: Mapping[str, Any]) -> None:
        raw = connection.connection  # the driver's connection: prepared statements live and die with it
        held: tuple[Any, set[str]] | None = getattr(connection, "_hall_prepared", None)
        if held is None or held[0] is not raw:
            held = (raw, set())
            connection._hall_prepared = held  # type: ignore[attr-defined]
        if self.name not in held[1]:
            cursor.execute(self.prepare)
            held[1].add(self.name)
        cursor.execute(self.run, [values[p] for p in self.order])
