"""Migration 0011 keeps every finding step (FindingStep onto the kernel's append-only event base)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("budget", "0010_summary_key_indexes")]
AFTER = [("budget", "0011_finding_step_workflow_event")]


@pytest.mark.django_db(transaction=True)
def test_finding_steps_keep_their_time_and_gain_their_act_and_actor_name():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("accounts", "User")
    Finding = old.get_model("budget", "Finding")
    Step = old.get_model("budget", "FindingStep")
    person = User.objects.create(username="yusuan", real_name="王预算", role="staff")
    finding = Finding.objects.create(
        year=2026,
        rule_code="EXEC_LAG",
        key="u1",
        severity="yellow",
        subject="执行进度",
        amount=1,
        message="m",
        first_as_of=dt.date(2026, 6, 30),
        last_as_of=dt.date(2026, 6, 30),
    )
    moves = [
        ("new", "new"),
        ("new", "verifying"),
        ("verifying", "inquired"),
        ("inquired", "explained"),
        ("explained", "verifying"),
        ("verifying", "false_positive"),
    ]
    for source, target in moves:
        Step.objects.create(finding=finding, from_state=source, to_state=target, actor=person, note=target)
    Step.objects.create(finding=finding, from_state="false_positive", to_state="verifying", actor=None)
    stamps = list(Step.objects.order_by("id").values_list("created_at", flat=True))

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = list(
        new.get_model("budget", "FindingStep")
        .objects.order_by("id")
        .values_list("at", "action", "actor_name", "note")
    )
    assert [r[0] for r in rows] == stamps
    assert [r[1] for r in rows] == [
        "assign",
        "verify",
        "inquire",
        "reply",
        "reopen",
        "false_positive",
        "reopen",
    ]
    assert [r[2] for r in rows] == ["王预算"] * 6 + ["系统"]
    assert [r[3] for r in rows][:6] == [t for _, t in moves]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema as the other tests expect
