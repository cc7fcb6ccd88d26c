"""The person's fields leave the seat: they live on Person now; every seat has its person."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deputies", "0003_person_seat_data")]

    operations = [
        # A default first, so that migrating back can re-add the columns to rows that exist.
        migrations.AlterField(
            model_name="deputy", name="name", field=models.CharField(default="", max_length=50, verbose_name="name")
        ),
        migrations.AlterField(
            model_name="deputy",
            name="gender",
            field=models.CharField(
                choices=[("M", "male"), ("F", "female")], default="M", max_length=1, verbose_name="gender"
            ),
        ),
        migrations.RemoveField(model_name="deputy", name="user"),
        migrations.RemoveField(model_name="deputy", name="name"),
        migrations.RemoveField(model_name="deputy", name="gender"),
        migrations.RemoveField(model_name="deputy", name="birth_year"),
        migrations.RemoveField(model_name="deputy", name="party"),
        migrations.RemoveField(model_name="deputy", name="workplace"),
        migrations.RemoveField(model_name="deputy", name="phone"),
        migrations.AlterField(
            model_name="deputy",
            name="person",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="seats",
                to="deputies.person",
                verbose_name="person",
            ),
        ),
        migrations.AddConstraint(
            model_name="deputy",
            constraint=models.UniqueConstraint(fields=("term", "person"), name="deputy_one_seat_per_term"),
        ),
    ]
