"""阅读偏好: the amount unit a reader chose (元 / 万元 / 亿元)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("budget", "0011_finding_step_workflow_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReaderPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount_unit",
                    models.CharField(
                        choices=[
                            ("yuan", "yuan"),
                            ("wan", "10,000 yuan"),
                            ("yi", "100 million yuan"),
                        ],
                        default="yuan",
                        max_length=8,
                        verbose_name="amount unit",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="budget_reading",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "budget reading preference",
                "verbose_name_plural": "budget reading preferences",
            },
        ),
    ]
