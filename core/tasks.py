"""One way to send a task: by dotted path (no service imports a tasks module), in the current
carrier's schema, on commit (`send_on_commit`) or at once from a sweeper (`send`)."""

from __future__ import annotations

from django.db import transaction
from django.utils.module_loading import import_string

from core.tenancy import current_schema


def send_on_commit(task_path: str, args: tuple = (), countdown: float = 0) -> None:
    """Send a task (by dotted path: task modules import the services that call this) once the
    current transaction commits, in the current carrier's schema. Robustly: with the broker down
    the caller carries on and a sweeper sends the work again."""
    schema = current_schema()
    transaction.on_commit(
        lambda: import_string(task_path).apply_async(args, countdown=countdown, headers={"_schema_name": schema}),
        robust=True,
    )


def send(task_path: str, args: tuple = ()) -> None:
    """Send a task now (a sweeper re-sending lost work: no transaction to wait for), in the
    current carrier's schema."""
    import_string(task_path).apply_async(args, headers={"_schema_name": current_schema()})
