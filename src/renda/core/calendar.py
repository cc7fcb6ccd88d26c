"""工作日历: working days on the State Council's holiday arrangements.

A day is a working day when it is Monday–Friday and not a public holiday, or when it is an
adjusted working weekend day (调休上班). Every deadline and date rule in Renda counts on this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.dispatch import Signal

from renda.core.models import CalendarDay

ONE_DAY = dt.timedelta(days=1)

# Sent by the calendar services after the calendar changed, with ``dates`` (the days changed).
# Modules that keep deadlines connect to it and recompute the open ones.
calendar_changed = Signal()


class WorkingCalendar:
    """The calendar's exceptions between two dates, loaded once; reuse it for many questions."""

    def __init__(self, start: dt.date, end: dt.date):
        self.start, self.end = start, end
        self.exceptions: dict[dt.date, str] = dict(
            CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind")
        )

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.exceptions.get(day)
        if kind == CalendarDay.Kind.HOLIDAY:
            return False
        if kind == CalendarDay.Kind.WORKDAY:
            return True
        return day.weekday() < 5


def _calendar_around(day: dt.date, days_ahead: int) -> WorkingCalendar:
    span = dt.timedelta(days=abs(days_ahead) * 2 + 40)
    return WorkingCalendar(day - span, day + span)


def is_working_day(day: dt.date) -> bool:
    """Whether ``day`` is a working day."""
    return WorkingCalendar(day, day).is_working_day(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (before it, when ``days`` is negative).

    ``start`` itself is never counted: the first working day after a Friday is the next Monday,
    and a deadline of 0 working days is ``start`` itself.
    """
    step = ONE_DAY if days >= 0 else -ONE_DAY
    remaining = abs(days)
    calendar = _calendar_around(start, days)
    day = start
    while remaining:
        day += step
        if not calendar.covers(day):
            calendar = _calendar_around(day, remaining)
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``; negative when ``end`` < ``start``.

    Counting runs from ``start`` towards ``end`` in either direction: ``start`` itself is never
    counted and ``end`` always is, so when ``end`` < ``start`` the result is minus the working days
    from ``end`` (included) up to ``start`` (excluded), the mirror of :func:`add_working_days`.
    ``add_working_days(a, working_days_between(a, b))`` is ``b`` whenever ``b`` is a working day.
    """
    if end < start:
        first, last, sign = end, start - ONE_DAY, -1
    else:
        first, last, sign = start + ONE_DAY, end, 1
    if first > last:
        return 0
    calendar = WorkingCalendar(first, last)
    return sign * sum(1 for day in _days(first, last) if calendar.is_working_day(day))


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY
