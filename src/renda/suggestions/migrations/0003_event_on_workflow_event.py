"""The timeline (Event) joins the workflow kernel's append-only event base: longer action and state
columns, ``at`` defaults to now (was auto_now_add) and the actor column is named "by". Only column
widths, defaults and labels change: every stored row stays as it is."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0002_default_categories"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="action",
            field=models.CharField(blank=True, max_length=40, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="event",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="by",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="at"),
        ),
        migrations.AlterField(
            model_name="event",
            name="from_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("draft", "Draft"),
                    ("submitted", "Submitted"),
                    ("returned", "Returned for revision"),
                    ("converted", "Converted to an opinion"),
                    ("merged", "Merged"),
                    ("registered", "Registered"),
                    ("assigned", "Assigned"),
                    ("in_progress", "In progress"),
                    ("replied", "Replied"),
                    ("closed", "Closed"),
                ],
                max_length=20,
                verbose_name="from",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="to_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("draft", "Draft"),
                    ("submitted", "Submitted"),
                    ("returned", "Returned for revision"),
                    ("converted", "Converted to an opinion"),
                    ("merged", "Merged"),
                    ("registered", "Registered"),
                    ("assigned", "Assigned"),
                    ("in_progress", "In progress"),
                    ("replied", "Replied"),
                    ("closed", "Closed"),
                ],
                max_length=20,
                verbose_name="to",
            ),
        ),
    ]
