"""Schemathesis's CLI against a served OpenAPI schema (the shop's API and the TMF facades)."""

from __future__ import annotations

import subprocess
import sys
import tempfile

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


def run_schemathesis(
    port: int, schema_path: str, host: str, *headers: str, max_examples: int = 20, seed: int = 14
) -> tuple[int, str]:
    """schemathesis's CLI (its own process: its engine, threads and Hypothesis settings stay out of
    pytest's) over the schema this server serves; returns its exit code and output."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"http://127.0.0.1:{port}{schema_path}",
        # Python's HTTP clients do not resolve *.localhost: connect to 127.0.0.1, name the carrier.
        "--header",
        f"Host: {host}:{port}",
        *(arg for header in headers for arg in ("--header", header)),
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--no-color",
        # One worker: Python 3.11's ast module is not thread-safe, and Hypothesis parses with it.
        "--workers",
        "1",
    ]
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as scratch:
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr
