"""Imports run one way (DESIGN.md): the libraries below orders never import it, not even inside a
function. The full contracts (import-linter) follow when the tree is moved (issue 16)."""

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> dict[str, set[str]]:
    """Every module each file imports, relative imports resolved, imports inside functions included."""
    found: dict[str, set[str]] = {}
    for path in (PROJECT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        here = list(path.relative_to(PROJECT).with_suffix("").parts)[:-1]  # the file's package
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - (node.level - 1)] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                names.add(module)
                names |= {f"{module}.{alias.name}" for alias in node.names}  # `from . import x` is a module
        found[str(path.relative_to(PROJECT))] = names
    return found


def test_realname_never_imports_orders():
    upward = {
        path: sorted(n for n in names if n == "orders" or n.startswith("orders."))
        for path, names in imported_modules("realname").items()
    }
    assert not {path: names for path, names in upward.items() if names}


def test_payments_wire_nothing_that_follows_paid():
    """What follows PAID is declared in orders/reactions.py, so payments imports neither fulfilment,
    texts, real-name nor analytics; every reaction in the table resolves."""
    from django.utils.module_loading import import_string

    from orders.reactions import REACTIONS

    names = imported_modules("orders")["orders/payments/services.py"]
    wired = {n for n in names if n.startswith(("orders.fulfilment", "orders.notify", "realname", "analytics"))}
    assert not wired, wired
    for reactions in REACTIONS.values():
        for reaction in reactions:
            assert callable(import_string(reaction.path)), reaction.path


def test_no_test_imports_conftest_or_another_test_module():
    """Tests share through tests/support/ (clients, orders, identities, browser steps)."""
    offending = {
        path: sorted(n for n in names if n.split(".")[-1] == "conftest" or n.split(".")[-1].startswith("test_"))
        for path, names in imported_modules("tests").items()
        if not path.endswith("conftest.py")
    }
    assert not {path: names for path, names in offending.items() if names}


def test_the_layer_contracts_cover_every_app_and_ignore_nothing():
    """DESIGN.md's layers are import-linter contracts (run before the suite), with no exceptions listed."""
    import tomllib

    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["importlinter"]
    apps = {path.parent.name for path in PROJECT.glob("*/apps.py")}
    assert apps <= set(config["root_packages"])
    assert all("ignore_imports" not in contract for contract in config["contracts"])
    assert {contract.get("containers", ["*"])[0] for contract in config["contracts"]} == {"*", "orders"}


def test_every_timeline_action_is_declared_once_with_its_words():
    """The runner records each pipeline step under its name and the timeline reads it back through
    orders.events.Action: every step has its member, and an undeclared action is refused."""
    from orders.aftersales.staff_selectors import STEP_LABELS
    from orders.events import Action, record
    from orders.fulfilment.pipelines import PIPELINES

    steps = {step.name for pipeline in PIPELINES.values() for step in pipeline}
    assert steps <= set(Action.values), steps - set(Action.values)
    assert steps <= set(STEP_LABELS), steps - set(STEP_LABELS)  # staff read each step by its name
    with pytest.raises(ValueError, match="not_an_action"):
        record(None, "not_an_action")  # refused before anything is written
