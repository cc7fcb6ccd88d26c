"""Background work: the daily reminders task and command, and deadlines recomputed by the task."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from renda.notifications.models import Notification
from renda.suggestions.models import State, Suggestion
from renda.suggestions.tasks import recompute_deadlines, send_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_reminder_task_notifies_on_overdue_suggestions(
    flow, immediate_tasks, django_capture_on_commit_callbacks
):
    s = flow.to(State.IN_PROGRESS)
    Suggestion.objects.filter(pk=s.pk).update(reply_due=timezone.localdate() - dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        result = send_reminders.enqueue()
    assert result.return_value is not None and result.return_value["overdue"] == 1
    assert Notification.objects.filter(kind="suggestion.overdue", recipient=flow.lead_clerk).exists()


def test_recompute_task_moves_a_stale_deadline(flow, immediate_tasks):
    s = flow.to(State.ASSIGNED)
    Suggestion.objects.filter(pk=s.pk).update(reply_due=dt.date(2000, 1, 1))
    assert recompute_deadlines.enqueue([]).return_value == 1
    s.refresh_from_db()
    assert s.reply_due != dt.date(2000, 1, 1)


def test_reminder_command_prints_the_counts(flow):
    s = flow.to(State.IN_PROGRESS)
    Suggestion.objects.filter(pk=s.pk).update(reply_due=timezone.localdate() + dt.timedelta(days=5))
    out = StringIO()
    call_command("suggestions_remind", stdout=out)
    assert "due_soon=" in out.getvalue() and "due_soon=0" not in out.getvalue()
