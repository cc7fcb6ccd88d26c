"""notify(): after the caller's commit, once per recipient, deduplicated, never raising."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from renda.accounts.models import Role
from renda.notifications.kinds import INBOX, Kind, declare
from renda.notifications.models import Notification
from renda.notifications.services import notify

pytestmark = pytest.mark.django_db

declare(Kind("test.reminder", "测试提醒", (INBOX,), dedup=True))


def test_nothing_is_written_before_the_commit_and_everything_after(
    make_user, django_capture_on_commit_callbacks
):
    clerk, deputy = make_user(Role.UNIT_HANDLER), make_user(Role.DEPUTY)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(kind="suggestion.assigned", recipients=[clerk, deputy, clerk], text="建议已交办", link="/s/1/")
        assert Notification.objects.count() == 0
    assert len(callbacks) == 1
    rows = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, n.kind, n.text, n.link, n.read_at) for n in rows] == [
        (clerk.pk, "suggestion.assigned", "建议已交办", "/s/1/", None),
        (deputy.pk, "suggestion.assigned", "建议已交办", "/s/1/", None),
    ]


def test_a_rolled_back_request_notifies_no_one(make_user, django_capture_on_commit_callbacks):
    clerk = make_user(Role.UNIT_HANDLER)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(kind="suggestion.assigned", recipients=[clerk], text="x", link="/")
                raise RuntimeError("the service failed")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()


def test_long_text_is_cut_and_the_object_is_referenced(make_user, django_capture_on_commit_callbacks):
    clerk = make_user(Role.UNIT_HANDLER)
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="system.notice", recipients=[clerk.pk], text="长" * 500, link="/x/", obj=clerk)
    notice = Notification.objects.get()
    assert len(notice.text) == 300 and notice.object_id == clerk.pk
    assert notice.object_type is not None and notice.object_type.model == "user"


def test_inactive_users_and_nonsense_recipients_are_skipped(make_user, django_capture_on_commit_callbacks):
    clerk = make_user(Role.UNIT_HANDLER)
    gone = make_user(Role.UNIT_HANDLER, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="system.notice", recipients=[gone, None, "abc", clerk, 10**12], text="t", link="/")
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [clerk.pk]


def test_a_failure_while_notifying_never_reaches_the_caller(
    make_user, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    clerk = make_user(Role.UNIT_HANDLER)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Notification.objects, "bulk_create", broken)
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="system.notice", recipients=[clerk], text="t", link="/")
    assert not Notification.objects.exists()
    assert "notify(kind=system.notice) failed" in caplog.text and "database gone" in caplog.text


def test_dedup_kind_reaches_a_recipient_once_within_the_window(
    make_user, django_capture_on_commit_callbacks, settings
):
    clerk, other = make_user(Role.UNIT_HANDLER), make_user(Role.UNIT_HANDLER)
    for recipients in ([clerk], [clerk, other]):
        with django_capture_on_commit_callbacks(execute=True):
            notify(kind="test.reminder", recipients=recipients, text="临期", link="/", obj=clerk)
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted([clerk.pk, other.pk])
    # Another object is another reminder; a key given by the caller is used instead of the object.
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="test.reminder", recipients=[clerk], text="临期", link="/", obj=other)
        notify(kind="system.notice", recipients=[clerk], text="a", link="/", dedup_key="k1")
        notify(kind="system.notice", recipients=[clerk], text="b", link="/", dedup_key="k1")
    assert Notification.objects.filter(recipient=clerk).count() == 3
    # Past the window, the same reminder goes out again.
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(hours=21))
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="test.reminder", recipients=[clerk], text="临期", link="/", obj=clerk)
    assert Notification.objects.filter(recipient=clerk, kind="test.reminder").count() == 3
    settings.RENDA_NOTIFICATIONS = {"DEDUP_WINDOW_HOURS": 48}
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="test.reminder", recipients=[clerk], text="临期", link="/", obj=clerk)
    assert Notification.objects.filter(recipient=clerk, kind="test.reminder").count() == 3
