"""Helpers for tests (DESIGN: helpers live here, never imported from conftest or another test module)."""
