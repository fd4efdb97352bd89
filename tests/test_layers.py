"""Imports run one way (DESIGN.md): the libraries below orders never import it, not even inside a
function. The full contracts (import-linter) follow when the tree is moved (issue 16)."""

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (PROJECT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(PROJECT))] = names
    return found


def test_realname_never_imports_orders():
    upward = {
        path: sorted(n for n in names if n == "orders" or n.startswith("orders."))
        for path, names in imported_modules("realname").items()
    }
    assert not {path: names for path, names in upward.items() if names}
