"""代表本人与席位: a Person table and, on each seat (Deputy), its person and its own span."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deputies", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Person",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, verbose_name="name")),
                (
                    "gender",
                    models.CharField(choices=[("M", "male"), ("F", "female")], max_length=1, verbose_name="gender"),
                ),
                ("ethnicity", models.CharField(blank=True, max_length=20, verbose_name="ethnicity")),
                ("birth_year", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="birth year")),
                ("party", models.CharField(blank=True, max_length=30, verbose_name="political affiliation")),
                ("workplace", models.CharField(blank=True, max_length=120, verbose_name="workplace and post")),
                ("phone", models.CharField(blank=True, max_length=20, verbose_name="mobile phone")),
                (
                    "user",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="deputy_person",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "deputy (person)",
                "verbose_name_plural": "deputies (people)",
                "ordering": ["name", "pk"],
                "indexes": [models.Index(fields=["name", "birth_year"], name="person_name_birth")],
            },
        ),
        migrations.AddField(
            model_name="deputy",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="seats",
                to="deputies.person",
                verbose_name="person",
            ),
        ),
        migrations.AddField(
            model_name="deputy",
            name="start_date",
            field=models.DateField(blank=True, null=True, verbose_name="seat start date"),
        ),
        migrations.AddField(
            model_name="deputy",
            name="end_date",
            field=models.DateField(blank=True, null=True, verbose_name="seat end date"),
        ),
        migrations.AddField(
            model_name="deputy",
            name="end_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("resigned", "resigned"),
                    ("recalled", "recalled"),
                    ("transferred", "transferred away"),
                    ("deceased", "deceased"),
                    ("other", "other"),
                ],
                max_length=20,
                verbose_name="reason the seat ended",
            ),
        ),
    ]
