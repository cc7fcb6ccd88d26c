"""The suggestion workflow on the core kernel: the moves the domain allows, and nothing else.

The allowed moves are written out here by hand from the handling rules (代表建议办理办法), not read
from the table in ``renda.suggestions.workflow``: if the table and this list disagree, a test fails.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from renda.core.audit import action_label
from renda.core.models import AuditEvent
from renda.core.workflow import AppendOnlyError, WrongState
from renda.suggestions.models import Event, State, Suggestion
from renda.suggestions.tests.test_transitions import ALLOWED
from renda.suggestions.workflow import SUGGESTION

pytestmark = pytest.mark.django_db

ALLOWED_MOVES = {
    (State.DRAFT, State.SUBMITTED),  # 提交
    (State.RETURNED, State.SUBMITTED),  # 修改后再提交
    (State.SUBMITTED, State.RETURNED),  # 退回修改
    (State.SUBMITTED, State.CONVERTED),  # 转为意见
    (State.SUBMITTED, State.REGISTERED),  # 立案
    (State.SUBMITTED, State.MERGED),  # 合并 (before registration)
    (State.SUBMITTED, State.DRAFT),  # 撤回: the deputy takes it back before it is registered
    (State.REGISTERED, State.MERGED),  # 合并 (after registration, before assignment)
    (State.REGISTERED, State.ASSIGNED),  # 交办
    (State.ASSIGNED, State.IN_PROGRESS),  # 主办单位签收
    (State.IN_PROGRESS, State.REPLIED),  # 答复
    (State.REPLIED, State.CLOSED),  # 满意 / 基本满意
    (State.REPLIED, State.IN_PROGRESS),  # 不满意: another round
}
# 已转为意见, 已合并 and 已办结 are final: nothing moves out of them.


def _counts(s: Suggestion) -> tuple[str, int, int]:
    return (
        Suggestion.objects.get(pk=s.pk).state,
        Event.objects.filter(suggestion=s).count(),
        AuditEvent.objects.count(),
    )


def _move(s: Suggestion, actor, to: str) -> None:
    """A move through the kernel, inside a transaction as a service makes it."""
    with transaction.atomic(), SUGGESTION.step(s, actor=actor, action="move", to=to):
        pass


@pytest.mark.parametrize("source", State.values)
def test_a_move_works_exactly_when_the_domain_allows_it(source, deputy, category, office):
    """Every (from, to) pair through the kernel: allowed moves move and write one event and one
    audit row; every other move is refused with WrongState and changes nothing."""
    for target in State.values:
        s = Suggestion.objects.create(title="t", content="c", category=category, deputy=deputy, state=source)
        state, events, audits = _counts(s)
        if (source, target) in ALLOWED_MOVES:
            _move(s, office, target)
            assert _counts(s) == (target, events + 1, audits + 1), (source, target)
            event = Event.objects.filter(suggestion=s).latest("id")
            assert (event.action, event.from_state, event.to_state, event.actor) == (
                "move",
                source,
                target,
                office,
            )
            assert AuditEvent.objects.latest("id").action == "suggestions.move"
        else:
            with pytest.raises(WrongState) as refused:
                _move(s, office, target)
            assert refused.value.code == "wrong_state"
            assert _counts(s) == (state, events, audits), (source, target)


def test_the_table_has_every_state_and_only_the_domains_moves():
    assert set(SUGGESTION.transitions) == set(State.values)
    assert {(a, b) for a in State.values for b in State.values if SUGGESTION.can_move(a, b)} == ALLOWED_MOVES


# The audit action each service move of test_transitions must leave (one row, today's code).
AUDIT_ACTION = {
    "_submit": "suggestions.submit",
    "_return": "suggestions.return",
    "_convert": "suggestions.convert",
    "_register": "suggestions.register",
    "_merge": "suggestions.merge",
    "_withdraw": "suggestions.withdraw",
    "_assign": "suggestions.assign",
    "_accept": "suggestions.accept",
    "_reply": "suggestions.reply",
    "_rate_ok": "suggestions.rate",
    "_rate_bad": "suggestions.rate",
}


@pytest.mark.parametrize(("frm", "to", "reach", "move"), ALLOWED, ids=[f"{a}->{b}" for a, b, _, _ in ALLOWED])
def test_each_service_move_writes_one_timeline_row_and_one_audit_row(flow, frm, to, reach, move):
    s = reach(flow)
    own_audit = AuditEvent.objects.filter(object_type="suggestions.suggestion", object_id=str(s.pk))
    events, audits = Event.objects.filter(suggestion=s).count(), own_audit.count()
    move(flow, s)
    assert Event.objects.filter(suggestion=s).count() == events + 1
    assert own_audit.count() == audits + 1
    assert own_audit.latest("id").action == AUDIT_ACTION[move.__name__]


def test_timeline_rows_cannot_be_changed_or_deleted(flow):
    s = flow.to(State.SUBMITTED)
    rows = Event.objects.filter(suggestion=s)
    stored = list(rows.values_list("id", "action", "note"))
    event = rows.first()
    assert event is not None
    event.note = "改写"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        rows.update(note="改写")
    with pytest.raises(AppendOnlyError):
        rows.delete()
    assert list(Event.objects.filter(suggestion=s).values_list("id", "action", "note")) == stored


# Every audit action the module writes (acts, other writes, and the permissions refusals name).
MODULE_AUDIT_ACTIONS = [
    "suggestions.create",
    "suggestions.update",
    "suggestions.cosign",
    "suggestions.submit",
    "suggestions.return",
    "suggestions.convert",
    "suggestions.register",
    "suggestions.merge",
    "suggestions.assign",
    "suggestions.accept",
    "suggestions.request_release",
    "suggestions.reassign",
    "suggestions.send_opinion",
    "suggestions.waive_opinion",
    "suggestions.withdraw",
    "suggestions.delete",
    "suggestions.session_create",
    "suggestions.manage_sessions",
    "suggestions.record_contact",
    "suggestions.request_extension",
    "suggestions.decide_extension",
    "suggestions.reply",
    "suggestions.rate",
    "suggestions.fulfil_commitment",
    "suggestions.mark_key",
    "suggestions.chase",
    "suggestions.publish",
    "suggestions.unpublish",
    "suggestions.category_create",
    "suggestions.category_toggle",
    "suggestions.deadlines_recompute",
    "suggestions.edit",
    "suggestions.review",
    "suggestions.supervise",
    "suggestions.manage_categories",
    "suggestions.view_list",
    "suggestions.view_suggestion",
    "suggestions.view_all",
    "suggestions.view_documents",
    "suggestions.view_statistics",
]


def test_every_audit_action_of_the_module_has_a_label():
    assert [code for code in MODULE_AUDIT_ACTIONS if action_label(code) == code] == []


def test_the_audit_log_of_a_whole_handling_shows_no_raw_code(flow):
    flow.to(State.CLOSED)
    codes = set(AuditEvent.objects.filter(action__startswith="suggestions.").values_list("action", flat=True))
    assert codes and not {code for code in codes if action_label(code) == code}
