"""工作日历: the shipped holiday data, the working-day arithmetic, and the calendar services."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from renda.accounts.models import Role
from renda.core import services
from renda.core.calendar import (
    add_working_days,
    calendar_changed,
    is_working_day,
    working_days_between,
)
from renda.core.models import AuditEvent, CalendarDay

pytestmark = pytest.mark.django_db

D = dt.date
DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "holidays-cn.csv"
migration = importlib.import_module("renda.core.migrations.0002_load_holidays_cn")


def _shipped() -> dict[dt.date, tuple[str, str]]:
    with DATA_FILE.open(encoding="utf-8-sig", newline="") as handle:
        return {D.fromisoformat(r["date"]): (r["kind"], r["festival"]) for r in csv.DictReader(handle)}


SHIPPED = _shipped()
SHIPPED_HOLIDAYS = {day for day, (kind, _name) in SHIPPED.items() if kind == "holiday"}


def oracle_is_working(day: dt.date) -> bool:
    """Straight from the data file, independent of the database and of renda.core.calendar."""
    kind = SHIPPED.get(day, (None, ""))[0]
    if kind == "holiday":
        return False
    return kind == "workday" or day.weekday() < 5


def oracle_add(start: dt.date, n: int) -> dt.date:
    step = dt.timedelta(days=1 if n >= 0 else -1)
    day, remaining = start, abs(n)
    while remaining:
        day += step
        remaining -= oracle_is_working(day)
    return day


class _SchemaEditor:
    connection = connection


@pytest.fixture(autouse=True)
def shipped_calendar(db):
    """The data migration's rows (reloaded if a transactional test flushed them)."""
    if CalendarDay.objects.count() < len(SHIPPED):
        migration.load_holidays(django_apps, _SchemaEditor())


@pytest.fixture
def changed_dates():
    """The ``dates`` of every calendar_changed signal sent during the test."""
    received: list[tuple[dt.date, ...]] = []

    def receiver(sender, dates, **kwargs):
        received.append(tuple(dates))

    calendar_changed.connect(receiver, weak=False)
    yield received
    calendar_changed.disconnect(receiver)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


# --- the data migration ---------------------------------------------------------------------------


def test_migration_loads_every_line_of_the_shipped_file():
    stored = {d.date: (d.kind, d.name) for d in CalendarDay.objects.all()}
    assert stored == SHIPPED
    assert stored[D(2026, 2, 14)] == ("workday", "春节")


def test_migration_is_idempotent_and_reversible():
    CalendarDay.objects.create(date=D(2030, 1, 1), kind="holiday", name="元旦")  # not in the file
    migration.load_holidays(django_apps, _SchemaEditor())
    assert CalendarDay.objects.count() == len(SHIPPED) + 1

    migration.unload_holidays(django_apps, _SchemaEditor())
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2030, 1, 1)]

    migration.load_holidays(django_apps, _SchemaEditor())
    assert CalendarDay.objects.count() == len(SHIPPED) + 1


def test_shipped_adjusted_working_days_are_all_weekends():
    workdays = [day for day, (kind, _name) in SHIPPED.items() if kind == "workday"]
    assert workdays and all(day.weekday() >= 5 for day in workdays)


# --- known days of the 2025 and 2026 Spring Festival and New Year ---------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 13), True),  # Friday before the break
        (D(2026, 2, 14), True),  # Saturday, 调休上班
        (D(2026, 2, 15), False),  # 春节 starts (Sunday)
        (D(2026, 2, 16), False),  # Monday, holiday
        (D(2026, 2, 20), False),  # Friday, holiday
        (D(2026, 2, 23), False),  # Monday, last day of the break
        (D(2026, 2, 24), True),  # back at work
        (D(2026, 2, 28), True),  # Saturday, 调休上班
        (D(2026, 3, 1), False),  # ordinary Sunday
        (D(2026, 1, 2), False),  # 元旦 Friday
        (D(2026, 1, 4), True),  # Sunday, 调休上班 for 元旦
        (D(2025, 1, 26), True),  # Sunday, 调休上班 before 春节 2025
        (D(2025, 1, 28), False),  # 除夕 2025
        (D(2025, 2, 4), False),  # last day of the 2025 break
        (D(2025, 2, 5), True),
        (D(2025, 2, 8), True),  # Saturday, 调休上班 after 春节 2025
        (D(2025, 2, 9), False),  # ordinary Sunday
    ],
)
def test_is_working_day_on_the_spring_festival_arrangements(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # the next working day after Friday is the 调休 Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # first working day after the 2026 Spring Festival break
        (D(2026, 2, 13), 2, D(2026, 2, 24)),
        (D(2026, 2, 16), 1, D(2026, 2, 24)),  # counted from inside the break
        (D(2026, 2, 24), 4, D(2026, 2, 28)),  # 24, 25, 26, 27, then Saturday 28th (调休)
        (D(2026, 2, 24), 5, D(2026, 3, 2)),
        (D(2026, 2, 24), -1, D(2026, 2, 14)),
        (D(2026, 2, 21), -2, D(2026, 2, 13)),
        (D(2025, 12, 31), 1, D(2026, 1, 4)),  # over 元旦 2026 to the 调休 Sunday
        (D(2025, 1, 24), 1, D(2025, 1, 26)),  # Friday to the 调休 Sunday
        (D(2025, 1, 27), 1, D(2025, 2, 5)),  # first working day after the 2025 Spring Festival break
        (D(2025, 2, 7), 1, D(2025, 2, 8)),  # Friday to the 调休 Saturday
        (D(2026, 3, 6), 1, D(2026, 3, 9)),  # an ordinary weekend
        (D(2026, 2, 15), 0, D(2026, 2, 15)),  # zero days is the start itself
    ],
)
def test_add_working_days_known_cases(start, n, expected):
    assert add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 2, 14), D(2026, 2, 24), 1),
        (D(2026, 2, 13), D(2026, 2, 28), 6),  # the 14th, 24th–27th and 28th
        (D(2026, 2, 24), D(2026, 2, 14), -1),
        (D(2026, 2, 21), D(2026, 2, 13), -2),  # backwards: 13th and 14th, the start (a holiday) excluded
        (D(2026, 3, 7), D(2026, 3, 6), -1),  # Saturday back to Friday
        (D(2026, 2, 18), D(2026, 2, 18), 0),
        (D(2025, 1, 27), D(2025, 2, 5), 1),
    ],
)
def test_working_days_between_known_cases(start, end, expected):
    assert working_days_between(start, end) == expected


# --- properties across both Spring Festivals ------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
spring_2026 = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 3, 31))
spring_2025 = st.dates(min_value=D(2025, 1, 1), max_value=D(2025, 3, 31))
both_springs = st.one_of(spring_2025, spring_2026)
working_days_ahead = st.integers(min_value=0, max_value=40)


@PROPERTY_SETTINGS
@given(start=spring_2026, n=working_days_ahead)
@example(start=D(2026, 2, 13), n=1)
@example(start=D(2026, 2, 14), n=1)
@example(start=D(2026, 2, 15), n=0)
def test_adding_working_days_in_spring_2026_lands_on_a_working_day(start, n):
    result = add_working_days(start, n)
    assert working_days_between(start, result) == n
    if n == 0:
        assert result == start
    else:
        assert result > start
        assert is_working_day(result)
        assert result not in SHIPPED_HOLIDAYS
    assert result == oracle_add(start, n)


@PROPERTY_SETTINGS
@given(start=both_springs, n=working_days_ahead)
@example(start=D(2025, 1, 27), n=1)
@example(start=D(2025, 2, 4), n=3)
def test_adding_and_subtracting_working_days_agree_with_the_data_file(start, n):
    forward, backward = add_working_days(start, n), add_working_days(start, -n)
    assert forward == oracle_add(start, n)
    assert backward == oracle_add(start, -n)
    assert working_days_between(start, forward) == n
    assert working_days_between(start, backward) == -n
    if n:
        assert backward < start < forward
        assert is_working_day(forward) and is_working_day(backward)
        assert forward not in SHIPPED_HOLIDAYS and backward not in SHIPPED_HOLIDAYS


@PROPERTY_SETTINGS
@given(a=both_springs, b=both_springs)
@example(a=D(2026, 2, 21), b=D(2026, 2, 13))  # backwards from a holiday
@example(a=D(2026, 3, 7), b=D(2026, 3, 6))  # backwards from a Saturday
def test_working_days_between_is_the_inverse_of_add_working_days(a, b):
    n = working_days_between(a, b)
    if is_working_day(a) == is_working_day(b):
        assert working_days_between(b, a) == -n
    if is_working_day(b):
        assert add_working_days(a, n) == b
    assert (n > 0) <= (b > a) and (n < 0) <= (b < a)


@PROPERTY_SETTINGS
@given(day=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31)))
def test_is_working_day_follows_the_data_file(day):
    assert is_working_day(day) is oracle_is_working(day)


@pytest.mark.parametrize(
    ("start", "n"), [(D(2024, 1, 1), 700), (D(2026, 12, 31), -700), (D(2025, 6, 1), 250)]
)
def test_long_spans_reload_the_calendar_correctly(start, n):
    result = add_working_days(start, n)
    assert result == oracle_add(start, n)
    assert working_days_between(start, result) == n


# --- a changed calendar changes the answers -------------------------------------------------------


def test_a_new_holiday_moves_the_deadline(admin_user):
    start = D(2026, 3, 9)  # Monday
    assert add_working_days(start, 1) == D(2026, 3, 10)
    before = working_days_between(start, D(2026, 3, 20))

    services.calendar_day_set(actor=admin_user, date=D(2026, 3, 10), kind="holiday", name="测试假日")

    assert is_working_day(D(2026, 3, 10)) is False
    assert add_working_days(start, 1) == D(2026, 3, 11)
    assert working_days_between(start, D(2026, 3, 20)) == before - 1


def test_an_adjusted_working_saturday_and_its_removal(admin_user):
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 16)
    day = services.calendar_day_set(actor=admin_user, date=D(2026, 3, 14), kind="workday", name="调休")
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 14)

    services.calendar_day_remove(actor=admin_user, day=day)
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 16)


def test_removing_a_shipped_adjusted_working_day_moves_the_first_day_after_the_break(admin_user):
    services.calendar_day_remove(actor=admin_user, day=CalendarDay.objects.get(date=D(2026, 2, 14)))
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 24)


# --- services: one exception day ------------------------------------------------------------------


def test_calendar_day_set_creates_audits_and_announces_on_commit(admin_user, changed_dates, on_commit):
    with on_commit(execute=False) as callbacks:
        day = services.calendar_day_set(actor=admin_user, date=D(2027, 1, 1), kind="holiday", name=" 元旦 ")
    assert changed_dates == []  # nothing is announced before the commit
    for callback in callbacks:
        callback()
    assert changed_dates == [(D(2027, 1, 1),)]
    assert (day.kind, day.name) == ("holiday", "元旦")
    event = AuditEvent.objects.get(action="core.calendar_day_set")
    assert event.outcome == "done" and event.actor == admin_user
    assert event.object_id == str(day.pk)
    assert event.changes["kind"] == [None, "holiday"]


def test_calendar_day_set_updates_an_existing_day(admin_user, changed_dates, on_commit):
    with on_commit(execute=True):
        services.calendar_day_set(actor=admin_user, date=D(2026, 2, 14), kind="holiday", name="春节")
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).kind == "holiday"
    assert CalendarDay.objects.filter(date=D(2026, 2, 14)).count() == 1
    event = AuditEvent.objects.get(action="core.calendar_day_set")
    assert event.changes == {"kind": ["workday", "holiday"]}
    assert changed_dates == [(D(2026, 2, 14),)]


def test_calendar_day_set_with_no_change_writes_nothing(admin_user, changed_dates, on_commit):
    with on_commit(execute=True):
        services.calendar_day_set(actor=admin_user, date=D(2026, 2, 14), kind="workday", name="春节")
    assert not AuditEvent.objects.filter(action="core.calendar_day_set").exists()
    assert changed_dates == []


@pytest.mark.parametrize(
    ("date", "kind", "name", "field"),
    [
        (D(2026, 3, 10), "workday", "", "kind"),  # a Tuesday cannot be an adjusted working day
        (D(2026, 3, 14), "holidays", "", "kind"),
        (D(2026, 3, 14), "holiday", "节" * 41, "name"),
    ],
)
def test_calendar_day_set_rejects_invalid_days(admin_user, date, kind, name, field):
    with pytest.raises(ValidationError) as error:
        services.calendar_day_set(actor=admin_user, date=date, kind=kind, name=name)
    assert field in error.value.message_dict
    assert not CalendarDay.objects.filter(date=date, kind=kind).exists()


def test_calendar_day_remove_deletes_audits_and_announces(admin_user, changed_dates, on_commit):
    day = CalendarDay.objects.get(date=D(2026, 2, 28))
    pk = day.pk
    with on_commit(execute=True):
        services.calendar_day_remove(actor=admin_user, day=day)
    assert not CalendarDay.objects.filter(date=D(2026, 2, 28)).exists()
    event = AuditEvent.objects.get(action="core.calendar_day_remove")
    assert event.object_id == str(pk)
    assert event.changes["kind"] == ["workday", None]
    assert changed_dates == [(D(2026, 2, 28),)]


@pytest.mark.parametrize("role", [Role.STAFF, Role.DEPUTY, Role.UNIT_HANDLER, Role.CITIZEN])
def test_only_administrators_edit_the_calendar_and_refusals_are_audited(make_user, role, changed_dates):
    actor = make_user(role)
    day = CalendarDay.objects.get(date=D(2026, 2, 14))
    attempts = [
        lambda: services.calendar_day_set(actor=actor, date=D(2026, 3, 10), kind="holiday", name="x"),
        lambda: services.calendar_day_remove(actor=actor, day=day),
        lambda: services.calendar_import(actor=actor, file=b"date,kind,festival\n2027-01-01,holiday,x\n"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    refused = AuditEvent.objects.filter(actor=actor, outcome="refused", action="core.edit_calendar")
    assert sorted(refused.values_list("note", flat=True)) == [
        "calendar_day_remove",
        "calendar_day_set",
        "calendar_import",
    ]
    assert CalendarDay.objects.filter(date=D(2026, 2, 14)).exists()
    assert not CalendarDay.objects.filter(date__in=[D(2026, 3, 10), D(2027, 1, 1)]).exists()
    assert changed_dates == []


# --- services: import -----------------------------------------------------------------------------

GOOD_2027 = """date,kind,festival
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-08,holiday,春节
2027-02-13,workday,春节
"""


def test_import_inserts_the_year_and_reports_counts(admin_user, changed_dates, on_commit):
    with on_commit(execute=True):
        result = services.calendar_import(actor=admin_user, file=GOOD_2027.encode(), year=2027)
    assert (result.inserted, result.updated, result.unchanged, result.total) == (5, 0, 0, 5)
    assert CalendarDay.objects.filter(date__year=2027).count() == 5
    assert CalendarDay.objects.get(date=D(2027, 2, 13)).kind == "workday"
    assert is_working_day(D(2027, 2, 13)) and not is_working_day(D(2027, 2, 8))
    event = AuditEvent.objects.get(action="core.calendar_import")
    assert event.changes["inserted"] == [None, 5]
    assert changed_dates == [(D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 8), D(2027, 2, 13))]


def test_import_is_idempotent(admin_user, changed_dates, on_commit):
    services.calendar_import(actor=admin_user, file=GOOD_2027.encode(), year=2027)
    with on_commit(execute=True):
        again = services.calendar_import(actor=admin_user, file=GOOD_2027.encode(), year=2027)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert CalendarDay.objects.filter(date__year=2027).count() == 5
    assert changed_dates == []


def test_import_updates_changed_days(admin_user):
    services.calendar_import(actor=admin_user, file=GOOD_2027.encode(), year=2027)
    revised = GOOD_2027.replace("2027-02-08,holiday,春节", "2027-02-08,holiday,春节假期")
    result = services.calendar_import(actor=admin_user, file=revised.encode(), year=2027)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 4)
    assert result.changed_dates == (D(2027, 2, 8),)
    assert CalendarDay.objects.get(date=D(2027, 2, 8)).name == "春节假期"
    event = AuditEvent.objects.filter(action="core.calendar_import").first()
    assert event is not None
    assert event.changes["days"][0] == {"2027-02-08": ["holiday", "春节"]}


def test_import_reads_excel_style_files(admin_user):
    """GB18030 text, a byte-order mark, slashed dates and trailing empty columns, as Excel writes them."""
    text = "date,kind,festival,\r\n2027/1/1,holiday,元旦,\r\n\r\n2027-02-13,WORKDAY,春节,\r\n"
    assert services.calendar_import(actor=admin_user, file=text.encode("gb18030"), year=2027).inserted == 2
    bom = ("\ufeff" + GOOD_2027).encode("utf-8")
    assert services.calendar_import(actor=admin_user, file=bom, year=2027).inserted == 3


def test_import_reports_every_bad_line_and_writes_nothing(admin_user, changed_dates):
    text = "\n".join(
        [
            "date,kind,festival",  # line 1
            "2027-01-01,holiday,元旦",  # 2: good
            "2027-13-01,holiday,元旦",  # 3: no such month
            "2027-02-05,vacation,春节",  # 4: unknown kind
            "2027-02-09,workday,春节",  # 5: a Tuesday cannot be worked in lieu
            "2026-12-31,holiday,元旦",  # 6: outside 2027
            "2027-01-01,holiday,元旦",  # 7: repeats line 2
            "2027-02-06,holiday," + "节" * 41,  # 8: name too long
            "2027-02-07,holiday,春节,extra",  # 9: four columns
            "2027-02-13,workday,春节",  # 10: good
            "",
        ]
    )
    before = CalendarDay.objects.count()
    with pytest.raises(services.CalendarImportError) as error:
        services.calendar_import(actor=admin_user, file=text.encode(), year=2027)
    found = [(p.line, p.field) for p in error.value.problems]
    assert found == [
        (3, "date"),
        (4, "kind"),
        (5, "kind"),
        (6, "date"),
        (7, "date"),
        (8, "festival"),
        (9, "columns"),
    ]
    assert all(p.message for p in error.value.problems)
    assert error.value.rejected == 7
    assert CalendarDay.objects.count() == before  # all or nothing: the good lines 2 and 10 are not kept
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not AuditEvent.objects.filter(action="core.calendar_import").exists()
    assert changed_dates == []


def test_import_rejects_dates_outside_the_year(admin_user):
    with pytest.raises(services.CalendarImportError) as error:
        services.calendar_import(actor=admin_user, file=GOOD_2027.encode(), year=2028)
    assert [p.line for p in error.value.problems] == [2, 3, 4, 5, 6]
    assert {p.field for p in error.value.problems} == {"date"}
    # Without a year, the same file is accepted.
    assert services.calendar_import(actor=admin_user, file=GOOD_2027.encode()).inserted == 5


@pytest.mark.parametrize(
    ("content", "line", "field"),
    [
        (b"", None, "file"),
        (b"date,kind,festival\n", None, "file"),  # zero data rows
        (b"date,kind,festival\n\n\n", None, "file"),
        (b"day,type,name\n2027-01-01,holiday,x\n", 1, "header"),
        (b"\xff\xfe\x00\x01garbage\x80\x81", None, "file"),
    ],
)
def test_import_rejects_empty_or_unreadable_files(admin_user, content, line, field):
    with pytest.raises(services.CalendarImportError) as error:
        services.calendar_import(actor=admin_user, file=content, year=2027)
    assert [(p.line, p.field) for p in error.value.problems] == [(line, field)]


def test_import_reads_an_uploaded_file(admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("2027.csv", GOOD_2027.encode(), content_type="text/csv")
    assert services.calendar_import(actor=admin_user, file=upload, year=2027).inserted == 5
    assert AuditEvent.objects.get(action="core.calendar_import").note == "2027.csv"
