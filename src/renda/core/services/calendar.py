"""Calendar services (工作日历): the writes on the working-day calendar.

The calendar holds only the exceptions to the plain week: public holidays (放假) and adjusted
working weekend days (调休上班). Administrators keep it; every change is audited and, once the
transaction has committed, announced with :data:`renda.core.calendar.calendar_changed` so that
the modules keeping deadlines recompute the open ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from renda.core.audit import audit, snapshot
from renda.core.calendar import calendar_changed
from renda.core.models import CalendarDay
from renda.core.permissions import require, service

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    User = AbstractBaseUser | AnonymousUser  # who asks; the permission check refuses anonymous

CALENDAR_COLUMNS = ("date", "kind", "festival")
NAME_MAX_LENGTH = 40  # CalendarDay.name
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_ROWS = 1000
_DAY_FIELDS = ("date", "kind", "name")
_DATE_RE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes | str: ...


def _announce(dates: Iterable[dt.date]) -> None:
    """Send ``calendar_changed`` with the changed dates once the transaction has committed."""
    changed = tuple(sorted(set(dates)))
    if changed:
        transaction.on_commit(lambda: calendar_changed.send(sender=CalendarDay, dates=changed))


def _day_problems(date: dt.date | None, kind: str, name: str) -> dict[str, str]:
    """What is wrong with one exception day, by field ("kind", "name"); empty when it is valid."""
    problems: dict[str, str] = {}
    if kind not in CalendarDay.Kind.values:
        problems["kind"] = _(
            'Unknown kind "%(value)s": write "holiday" for a day off '
            'or "workday" for an adjusted working day.'
        ) % {"value": kind}
    elif kind == CalendarDay.Kind.WORKDAY and date is not None and date.weekday() < 5:
        problems["kind"] = _(
            "%(date)s is a weekday: only a Saturday or Sunday can be an adjusted working day."
        ) % {"date": date.isoformat()}
    if len(name) > NAME_MAX_LENGTH:
        problems["name"] = _("The festival name is longer than %(max)s characters.") % {
            "max": NAME_MAX_LENGTH
        }
    return problems


@service
def calendar_day_set(*, actor: User, date: dt.date, kind: str, name: str = "") -> CalendarDay:
    """设置例外日: make ``date`` a public holiday or an adjusted working day (create or update)."""
    require(actor, "core.edit_calendar")
    name = (name or "").strip()
    problems = _day_problems(date, kind, name)
    if problems:
        raise ValidationError(problems)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is not None and day.kind == kind and day.name == name:
        return day
    before = snapshot(day, _DAY_FIELDS) if day is not None else None
    if day is None:
        day = CalendarDay(date=date)
    day.kind, day.name = kind, name
    day.save()
    audit(actor, "core.calendar_day_set", day, before=before, after=snapshot(day, _DAY_FIELDS))
    _announce([date])
    return day


@service
def calendar_day_remove(*, actor: User, day: CalendarDay) -> None:
    """删除例外日: ``day`` becomes an ordinary day again (working Monday–Friday)."""
    require(actor, "core.edit_calendar", day)
    audit(actor, "core.calendar_day_remove", day, before=snapshot(day, _DAY_FIELDS))
    date = day.date
    day.delete()
    _announce([date])


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    """One reason a calendar file was rejected. ``line`` counts from 1 (the header); None: the file."""

    line: int | None
    field: str  # "file", "header", "columns", "date", "kind" or "festival"
    message: str


class CalendarImportError(ValidationError):
    """The file was rejected as a whole; ``problems`` lists every bad line."""

    def __init__(self, problems: Sequence[ImportProblem]):
        self.problems = list(problems)
        self.rejected = len({p.line for p in self.problems if p.line is not None})
        super().__init__(
            [
                _("Line %(line)s, %(field)s: %(message)s")
                % {"line": p.line, "field": p.field, "message": p.message}
                if p.line is not None
                else p.message
                for p in self.problems
            ]
        )


@dataclass(frozen=True)
class CalendarImportResult:
    year: int | None
    inserted: int
    updated: int
    unchanged: int
    changed_dates: tuple[dt.date, ...]

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass(frozen=True)
class _Row:
    line: int
    date: dt.date
    kind: str
    name: str


def _text_of(file: Readable | bytes | str) -> str:
    data = file if isinstance(file, bytes | str) else file.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise CalendarImportError([ImportProblem(None, "file", _("The file is larger than 1 MB."))])
    if isinstance(data, str):
        return data
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CalendarImportError(
        [ImportProblem(None, "file", _("The file is not UTF-8 or GB18030 text. Save it as CSV (UTF-8)."))]
    )


def _parse_date(value: str) -> dt.date | None:
    match = _DATE_RE.match(value)
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _parse_calendar_csv(text: str, year: int | None) -> list[_Row]:
    """The file's rows, or :class:`CalendarImportError` listing every bad line."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise CalendarImportError([ImportProblem(None, "file", _("The file is empty."))])
    if tuple(cell.strip().lower() for cell in header if cell.strip()) != CALENDAR_COLUMNS:
        raise CalendarImportError(
            [ImportProblem(1, "header", _('The first line must be the header "date,kind,festival".'))]
        )
    problems: list[ImportProblem] = []
    rows: list[_Row] = []
    seen: dict[dt.date, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are ignored
        if len(rows) + len(problems) >= IMPORT_MAX_ROWS:
            problems.append(
                ImportProblem(
                    line,
                    "file",
                    _("Too many lines: a file may hold at most %(max)s days.") % {"max": IMPORT_MAX_ROWS},
                )
            )
            break
        cells = [cell.strip() for cell in cells]
        while len(cells) > 3 and not cells[-1]:
            cells.pop()  # trailing empty columns, as spreadsheets write them
        if len(cells) == 2:
            cells.append("")  # the festival may be left out
        if len(cells) != 3:
            problems.append(
                ImportProblem(
                    line,
                    "columns",
                    _("Expected 3 columns (date, kind, festival), found %(count)s.") % {"count": len(cells)},
                )
            )
            continue
        raw_date, kind, name = cells[0], cells[1].lower(), cells[2]
        line_problems: list[ImportProblem] = []
        date = _parse_date(raw_date)
        if date is None:
            line_problems.append(
                ImportProblem(
                    line,
                    "date",
                    _('"%(value)s" is not a valid date. Write it as YYYY-MM-DD, for example 2027-01-01.')
                    % {"value": raw_date[:20]},
                )
            )
        elif year is not None and date.year != year:
            line_problems.append(
                ImportProblem(
                    line,
                    "date",
                    _("%(date)s is not in %(year)s, the year being imported.")
                    % {"date": date.isoformat(), "year": year},
                )
            )
        elif date in seen:
            line_problems.append(
                ImportProblem(
                    line,
                    "date",
                    _("%(date)s already appears on line %(line)s.")
                    % {"date": date.isoformat(), "line": seen[date]},
                )
            )
        if date is not None:
            seen.setdefault(date, line)
        for field, message in _day_problems(date, kind, name).items():
            line_problems.append(ImportProblem(line, "festival" if field == "name" else field, message))
        if line_problems:
            problems.extend(line_problems)
        elif date is not None:
            rows.append(_Row(line, date, kind, name))
    if problems:
        raise CalendarImportError(problems)
    if not rows:
        raise CalendarImportError([ImportProblem(None, "file", _("The file has no data rows."))])
    return rows


@service
def calendar_import(
    *, actor: User, file: Readable | bytes | str, year: int | None = None
) -> CalendarImportResult:
    """导入节假日安排: load a CSV (date,kind,festival) of the State Council's arrangements.

    All or nothing: any bad line rejects the whole file with :class:`CalendarImportError`, which
    lists every bad line (line 1 is the header). With ``year``, every date must fall in that year.
    Idempotent on the date: importing the same file again changes nothing.
    """
    require(actor, "core.edit_calendar")
    rows = _parse_calendar_csv(_text_of(file), year)
    dates = [row.date for row in rows]
    existing = {day.date: day for day in CalendarDay.objects.select_for_update().filter(date__in=dates)}
    inserted, updated, unchanged = 0, 0, 0
    before: dict[str, list[str]] = {}
    after: dict[str, list[str]] = {}
    changed: list[dt.date] = []
    for row in rows:
        day = existing.get(row.date)
        if day is not None and day.kind == row.kind and day.name == row.name:
            unchanged += 1
            continue
        if day is None:
            day = CalendarDay(date=row.date)
            inserted += 1
        else:
            before[row.date.isoformat()] = [day.kind, day.name]
            updated += 1
        day.kind, day.name = row.kind, row.name
        day.save()
        after[row.date.isoformat()] = [row.kind, row.name]
        changed.append(row.date)
    result = CalendarImportResult(year, inserted, updated, unchanged, tuple(changed))
    audit(
        actor,
        "core.calendar_import",
        None,
        before={"days": before} if before else None,
        after={"year": year, "inserted": inserted, "updated": updated, "unchanged": unchanged, "days": after},
        note=str(getattr(file, "name", "") or "")[:200],
    )
    _announce(changed)
    return result
