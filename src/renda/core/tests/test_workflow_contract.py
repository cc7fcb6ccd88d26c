"""The workflow contract: every registered workflow, walked from a hand-written list of its moves.

The lists are written from the domain (the issues' workflows), never read from the tables: a change
to a table must change its list too. For each workflow, every (from, to) pair of states is tried
through the kernel: an allowed move works and writes exactly one event row and one audit row; any
other move raises ``WrongState`` and changes nothing. (The modules' own ``tests/test_workflow.py``
walk their workflows the same way with their services.)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.urls import get_resolver

from renda.core.models import AuditEvent
from renda.core.workflow import WORKFLOWS, Workflow, WrongState

pytestmark = pytest.mark.django_db


def _finding_moves() -> set[tuple[str, str]]:
    # 预警处置: 新发现 → 核实中 or 误报; 核实中 → 已函询, 已说明, 已整改 or 误报; 已函询 → 复函待审核
    # (the unit answered online), 已说明, 已整改 (a reply on paper) or 误报; 复函待审核 → 已说明 / 已整改
    # (accepted), back to 已函询 (returned to the unit) or 误报; 已说明 / 已整改 → 已销号, or back to
    # 核实中; 已销号 / 误报 → 核实中 (an administrator).
    return {
        ("new", "verifying"),
        ("new", "false_positive"),
        ("verifying", "inquired"),
        ("verifying", "explained"),
        ("verifying", "rectified"),
        ("verifying", "false_positive"),
        ("inquired", "explained"),
        ("inquired", "rectified"),
        ("inquired", "false_positive"),
        ("inquired", "replied"),
        ("replied", "explained"),
        ("replied", "rectified"),
        ("replied", "inquired"),
        ("replied", "false_positive"),
        ("explained", "closed"),
        ("explained", "verifying"),
        ("rectified", "closed"),
        ("rectified", "verifying"),
        ("closed", "verifying"),
        ("false_positive", "verifying"),
    }


def _suggestion_moves() -> set[tuple[str, str]]:
    from renda.suggestions.tests.test_workflow import ALLOWED_MOVES

    return set(ALLOWED_MOVES)


def _liaison_moves(name: str) -> Callable[[], set[tuple[str, str]]]:
    def moves() -> set[tuple[str, str]]:
        from renda.liaison.tests import test_workflow as lists

        return set(getattr(lists, name))

    return moves


def _activity_moves() -> set[tuple[str, str]]:
    from renda.deputies.tests.test_activities import ACTIVITY_MOVES

    return set(ACTIVITY_MOVES)


# Every workflow Renda runs, with its hand-written moves (a new workflow must be added here).
CONTRACT: dict[str, Callable[[], set[tuple[str, str]]]] = {
    "budget.finding": _finding_moves,
    "suggestions.suggestion": _suggestion_moves,
    "liaison.opinion": _liaison_moves("OPINION_MOVES"),
    "liaison.appointment": _liaison_moves("APPOINTMENT_MOVES"),
    "liaison.publication": _liaison_moves("PUBLICATION_MOVES"),
    "deputies.activity": _activity_moves,
    # 履职档案审核: 待初审 → 待终审 (初审), 已通过 (a one-step level, 代表工委) or 已退回; 待终审 → 已通过 or
    # 已退回; an edit sends 待终审, 已退回 and 已通过 back to 待初审.
    "deputies.archive_entry": lambda: {
        ("submitted", "checked"),
        ("submitted", "approved"),
        ("submitted", "returned"),
        ("checked", "approved"),
        ("checked", "returned"),
        ("checked", "submitted"),
        ("returned", "submitted"),
        ("approved", "submitted"),
    },
}


def _table(workflow: Workflow[Any]) -> set[tuple[str, str]]:
    return {(a, b) for a, targets in workflow.transitions.items() for b in targets}


def test_every_registered_workflow_is_under_contract():
    assert get_resolver().url_patterns  # every app's workflows and acts are loaded
    assert set(WORKFLOWS) == set(CONTRACT)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_each_table_is_exactly_the_hand_written_moves(name):
    assert get_resolver().url_patterns
    assert _table(WORKFLOWS[name]) == CONTRACT[name]()


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_every_act_is_labelled_for_the_audit_log(name):
    from renda.core.audit import ACTION_LABELS

    assert get_resolver().url_patterns
    workflow = WORKFLOWS[name]
    assert workflow.acts, f"{name} declares no acts"
    assert [
        a.name for a in workflow.acts.values() if workflow.audit_action(a.name) not in ACTION_LABELS
    ] == []


# --- the kernel's promise, pair by pair, on the finding workflow ------------------------------------


@pytest.fixture
def finding(db):
    from renda.budget.models import Finding

    return Finding.objects.create(
        year=2026,
        rule_code="EXEC_LAG",
        key="contract",
        severity="yellow",
        subject="执行进度",
        amount=1,
        message="—",
        first_as_of=dt.date(2026, 6, 30),
        last_as_of=dt.date(2026, 6, 30),
    )


FINDING_STATES = [
    "new",
    "verifying",
    "inquired",
    "replied",
    "explained",
    "rectified",
    "closed",
    "false_positive",
]


@pytest.mark.parametrize(("source", "target"), list(itertools.product(FINDING_STATES, FINDING_STATES)))
def test_each_allowed_move_writes_one_event_and_one_audit_row_and_others_change_nothing(
    finding, admin_user, source, target
):
    workflow = WORKFLOWS["budget.finding"]
    type(finding).objects.filter(pk=finding.pk).update(state=source)
    finding.refresh_from_db()
    events = workflow.event_model.objects.count()
    audits = AuditEvent.objects.count()
    if (source, target) in _finding_moves():
        with transaction.atomic(), workflow.step(finding, actor=admin_user, action="verify", to=target):
            pass
        finding.refresh_from_db()
        assert finding.state == target
        assert workflow.event_model.objects.count() == events + 1
        assert AuditEvent.objects.count() == audits + 1
    else:
        with (
            pytest.raises(WrongState) as refused,
            transaction.atomic(),
            workflow.step(finding, actor=admin_user, action="verify", to=target),
        ):
            pass
        assert refused.value.code == "wrong_state" and refused.value.messages
        finding.refresh_from_db()
        assert finding.state == source
        assert workflow.event_model.objects.count() == events
        assert AuditEvent.objects.count() == audits
