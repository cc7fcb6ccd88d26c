"""Reads of the core module."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from renda.core.models import AuditEvent, CalendarDay
from renda.core.permissions import require


def audit_counts_since(*, actor, since: dt.datetime) -> dict[str, int]:
    require(actor, "core.view_audit")
    return AuditEvent.objects.filter(created_at__gte=since).aggregate(
        total=Count("id"), refused=Count("id", filter=Q(outcome=AuditEvent.Outcome.REFUSED))
    )


def calendar_years_covered() -> list[int]:
    """The years for which the holiday arrangements have been entered."""
    years = CalendarDay.objects.annotate(year=ExtractYear("date")).values_list("year", flat=True).distinct()
    return sorted(set(years))
