"""The number inventory's models now belong to `numberpool` (its 0001 adopts their tables): here
they leave catalog's state only. No table is dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0010_verbose_names"),
        ("numberpool", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="DroppedNumberIndex"),
                migrations.DeleteModel(name="MobileNumber"),
                migrations.RemoveField(model_name="numberimport", name="created_by"),
                migrations.DeleteModel(name="NumberSegment"),
                migrations.DeleteModel(name="TierRule"),
                migrations.DeleteModel(name="NumberImport"),
            ],
            database_operations=[],
        ),
    ]
