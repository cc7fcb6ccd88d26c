"""Deadlines on the working calendar: the Spring Festival holiday, 调休 weekends, recomputation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from renda.core.models import CalendarDay
from renda.core.services.calendar import calendar_day_set
from renda.suggestions import services
from renda.suggestions.deadlines import add_months, month_deadline, working_day_deadline
from renda.suggestions.models import Assignment, Event, State, Suggestion

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def spring_festival_2026():
    """The State Council's 2026 arrangement: 2/15–2/23 off, Saturdays 2/14 and 2/28 worked."""
    CalendarDay.objects.filter(date__year=2026, date__month=2).delete()
    for day in range(15, 24):
        CalendarDay.objects.create(date=D(2026, 2, day), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    for day in (14, 28):
        CalendarDay.objects.create(date=D(2026, 2, day), kind=CalendarDay.Kind.WORKDAY, name="春节")


@pytest.fixture
def no_february_exceptions():
    CalendarDay.objects.filter(date__year=2026, date__month=2).delete()


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(D(2025, 11, 16), 3) == D(2026, 2, 16)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2025, 10, 31), 1) == D(2025, 11, 30)


def test_reply_deadline_falling_in_the_spring_festival_moves_to_the_first_working_day(spring_festival_2026):
    # Assigned on 16 November: three months later is 16 February, inside the holiday.
    assert month_deadline(D(2025, 11, 16), 3) == D(2026, 2, 24)


def test_reply_deadline_on_an_adjusted_working_saturday_stays_there(spring_festival_2026):
    assert month_deadline(D(2025, 11, 28), 3) == D(2026, 2, 28)  # 调休上班
    # An ordinary Saturday is not a working day.
    assert month_deadline(D(2025, 12, 7), 3) == D(2026, 3, 9)


def test_acceptance_deadline_counts_working_days_across_the_festival(spring_festival_2026):
    # From Monday 9 Feb: 10–13 (4), Sat 14 worked (5), 15–23 off, 24–27 (9), Sat 28 worked (10).
    assert working_day_deadline(D(2026, 2, 9), 10) == D(2026, 2, 28)


def test_without_the_festival_the_same_count_ends_earlier(no_february_exceptions):
    assert working_day_deadline(D(2026, 2, 9), 10) == D(2026, 2, 23)


def test_co_unit_opinion_deadline_rolls_over_the_festival(spring_festival_2026):
    assert month_deadline(D(2026, 1, 17), 1) == D(2026, 2, 24)


def _backdate(s: Suggestion, on: dt.date) -> Suggestion:
    Suggestion.objects.filter(pk=s.pk).update(assigned_on=on, round_started_on=on)
    Assignment.objects.filter(suggestion=s).update(assigned_on=on)
    return Suggestion.objects.get(pk=s.pk)


def test_changing_the_calendar_recomputes_open_deadlines(
    flow, admin_user, django_capture_on_commit_callbacks, no_february_exceptions
):
    s = _backdate(flow.to(State.ASSIGNED), D(2025, 11, 16))
    services.deadlines_recompute()
    s.refresh_from_db()
    assert s.reply_due == D(2026, 2, 16)  # a Monday, before the festival is in the calendar
    co = s.assignments.get(role="co")
    with django_capture_on_commit_callbacks(execute=True):
        calendar_day_set(actor=admin_user, date=D(2026, 2, 16), kind=CalendarDay.Kind.HOLIDAY, name="春节")
    s.refresh_from_db()
    assert s.reply_due == D(2026, 2, 17)
    assert Event.objects.filter(suggestion=s, action="recompute").exists()
    co.refresh_from_db()
    assert co.opinion_due == D(2025, 12, 16)


def test_closed_suggestions_keep_their_deadline_when_the_calendar_changes(flow):
    s = flow.to(State.CLOSED)
    due = s.reply_due
    Suggestion.objects.filter(pk=s.pk).update(assigned_on=D(2025, 11, 16))
    CalendarDay.objects.update_or_create(date=due, defaults={"kind": CalendarDay.Kind.HOLIDAY})
    services.deadlines_recompute([due])
    s.refresh_from_db()
    assert s.reply_due == due


def test_assignment_sets_the_three_deadlines(flow):
    s = flow.to(State.ASSIGNED)
    today = timezone.localdate()
    assert s.reply_due == month_deadline(today, 3)
    lead, co = s.assignments.get(role="lead"), s.assignments.get(role="co")
    assert lead.accept_due == working_day_deadline(today, 10)
    assert lead.opinion_due is None
    assert co.opinion_due == month_deadline(today, 1)


def test_extension_moves_the_deadline_and_is_capped_at_three_months(flow, settings):
    s = flow.to(State.IN_PROGRESS)
    request = services.extension_request(
        actor=flow.lead_clerk, suggestion=s, months=2, reason="需要年度预算安排。"
    )
    services.extension_decide(actor=flow.office, extension=request, approve=True)
    s.refresh_from_db()
    assert s.extension_months == 2
    assert s.reply_due == month_deadline(s.assigned_on, 5)
    with pytest.raises(ValidationError):
        services.extension_request(actor=flow.lead_clerk, suggestion=s, months=2, reason="再延期。")
    assert s.extensions.count() == 1
    request = services.extension_request(actor=flow.lead_clerk, suggestion=s, months=1, reason="再延期。")
    services.extension_decide(actor=flow.office, extension=request, approve=False, note="不同意")
    s.refresh_from_db()
    assert s.extension_months == 2


def test_unsatisfied_rating_starts_a_new_round_with_a_one_month_deadline(flow):
    s = flow.to(State.REPLIED)
    services.suggestion_rate(
        actor=flow.deputy.user, suggestion=s, result="unsatisfied", attitude=2, comment="没有落实"
    )
    s.refresh_from_db()
    assert (s.state, s.rounds) == (State.IN_PROGRESS, 2)
    assert s.reply_due == month_deadline(timezone.localdate(), 1)
