"""会议 (issue 15.4): a suggestion belongs to a session period of the term, is numbered per session,
and the list and the statistics filter by session; the office records the periods."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from renda.core.models import AuditEvent
from renda.suggestions import selectors, services
from renda.suggestions.models import Session, State, Suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(flow, term):
    today = timezone.localdate()
    return services.session_create(
        actor=flow.office,
        term=term,
        number=3,
        kind=Session.Kind.INTERVAL,
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=300),
    )


def test_a_new_suggestion_takes_the_session_of_its_date(flow, session):
    assert flow.draft().session == session


def test_numbering_runs_per_session_with_its_own_pattern(flow, session, term):
    a = flow.to(State.REGISTERED)
    b = flow.to(State.REGISTERED, title="关于柳林镇乡村公路养护的建议")
    assert (a.number, b.number) == ("19届3次闭会-001", "19届3次闭会-002")
    plenary = Session.objects.create(
        term=term,
        number=4,
        kind=Session.Kind.PLENARY,
        start_date=dt.date(2029, 1, 10),
        end_date=dt.date(2029, 1, 12),
    )
    c = flow.to(State.SUBMITTED, title="关于县医院停车难的建议")
    c = services.suggestion_register(actor=flow.office, suggestion=c, session=plenary)
    assert c.number == "19届4次大会-001" and c.session == plenary


def test_without_a_session_the_year_pattern_still_works(flow, settings):
    settings.RENDA_SUGGESTIONS = {"NUMBER_PATTERN": "建〔{year}〕{seq}号"}
    s = flow.to(State.REGISTERED)
    assert s.session is None and s.number == f"建〔{timezone.localdate().year}〕1号"


def test_the_list_and_the_statistics_filter_by_session(flow, session, client_for):
    inside = flow.to(State.ASSIGNED)
    outside = flow.to(State.ASSIGNED, title="关于柳林镇乡村公路养护的建议")
    Suggestion.objects.filter(pk=outside.pk).update(session=None)
    visible = selectors.suggestions_visible_to(
        actor=flow.office, filters=selectors.SuggestionFilter(session_id=session.pk)
    )
    assert list(visible) == [inside]
    rows = selectors.suggestion_statistics(actor=flow.office, by="session")
    assert {r.key: r.assigned for r in rows} == {"第十九届第3次会议·闭会": 1, "—": 1}
    only = selectors.suggestion_statistics(actor=flow.office, by="unit", session_id=session.pk)
    assert sum(r.assigned for r in only) == 1
    client = client_for(flow.office)
    page = client.get(reverse("suggestions:list"), {"session": session.pk}).content.decode()
    assert inside.title in page and outside.title not in page
    stats = client.get(reverse("suggestions:statistics"), {"by": "session"})
    assert stats.status_code == 200 and "第3次会议·闭会" in stats.content.decode()


def test_recording_a_session_assigns_earlier_suggestions_by_date_audited(flow, term):
    s = flow.to(State.SUBMITTED)
    assert s.session is None
    today = timezone.localdate()
    session = services.session_create(
        actor=flow.office,
        term=term,
        number=2,
        kind=Session.Kind.INTERVAL,
        start_date=today - dt.timedelta(days=5),
        end_date=today + dt.timedelta(days=5),
    )
    assert flow.refresh(s).session == session
    assert AuditEvent.objects.filter(action="suggestions.session_create", note="assigned=1").exists()


def test_session_periods_do_not_overlap_and_stay_in_the_term(flow, session, term):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.session_create(
            actor=flow.office, term=term, number=4, kind="plenary", start_date=today, end_date=today
        )
    with pytest.raises(ValidationError):
        services.session_create(
            actor=flow.office,
            term=term,
            number=9,
            kind="plenary",
            start_date=dt.date(2031, 1, 1),
            end_date=dt.date(2031, 1, 3),
        )


def test_only_the_office_records_sessions(flow, other_staff, term, client_for):
    for user in (other_staff, flow.deputy.user, flow.lead_clerk):
        with pytest.raises(PermissionDenied):
            services.session_create(
                actor=user,
                term=term,
                number=1,
                kind="plenary",
                start_date=dt.date(2023, 1, 5),
                end_date=dt.date(2023, 1, 7),
            )
    assert client_for(other_staff).get(reverse("suggestions:sessions")).status_code == 403
    response = client_for(flow.office).post(
        reverse("suggestions:sessions"),
        {
            "term": term.pk,
            "number": 1,
            "kind": "plenary",
            "start_date": "2023-01-05",
            "end_date": "2023-01-07",
        },
    )
    assert response.status_code == 302 and Session.objects.filter(number=1).exists()
    assert "第1次会议·大会" in client_for(flow.office).get(reverse("suggestions:sessions")).content.decode()


def test_the_data_migration_assigns_by_date_and_keeps_numbers_unique(flow, term):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("renda.suggestions.migrations.0006_assign_sessions_by_date")
    a = flow.to(State.REGISTERED)
    b = flow.to(State.REGISTERED, title="关于柳林镇乡村公路养护的建议")
    Suggestion.objects.filter(pk=b.pk).update(seq=a.seq, year=a.year - 1)  # last year's No. 1
    today = timezone.localdate()
    session = Session.objects.create(
        term=term, number=1, kind="interval", start_date=today - dt.timedelta(days=1), end_date=today
    )
    migration.assign(apps, None)
    sessions = sorted(Suggestion.objects.values_list("session_id", flat=True), key=lambda x: x or 0)
    assert sessions == [None, session.pk]  # one joined, the other would have repeated its number
