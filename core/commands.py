"""The base of every Hall management command: it speaks the operator's language (zh-hans unless
`--lang en`), prints results as aligned tables, draws progress bars that are not styled as errors,
and says in one line which variables to set when the database is not there (no 90-line traceback).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError, connection
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two (a carrier's name must not skew the table)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows under headers in aligned columns (numbers to the right), a rule under the headers."""
    rows = [list(row) for row in rows]
    cells = [[str(h) for h in headers]] + [["—" if v is None or v == "" else str(v) for v in row] for row in rows]
    right = [bool(rows) and all(_numeric(row[i]) for row in rows) for i in range(len(headers))]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        padded = [
            (" " * (w - _width(c)) + c) if r else (c + " " * (w - _width(c)))
            for c, w, r in zip(row, widths, right, strict=True)
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(cells[0]), "  ".join("-" * w for w in widths)] + [line(row) for row in cells[1:]])


class HallCommand(BaseCommand):
    """Subclass this instead of BaseCommand for every command of the project."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the output (default %(default)s)",
        )
        return parser

    def execute(self, *args: Any, **options: Any) -> str | None:
        with translation.override(options.get("lang") or settings.LANGUAGE_CODE):
            try:
                connection.ensure_connection()
            except OperationalError:
                raise CommandError(self.unreachable_message()) from None
            return super().execute(*args, **options)

    @staticmethod
    def unreachable_message() -> str:
        db = settings.DATABASES["default"]
        where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
        return _(
            "No database answers at %(where)s. Start `./hallctl up` (then `./hallctl manage …` finds it), "
            "or set DATABASE_URL and REDIS_URL to your servers (with `./hallctl manage`: HALL_PG_PORT, "
            "HALL_REDIS_PORT and HALL_PORT of the `up` you mean)."
        ) % {"where": where}

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.stdout.write(table(headers, rows))

    def progress(self, **kwargs: Any) -> tqdm:
        """A tqdm bar on the raw stderr stream: Django's stderr wrapper would style every redraw as
        an error (red) and end it with a newline (a new bar per update)."""
        verbosity = kwargs.pop("verbosity", 1)
        return tqdm(file=getattr(self.stderr, "_out", self.stderr), disable=verbosity == 0, **kwargs)
