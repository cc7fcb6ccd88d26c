"""Existing suggestions take the session period their date falls in, where one is recorded.

The date is the day it was submitted, else the day it was written. A numbered suggestion joins a
session only where its sequence number stays unique in that session (it keeps its number: numbers
already given are never changed). Reversing leaves the sessions as they are.
"""

from django.db import migrations
from django.db.models import Q


def assign(apps, schema_editor):
    Session = apps.get_model("suggestions", "Session")
    Suggestion = apps.get_model("suggestions", "Suggestion")
    for session in Session.objects.order_by("start_date", "id"):
        taken = set(
            Suggestion.objects.filter(session=session, seq__isnull=False).values_list("seq", flat=True)
        )
        rows = Suggestion.objects.filter(session__isnull=True).filter(
            Q(submitted_at__date__gte=session.start_date, submitted_at__date__lte=session.end_date)
            | Q(
                submitted_at__isnull=True,
                created_at__date__gte=session.start_date,
                created_at__date__lte=session.end_date,
            )
        )
        for pk, seq in rows.values_list("pk", "seq"):
            if seq is not None:
                if seq in taken:
                    continue
                taken.add(seq)
            Suggestion.objects.filter(pk=pk).update(session=session)


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0005_sessions")]

    operations = [migrations.RunPython(assign, migrations.RunPython.noop)]
