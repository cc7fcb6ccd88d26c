"""The transition table: every allowed move works through its service; wrong-state moves are refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from renda.core.models import AuditEvent
from renda.core.workflow import AppendOnlyError, WrongState
from renda.suggestions import services
from renda.suggestions.models import Event, State, Suggestion
from renda.suggestions.tests.letter import LETTER
from renda.suggestions.workflow import SUGGESTION, TRANSITIONS

pytestmark = pytest.mark.django_db


def _submit(flow, s):
    return services.suggestion_submit(actor=flow.deputy.user, suggestion=s)


def _return(flow, s):
    return services.suggestion_return(actor=flow.office, suggestion=s, reason="请补充具体位置。")


def _convert(flow, s):
    return services.suggestion_convert(actor=flow.office, suggestion=s, reason="属于个案诉求。")


def _withdraw(flow, s):
    return services.suggestion_withdraw(actor=flow.deputy.user, suggestion=s, reason="还需补充调研材料。")


def _register(flow, s):
    return services.suggestion_register(actor=flow.office, suggestion=s)


def _merge(flow, s):
    other = flow.to(State.SUBMITTED, title="关于幸福小区排水管网改造的建议")
    return services.suggestion_merge(actor=flow.office, suggestion=s, into=other)


def _assign(flow, s):
    return services.suggestion_assign(
        actor=flow.office, suggestion=s, lead=flow.lead_unit, co_units=[flow.co_unit]
    )


def _accept(flow, s):
    return services.assignment_accept(actor=flow.lead_clerk, assignment=s.assignments.get(role="lead"))


def _reply(flow, s):
    return services.suggestion_reply(
        actor=flow.lead_clerk, suggestion=s, reply_class="A", **LETTER, text="已解决。"
    )


def _rate_ok(flow, s):
    return services.suggestion_rate(actor=flow.deputy.user, suggestion=s, result="basic", attitude=4)


def _rate_bad(flow, s):
    return services.suggestion_rate(
        actor=flow.deputy.user, suggestion=s, result="unsatisfied", attitude=2, comment="没有具体措施。"
    )


def _returned(flow):
    s = flow.to(State.SUBMITTED)
    _return(flow, s)
    return flow.refresh(s)


# (from, to, how to reach ``from``, the service that moves it)
ALLOWED = [
    (State.DRAFT, State.SUBMITTED, lambda flow: flow.to(State.DRAFT), _submit),
    (State.RETURNED, State.SUBMITTED, _returned, _submit),
    (State.SUBMITTED, State.RETURNED, lambda flow: flow.to(State.SUBMITTED), _return),
    (State.SUBMITTED, State.CONVERTED, lambda flow: flow.to(State.SUBMITTED), _convert),
    (State.SUBMITTED, State.REGISTERED, lambda flow: flow.to(State.SUBMITTED), _register),
    (State.SUBMITTED, State.MERGED, lambda flow: flow.to(State.SUBMITTED), _merge),
    (State.SUBMITTED, State.DRAFT, lambda flow: flow.to(State.SUBMITTED), _withdraw),
    (State.REGISTERED, State.ASSIGNED, lambda flow: flow.to(State.REGISTERED), _assign),
    (State.REGISTERED, State.MERGED, lambda flow: flow.to(State.REGISTERED), _merge),
    (State.ASSIGNED, State.IN_PROGRESS, lambda flow: flow.to(State.ASSIGNED), _accept),
    (State.IN_PROGRESS, State.REPLIED, lambda flow: flow.to(State.IN_PROGRESS), _reply),
    (State.REPLIED, State.CLOSED, lambda flow: flow.to(State.REPLIED), _rate_ok),
    (State.REPLIED, State.IN_PROGRESS, lambda flow: flow.to(State.REPLIED), _rate_bad),
]


def test_the_tests_cover_every_allowed_transition():
    table = {(frm, to) for frm, tos in TRANSITIONS.items() for to in tos}
    assert table == {(frm, to) for frm, to, _, _ in ALLOWED}
    assert set(TRANSITIONS) == set(State.values)


@pytest.mark.parametrize(("frm", "to", "reach", "move"), ALLOWED, ids=[f"{a}->{b}" for a, b, _, _ in ALLOWED])
def test_allowed_transition_moves_and_leaves_a_timeline_row(flow, frm, to, reach, move):
    s = reach(flow)
    assert s.state == frm
    events = Event.objects.filter(suggestion=s).count()
    move(flow, s)
    s = flow.refresh(s)
    assert s.state == to
    last = Event.objects.filter(suggestion=s).order_by("-id").first()
    assert last is not None and Event.objects.filter(suggestion=s).count() > events
    assert (last.from_state, last.to_state) == (frm, to)
    assert last.actor is not None


FORBIDDEN = [
    (State.DRAFT, _register),
    (State.DRAFT, _assign),
    (State.SUBMITTED, _submit),
    (State.SUBMITTED, _assign),
    (State.REGISTERED, _return),
    (State.REGISTERED, _submit),
    (State.ASSIGNED, _reply),
    (State.ASSIGNED, _register),
    (State.IN_PROGRESS, _rate_ok),
    (State.IN_PROGRESS, _convert),
    (State.REPLIED, _reply),
    (State.CLOSED, _rate_ok),
    (State.CLOSED, _reply),
    (State.CLOSED, _return),
]


@pytest.mark.parametrize(("state", "move"), FORBIDDEN, ids=[f"{s}-{m.__name__}" for s, m in FORBIDDEN])
def test_move_from_the_wrong_state_is_refused_and_changes_nothing(flow, state, move):
    s = flow.to(state)
    before = (
        s.state,
        s.number,
        s.reply_due,
        Event.objects.filter(suggestion=s).count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ValidationError) as exc:
        move(flow, s)
    assert isinstance(exc.value, WrongState)
    s = flow.refresh(s)
    after = (
        s.state,
        s.number,
        s.reply_due,
        Event.objects.filter(suggestion=s).count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_wrong_state_message_names_the_state(flow):
    s = flow.to(State.CLOSED)
    with pytest.raises(WrongState) as exc:
        _reply(flow, s)
    assert str(State.CLOSED.label) in exc.value.messages[0]


def test_can_move_follows_the_table():
    assert SUGGESTION.can_move(State.DRAFT, State.SUBMITTED)
    assert not SUGGESTION.can_move(State.DRAFT, State.CLOSED)
    assert not SUGGESTION.can_move(State.CLOSED, State.IN_PROGRESS)
    assert not SUGGESTION.can_move("nonsense", State.DRAFT)


def test_timeline_rows_are_append_only(flow):
    s = flow.to(State.SUBMITTED)
    event = Event.objects.filter(suggestion=s).first()
    assert event is not None
    event.note = "改写"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert Suggestion.objects.filter(pk=s.pk).exists()
