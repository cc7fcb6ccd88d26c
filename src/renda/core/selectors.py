"""Reads of the core module."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from renda.core.models import AuditEvent, CalendarDay
from renda.core.permissions import require

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    User = AbstractBaseUser | AnonymousUser  # who asks; the permission check refuses anonymous

# The audit log's calendar days are those of the county (北京时间), whatever the server's zone.
AUDIT_TIME_ZONE = "Asia/Shanghai"


def audit_counts_since(*, actor: User, since: dt.datetime) -> dict[str, int]:
    require(actor, "core.view_audit")
    return AuditEvent.objects.filter(created_at__gte=since).aggregate(
        total=Count("id"), refused=Count("id", filter=Q(outcome=AuditEvent.Outcome.REFUSED))
    )


def calendar_years_covered() -> list[int]:
    """The years for which the holiday arrangements have been entered."""
    years = CalendarDay.objects.annotate(year=ExtractYear("date")).values_list("year", flat=True).distinct()
    return sorted(set(years))


@dataclass(frozen=True)
class CalendarCell:
    """One day of a month grid. ``kind``: "holiday", "workday" (调休上班), "weekend" or "weekday"."""

    date: dt.date
    kind: str
    name: str
    is_today: bool

    @property
    def is_working(self) -> bool:
        return self.kind in ("workday", "weekday")


@dataclass(frozen=True)
class CalendarRun:
    """Consecutive exception days of one kind and festival within a month (e.g. 春节 2/15–2/23)."""

    kind: str
    name: str
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class CalendarMonth:
    first: dt.date
    weeks: list[list[CalendarCell | None]]  # Monday first; None pads the days of other months
    runs: list[CalendarRun]


@dataclass(frozen=True)
class CalendarYear:
    year: int
    months: list[CalendarMonth]
    exceptions: list[CalendarDay]
    working_days: int
    holidays: int
    adjusted_workdays: int
    years_covered: list[int]

    @property
    def has_arrangements(self) -> bool:
        return bool(self.exceptions)


def _calendar_runs(days: list[CalendarDay]) -> list[CalendarRun]:
    runs: list[CalendarRun] = []
    for day in days:
        last = runs[-1] if runs else None
        if (
            last is not None
            and last.kind == day.kind
            and last.name == day.name
            and last.last + dt.timedelta(days=1) == day.date
            and last.first.month == day.date.month
        ):
            runs[-1] = CalendarRun(last.kind, last.name, last.first, day.date)
        else:
            runs.append(CalendarRun(day.kind, day.name, day.date, day.date))
    return runs


def calendar_year(*, actor: User, year: int) -> CalendarYear:
    """工作日历年视图: the twelve month grids of ``year`` with its holidays and adjusted working days."""
    require(actor, "core.view_calendar")
    exceptions = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    by_date = {day.date: day for day in exceptions}
    today = timezone.localdate()
    months: list[CalendarMonth] = []
    working = 0
    for month in range(1, 13):
        weeks: list[list[CalendarCell | None]] = []
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            row: list[CalendarCell | None] = []
            for date in week:
                if date.month != month:
                    row.append(None)
                    continue
                exception = by_date.get(date)
                if exception is not None:
                    kind, name = exception.kind, exception.name
                else:
                    kind, name = ("weekend" if date.weekday() >= 5 else "weekday"), ""
                cell = CalendarCell(date, kind, name, date == today)
                working += cell.is_working
                row.append(cell)
            weeks.append(row)
        runs = _calendar_runs([day for day in exceptions if day.date.month == month])
        months.append(CalendarMonth(dt.date(year, month, 1), weeks, runs))
    return CalendarYear(
        year=year,
        months=months,
        exceptions=exceptions,
        working_days=working,
        holidays=sum(1 for d in exceptions if d.kind == CalendarDay.Kind.HOLIDAY),
        adjusted_workdays=sum(1 for d in exceptions if d.kind == CalendarDay.Kind.WORKDAY),
        years_covered=calendar_years_covered(),
    )


@dataclass(frozen=True)
class AuditFilter:
    """审计日志筛选: every field optional; dates are calendar days in Asia/Shanghai."""

    actor: str = ""  # user name or real name, substring
    action: str = ""  # prefix, e.g. "accounts." or "accounts.password_change"
    outcome: str = ""  # AuditEvent.Outcome value
    object_type: str = ""  # app_label.model, exact
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    object_id: str = ""


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(AUDIT_TIME_ZONE))


def audit_events_visible_to(*, actor: User, filters: AuditFilter | None = None) -> QuerySet[AuditEvent]:
    """审计日志: the events matching ``filters``, newest first (administrators only)."""
    require(actor, "core.view_audit")
    filters = filters or AuditFilter()
    events = AuditEvent.objects.all()
    if filters.actor:
        events = events.filter(
            Q(actor_name__icontains=filters.actor)
            | Q(actor__username__icontains=filters.actor)
            | Q(actor__real_name__icontains=filters.actor)
        )
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    # The calendar's extremes bound nothing (and would overflow on conversion to UTC).
    if filters.date_from and filters.date_from > dt.date.min:
        events = events.filter(created_at__gte=_start_of_day(filters.date_from))
    if filters.date_to and filters.date_to < dt.date.max:
        events = events.filter(created_at__lt=_start_of_day(filters.date_to + dt.timedelta(days=1)))
    return events.select_related("actor__organisation").order_by("-created_at", "-id")


def audit_object_types(*, actor: User) -> list[str]:
    """The object types that occur in the audit log, for the filter's choices."""
    require(actor, "core.view_audit")
    types = (
        AuditEvent.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
    return list(types)
