"""The migration that puts the timeline on the kernel's event base keeps every stored row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("suggestions", "0002_default_categories")]
AFTER = [("suggestions", "0003_event_on_workflow_event")]


@pytest.fixture(autouse=True)
def _latest_schema_after():
    """A test that migrates back leaves the schema at the latest migrations for the tests after it."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_timeline_rows_survive_the_move_to_the_event_base(deputy, office, category):
    old = _migrate(BEFORE)
    try:
        Suggestion = old.get_model("suggestions", "Suggestion")
        Event = old.get_model("suggestions", "Event")
        s = Suggestion.objects.create(
            title="关于幸福小区老旧管网改造的建议",
            content="排水管网老化，雨季积水严重。",
            category_id=category.pk,
            deputy_id=deputy.pk,
            state="submitted",
        )
        when = timezone.make_aware(dt.datetime(2024, 3, 5, 9, 30))
        first = Event.objects.create(
            suggestion=s,
            action="submit",
            from_state="draft",
            to_state="submitted",
            actor_id=deputy.user_id,
            actor_name="李代表",
            note="提交",
        )
        Event.objects.filter(pk=first.pk).update(at=when)  # auto_now_add: set the time afterwards
        second = Event.objects.create(suggestion=s, action="recompute", actor_name="系统")
        stored = list(Event.objects.order_by("id").values())
    finally:
        new = _migrate(AFTER)

    Event = new.get_model("suggestions", "Event")
    after = list(Event.objects.order_by("id").values())
    assert after == stored
    assert [e["id"] for e in after] == [first.pk, second.pk]
    assert after[0]["at"] == when
    assert (after[0]["action"], after[0]["from_state"], after[0]["to_state"]) == (
        "submit",
        "draft",
        "submitted",
    )
    assert (after[0]["actor_id"], after[0]["actor_name"], after[0]["note"]) == (
        deputy.user_id,
        "李代表",
        "提交",
    )


@pytest.mark.django_db(transaction=True)
def test_the_migrated_table_takes_the_kernels_longer_values(deputy, category):
    """After the migration an action of 40 and a state of 20 characters fit (PostgreSQL checks)."""
    from renda.suggestions.models import Event, Suggestion

    s = Suggestion.objects.create(title="t", content="c", category=category, deputy=deputy)
    event = Event.objects.create(suggestion=s, action="a" * 40, from_state="x" * 20, to_state="y" * 20)
    event.refresh_from_db()
    assert (len(event.action), len(event.from_state)) == (40, 20)
    assert event.at is not None
