"""What one new-SIM order costs on its way through the pipeline: SQL statements the server receives
and calls to the carrier's systems. A count, not a time, so it holds on a busy machine.

The test runs inside the test's transaction, so the pipeline's transactions arrive as SAVEPOINT /
RELEASE instead of BEGIN / COMMIT: one statement each way, the same count the worker sends."""

import collections
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders import fulfilment
from tenants.simulators.bss import SimulatedBss
from tenants.simulators.logistics import SimulatedLogistics
from tenants.simulators.sms import SimulatedSms
from tests.support.orders import paid, place_sim_order, verify

MAX_STATEMENTS = 80
GATEWAY_CALLS = 8  # occupy, open account, ship, track, activate, first top-up, 2 texts


def _kind(sql: str) -> str:
    """`SELECT orders_order`, `SET search_path`, `SAVEPOINT`: what a statement is, for the report."""
    words = sql.split()
    verb = words[0].upper()
    if verb in {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET"}:
        return " ".join(words[:2]) if verb == "SET" else verb
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
    lock = " FOR UPDATE" if "FOR UPDATE" in sql else ""
    return f"{verb} {table.group(1) if table else '?'}{lock}"


def _counting_gateway_calls(monkeypatch) -> collections.Counter:
    calls: collections.Counter = collections.Counter()
    for adapter in (SimulatedBss, SimulatedSms, SimulatedLogistics):
        for name, method in list(vars(adapter).items()):
            if callable(method) and not name.startswith("_"):

                def counted(self, *args, _method=method, _name=f"{adapter.__name__}.{name}", **kwargs):
                    calls[_name] += 1
                    return _method(self, *args, **kwargs)

                monkeypatch.setattr(adapter, name, counted)
    return calls


def test_a_sim_order_costs_few_statements_and_one_call_per_effect(quick, monkeypatch):
    order, _number = place_sim_order()
    order = paid(order)
    verify(order)  # verified before the worker runs: one run carries the order to completed
    calls = _counting_gateway_calls(monkeypatch)
    connection.set_tenant(connection.tenant)  # as a worker starts a task: the search_path not yet sent
    with CaptureQueriesContext(connection) as captured:
        assert fulfilment.run(order.pk) == "completed"
    kinds = collections.Counter(_kind(q["sql"]) for q in captured.captured_queries)
    report = "\n".join(f"{n:4} {kind}" for kind, n in kinds.most_common())
    print(f"\n{len(captured)} statements, {sum(calls.values())} gateway calls\n{report}\n{dict(calls)}")
    assert len(captured) <= MAX_STATEMENTS, report
    assert sum(calls.values()) == GATEWAY_CALLS, calls
