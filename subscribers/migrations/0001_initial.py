"""The SMS codes that prove a number move here from orders with their table
(orders_numberauthcode: adopted as it is, created only in a database that lacks it); their content
type follows."""

from django.db import migrations, models

from core.migration_ops import AdoptTables, MoveContentTypes


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("orders", "0010_delete_numberauthcode"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        AdoptTables(
            "orders_numberauthcode",
            [
                migrations.CreateModel(
                    name="NumberAuthCode",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.CharField(max_length=11)),
                        ("purpose", models.CharField(max_length=20)),
                        ("code_hash", models.CharField(max_length=64)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField()),
                        ("used_at", models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        "db_table": "orders_numberauthcode",
                        "indexes": [
                            models.Index(fields=["number", "purpose", "-created_at"], name="orders_numb_number_29b2f1_idx")
                        ],
                    },
                ),
            ],
        ),
        MoveContentTypes("orders", "subscribers", ["numberauthcode"]),
    ]
