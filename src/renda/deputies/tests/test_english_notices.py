# ruff: noqa: F811  (the fixtures are imported from activities_fixtures)
"""The activity notices are words (issue 15.9): invited, leave asked and decided, the reminder (its
weekday and materials included) and the cancellation, written while the actors use Chinese, read in
English for an English reader (titles, places, names are data) and in Chinese, as stored, for a
Chinese reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from renda.accounts.models import User
from renda.conftest import chinese_outside
from renda.deputies.models.activities import ActivityFile
from renda.deputies.services import activities as services
from renda.deputies.tests.activities_fixtures import (  # noqa: F401  (fixtures)
    group,
    make_activity,
    make_deputy,
    organiser,
    term,
)
from renda.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_activity_notices_read_in_english(
    make_activity, make_deputy, organiser, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    a, b = make_deputy("Zhang San"), make_deputy("Li Si")
    start = timezone.now() + dt.timedelta(days=5)
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        activity = make_activity(deputies=[a, b], start=start, title="River inspection", place="Town hall")
        ActivityFile.objects.create(
            activity=activity, kind="material", file="x.pdf", name="Agenda.pdf", size=3
        )
        invitation = activity.invitations.get(deputy=b)
        services.invitation_answer(actor=b.user, invitation=invitation, answer="leave", reason="Travel")
        services.invitation_decide_leave(
            actor=organiser, invitation=invitation, approve=False, note="Please come"
        )
        services.activity_reminders_send(now=start - dt.timedelta(days=3) + dt.timedelta(minutes=1))
        services.activity_cancel(actor=organiser, activity=activity, reason="Flood")
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {
        "activity.invited",
        "activity.leave_asked",
        "activity.leave_decided",
        "activity.reminder",
        "activity.changed",
    } <= kinds
    data = {u.display_name for u in User.objects.all()} | {"Zhang San", "Li Si"}
    for notice in Notification.objects.all():
        assert notice.words, notice.kind
        with translation.override("en"):
            english = notice.shown_text
        assert not chinese_outside(english, data), (notice.kind, english)
        with translation.override("zh-hans"):
            assert notice.shown_text == notice.text
    reminder = Notification.objects.get(kind="activity.reminder", recipient=a.user)
    weekday = timezone.localtime(activity.start_at).strftime("%A")
    with translation.override("en"):
        assert f"({weekday})" in reminder.shown_text and "Materials: Agenda.pdf." in reminder.shown_text
    assert "（星期" in reminder.text and "Agenda.pdf" in reminder.text
