"""函复催办: inquiries awaiting the unit's reply are reminded through the notification centre."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import Role
from renda.budget.models import Finding, Inquiry
from renda.budget.services.finding_reminders import finding_reply_reminders_send
from renda.budget.tests.test_findings import make_finding
from renda.core.calendar import add_working_days
from renda.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _inquired(actor, *, due: dt.date, assignee=None, replied: bool = False) -> Finding:
    finding = make_finding(state=Finding.State.INQUIRED, assignee=assignee)
    Inquiry.objects.create(
        finding=finding,
        number=f"预工函〔2025〕{finding.pk}号",
        recipient="第一中学",
        body="请说明执行进度滞后的原因。",
        reply_due=due,
        sent_by=actor,
        replied_on=timezone.localdate() if replied else None,
    )
    return finding


def test_overdue_and_due_inquiries_remind_the_assignee_once_a_day(
    budget_staff, make_user, budget_org, loaded_year, django_capture_on_commit_callbacks
):
    other_staff = make_user(Role.STAFF, organisation=budget_org)
    today = timezone.localdate()
    overdue = _inquired(budget_staff, due=today - dt.timedelta(days=2), assignee=other_staff)
    due = _inquired(budget_staff, due=add_working_days(today, 1))
    _inquired(budget_staff, due=today - dt.timedelta(days=2), replied=True)  # answered: no reminder
    _inquired(budget_staff, due=today + dt.timedelta(days=30))  # not due yet
    with django_capture_on_commit_callbacks(execute=True):
        counts = finding_reply_reminders_send(today=today)
    assert counts == {"due": 1, "overdue": 1}
    late = Notification.objects.get(kind="finding.reply_overdue")
    assert late.recipient == other_staff and late.object_id == overdue.pk  # the assignee, not the sender
    assert late.link == reverse("budget:finding", args=[overdue.pk]) and "预工函" in late.text
    soon = Notification.objects.get(kind="finding.reply_due")
    assert soon.recipient == budget_staff and soon.object_id == due.pk  # nobody assigned: the sender
    with django_capture_on_commit_callbacks(execute=True):
        assert finding_reply_reminders_send(today=today) == {"due": 0, "overdue": 0}
    assert Notification.objects.count() == 2


def test_the_daily_command(budget_staff, loaded_year, capsys):
    _inquired(budget_staff, due=timezone.localdate() - dt.timedelta(days=1))
    call_command("budget_remind")
    assert "overdue=1" in capsys.readouterr().out
