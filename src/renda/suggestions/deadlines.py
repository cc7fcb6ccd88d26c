"""期限计算: month deadlines rolled to a working day, working-day deadlines on the calendar."""

from __future__ import annotations

import calendar
import datetime as dt

from renda.core.calendar import WorkingCalendar, add_working_days


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def roll_to_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the next working day."""
    cal = WorkingCalendar(day, day + dt.timedelta(days=40))
    while not cal.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def month_deadline(start: dt.date, months: int) -> dt.date:
    return roll_to_working_day(add_months(start, months))


def working_day_deadline(start: dt.date, days: int) -> dt.date:
    return add_working_days(start, days)
