"""Migration operations for moving models between apps while their tables keep their names.

`AdoptTables` wraps the operations that make a model's state in its new app. In a database that
already has the table (made by the old app's migrations) it changes only the state; in a fresh
database it creates the tables as written. Either way no row moves and no data migration runs.

`MoveContentTypes` renames the models' content types to the new app, so the permissions that staff
groups hold, and the admin's history, follow the models."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps


class AdoptTables(migrations.SeparateDatabaseAndState):
    def __init__(self, table: str, operations: list[migrations.operations.base.Operation]) -> None:
        self.table = table
        super().__init__(database_operations=operations, state_operations=operations)

    def deconstruct(self) -> tuple[str, list, dict]:
        return (self.__class__.__qualname__, [], {"table": self.table, "operations": self.state_operations})

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            if self.table in connection.introspection.table_names(cursor):
                return  # made by the app that owned the model before: adopt it as it is
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Never drop an adopted table on the way back: the rows were there before this app."""

    def describe(self) -> str:
        return f"Adopt the table {self.table} (create it if missing)"


def _rename(old_label: str, new_label: str, models: list[str]):
    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in models:
            if ContentType.objects.using(db).filter(app_label=new_label, model=model).exists():
                continue
            ContentType.objects.using(db).filter(app_label=old_label, model=model).update(app_label=new_label)

    return forwards


def MoveContentTypes(old_label: str, new_label: str, models: list[str]) -> migrations.RunPython:  # noqa: N802
    return migrations.RunPython(
        _rename(old_label, new_label, models), _rename(new_label, old_label, models), elidable=False
    )
