"""主办 waits for 协办 (issue 15.1): the lead unit's reply waits for every co-unit's opinion, or the
office's audited decision to proceed without an overdue one; the lead sees each co-unit's state."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from renda.core.models import AuditEvent
from renda.suggestions import services
from renda.suggestions.models import Assignment, State, Suggestion
from renda.suggestions.tests.letter import LETTER

pytestmark = pytest.mark.django_db


def _reply(flow, s):
    return services.suggestion_reply(
        actor=flow.lead_clerk, suggestion=s, reply_class="A", **LETTER, text="已解决。"
    )


def _co(s) -> Assignment:
    return s.assignments.get(role="co", ended_at=None)


def _overdue(s) -> Assignment:
    co = _co(s)
    Assignment.objects.filter(pk=co.pk).update(opinion_due=dt.date(2020, 1, 2))
    co.refresh_from_db()
    return co


def test_lead_cannot_reply_while_a_co_unit_has_done_nothing(flow):
    s = flow.handling()
    with pytest.raises(ValidationError) as refused:
        _reply(flow, s)
    assert "县城市管理执法局" in str(refused.value)
    s.refresh_from_db()
    assert s.state == State.IN_PROGRESS and not s.replies.exists()


def test_lead_replies_once_the_co_unit_sent_its_opinion(flow):
    s = flow.handling()
    services.assignment_send_opinion(actor=flow.co_clerk, assignment=_co(s), text="建议同步实施雨污分流。")
    _reply(flow, s)
    assert Suggestion.objects.get(pk=s.pk).state == State.REPLIED


def test_office_proceeds_without_an_overdue_opinion_with_a_reason_audited(flow):
    s = flow.handling()
    co = _overdue(s)
    with pytest.raises(ValidationError):
        services.assignment_waive_opinion(actor=flow.office, assignment=co, reason="")
    services.assignment_waive_opinion(
        actor=flow.office, assignment=co, reason="协办单位逾期未反馈，经催办无果"
    )
    co.refresh_from_db()
    assert co.opinion_waived_at and co.opinion_waived_by == flow.office
    assert co.opinion_waived_reason == "协办单位逾期未反馈，经催办无果"
    audit = AuditEvent.objects.get(action="suggestions.waive_opinion")
    assert audit.actor == flow.office and "逾期" in audit.note
    assert s.events.filter(action="waive_opinion").count() == 1
    _reply(flow, Suggestion.objects.get(pk=s.pk))
    assert Suggestion.objects.get(pk=s.pk).state == State.REPLIED


def test_office_cannot_waive_an_opinion_still_within_its_time(flow):
    s = flow.handling()
    with pytest.raises(ValidationError):
        services.assignment_waive_opinion(actor=flow.office, assignment=_co(s), reason="赶进度")
    assert _co(s).opinion_waived_at is None


def test_office_may_waive_a_co_unit_that_asked_to_be_replaced(flow):
    s = flow.handling()
    co = _co(s)
    services.assignment_request_release(actor=flow.co_clerk, assignment=co, reason="不属于本单位职责")
    services.assignment_waive_opinion(actor=flow.office, assignment=co, reason="职责不符，由主办单位答复")
    _reply(flow, Suggestion.objects.get(pk=s.pk))


@pytest.mark.parametrize("who", ["lead_clerk", "co_clerk", "deputy"])
def test_only_the_office_waives_an_opinion(flow, who):
    s = flow.handling()
    co = _overdue(s)
    actor = flow.deputy.user if who == "deputy" else getattr(flow, who)
    with pytest.raises(PermissionDenied):
        services.assignment_waive_opinion(actor=actor, assignment=co, reason="逾期")
    assert AuditEvent.objects.filter(action="suggestions.waive_opinion", outcome="refused").exists()


def test_lead_sees_each_co_units_state_and_opinion_above_the_reply_form(flow, client_for, third_unit):
    s = flow.to(State.ASSIGNED)
    # A second co-unit (the flow assigned one), which has not sent its opinion yet.
    Assignment.objects.create(
        suggestion=s,
        unit=third_unit,
        role="co",
        assigned_on=s.assigned_on,
        accept_due=s.assigned_on,
        opinion_due=s.assigned_on + dt.timedelta(days=30),
    )
    services.assignment_accept(actor=flow.lead_clerk, assignment=s.assignments.get(role="lead"))
    services.assignment_send_opinion(
        actor=flow.co_clerk, assignment=s.assignments.get(unit=flow.co_unit), text="建议同步实施雨污分流。"
    )
    body = client_for(flow.lead_clerk).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    panel = body.index('data-testid="co-opinions"')
    assert panel < body.index('data-testid="action-reply"')
    section = body[panel : body.index('data-testid="action-reply"')]
    assert "建议同步实施雨污分流。" in section and "县城市管理执法局" in section
    assert "县水利局" in section and 'data-testid="co-opinion-awaited"' in section
    assert 'data-testid="reply-waits"' in section
    # Through the page the refusal shows on the reply form.
    response = client_for(flow.lead_clerk).post(
        reverse("suggestions:act", args=[s.pk, "reply"]), {"reply-reply_class": "A", "reply-text": "已解决。"}
    )
    assert response.status_code == 400 and "县水利局" in response.content.decode()


def test_office_is_offered_the_waiver_only_for_an_overdue_co_unit(flow, client_for):
    s = flow.handling()
    url = reverse("suggestions:detail", args=[s.pk])
    assert 'data-testid="action-waive_opinion"' not in client_for(flow.office).get(url).content.decode()
    _overdue(s)
    assert 'data-testid="action-waive_opinion"' in client_for(flow.office).get(url).content.decode()
