"""Load the State Council's holiday arrangements shipped in ``core/data/holidays-cn.csv``.

Idempotent: a date already in the calendar is brought in line with the file (no duplicates).
Reversible: going back deletes the dates listed in the file, whatever their kind.
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays-cn.csv"


def _rows():
    with DATA_FILE.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield dt.date.fromisoformat(row["date"].strip()), row["kind"].strip(), row["festival"].strip()


def load_holidays(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    manager = CalendarDay.objects.using(schema_editor.connection.alias)
    for date, kind, name in _rows():
        manager.update_or_create(date=date, defaults={"kind": kind, "name": name})


def unload_holidays(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    manager = CalendarDay.objects.using(schema_editor.connection.alias)
    manager.filter(date__in=[date for date, _kind, _name in _rows()]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_holidays, unload_holidays),
    ]
