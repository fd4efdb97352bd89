"""NumberAuthCode moves to subscribers with its table (subscribers 0001 adopts it): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0009_verification"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="NumberAuthCode")]),
    ]
