"""A new carrier's schema is copied from the template by tenants.cloning: it must be the same as
a schema made by running every migration (tables, columns in order, constraints, indexes,
sequences and their positions, triggers, rows), plus the first staff account."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from tenants import cloning
from tenants.services import TEMPLATE_SCHEMA, CarrierSpec, create_carrier, ensure_template, template_is_current
from tests.support.schemas import differences, snapshot

PASSWORD = "Clone-staff-2026"
# What creating a carrier adds to the template's copy: its first staff account.
STAFF = {"auth_user": ("password", "last_login", "date_joined")}


def _without_staff(found: dict) -> dict:
    sequences = [s for s in found["sequences"] if s[0] != "auth_user_id_seq"]
    found = dict(found, rows=dict(found["rows"]), sequences=sequences)
    found["rows"].pop("auth_user")
    return found


def _new_carrier(slug: str):
    return create_carrier(CarrierSpec(slug=slug, name=slug, admin_password=PASSWORD))


def test_the_fast_copy_is_the_template_plus_the_first_staff_account(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the general clone_schema ran")

    monkeypatch.setattr("tenants.services.CloneSchema.clone_schema", refuse)
    carrier = _new_carrier("kappa")
    copied, template = snapshot(carrier.schema_name, STAFF), snapshot(TEMPLATE_SCHEMA, STAFF)
    assert differences(_without_staff(copied), _without_staff(template)) == {}
    assert copied["rows"]["auth_user"] and len(copied["rows"]["auth_user"]) == 1
    with schema_context(carrier.schema_name):
        staff = get_user_model().objects.get()
        assert staff.username == "admin" and staff.is_staff and staff.is_superuser and staff.check_password(PASSWORD)
        assert staff.pk == 1  # the template's user sequence was never used


def test_the_copy_is_the_same_as_a_schema_made_by_every_migration(db, settings):
    cloned = _new_carrier("lambda")
    settings.TENANT_CREATION_FAKES_MIGRATIONS, settings.TENANT_BASE_SCHEMA = False, None  # every migration
    migrated = _new_carrier("mu")
    applied = {"django_migrations": ("applied",), **STAFF}
    assert differences(snapshot(cloned.schema_name, applied), snapshot(migrated.schema_name, applied)) == {}


def test_the_general_clone_still_makes_the_same_tables_and_rows(db, monkeypatch):
    """django-tenants' clone_schema, used when the template holds what the fast copy does not
    know, is not exact: it renames Django's unique constraints to PostgreSQL's default names
    (`..._key`) and makes integer ids' identity sequences bigint. Tables, columns and rows match."""
    fast = _new_carrier("nu")
    monkeypatch.setattr(cloning, "fast_clone_supported", lambda template: False)
    general = _new_carrier("xi")
    found = differences(snapshot(fast.schema_name, STAFF), snapshot(general.schema_name, STAFF))
    assert "columns" not in found and "rows" not in found and "triggers" not in found


def test_a_template_with_objects_the_copy_does_not_know_is_cloned_the_general_way(db):
    assert cloning.fast_clone_supported(TEMPLATE_SCHEMA)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE VIEW {TEMPLATE_SCHEMA}.staff_names AS SELECT username FROM {TEMPLATE_SCHEMA}.auth_user")
    assert not cloning.fast_clone_supported(TEMPLATE_SCHEMA)


def test_a_template_that_missed_a_migration_is_migrated_before_it_is_copied(db, monkeypatch):
    assert template_is_current(TEMPLATE_SCHEMA)
    with connection.cursor() as cursor:
        table = f"{TEMPLATE_SCHEMA}.django_migrations"
        cursor.execute(f"DELETE FROM {table} WHERE id = (SELECT max(id) FROM {table})")
    assert not template_is_current(TEMPLATE_SCHEMA)
    calls = []
    monkeypatch.setattr("tenants.services.call_command", lambda *args, **kwargs: calls.append((args, kwargs)))
    ensure_template()
    assert calls and calls[0][0] == ("migrate_schemas",) and calls[0][1]["schema_name"] == TEMPLATE_SCHEMA


@pytest.mark.parametrize("name", ["c_omicron", "c_with_digits_42"])
def test_the_script_names_only_the_new_schema_besides_reading_the_template(db, name):
    script = cloning.clone_script(TEMPLATE_SCHEMA, name)
    for statement in script.split(";\n"):
        if TEMPLATE_SCHEMA in statement.replace(f'"{name}"', ""):
            assert statement.startswith(("INSERT INTO", "SELECT setval")), statement
