"""The inbox: a person sees, opens and marks only their own notices; the bell counts them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.accounts.models import Role
from renda.core.models import AuditEvent
from renda.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _notice(user, kind="suggestion.assigned", text="建议已交办", link="/suggestions/1/", **extra):
    return Notification.objects.create(recipient=user, kind=kind, text=text, link=link, **extra)


def test_the_bell_on_every_page_counts_only_ones_own_unread(make_user, client_for):
    clerk, other = make_user(Role.UNIT_HANDLER), make_user(Role.UNIT_HANDLER)
    _notice(clerk)
    _notice(clerk, text="已读的", read_at="2026-01-01T00:00:00Z")
    _notice(other)
    _notice(other)
    page = client_for(clerk).get(reverse("core:workbench")).content.decode()
    assert 'data-testid="notice-bell"' in page and 'data-testid="notice-count">1<' in page


def test_inbox_lists_ones_own_with_filters(make_user, client_for):
    clerk, other = make_user(Role.UNIT_HANDLER), make_user(Role.UNIT_HANDLER)
    _notice(clerk, text="交办通知")
    _notice(clerk, kind="suggestion.overdue", text="超期提醒", read_at="2026-01-01T00:00:00Z")
    _notice(other, text="别人的通知")
    c = client_for(clerk)
    page = c.get(reverse("notifications:inbox")).content.decode()
    assert "交办通知" in page and "超期提醒" in page and "别人的通知" not in page
    unread = c.get(reverse("notifications:inbox"), {"state": "unread"}).content.decode()
    assert "交办通知" in unread and "超期提醒" not in unread
    by_kind = c.get(reverse("notifications:inbox"), {"kind": "suggestion.overdue"}).content.decode()
    assert "超期提醒" in by_kind and "交办通知" not in by_kind
    # A filter that cannot be read is ignored, never a 500.
    assert c.get(reverse("notifications:inbox"), {"state": "x\x00", "page": "²"}).status_code == 200


def test_opening_a_notice_marks_it_read_and_leads_to_its_page(make_user, client_for):
    clerk = make_user(Role.UNIT_HANDLER)
    notice = _notice(clerk, link="/suggestions/7/")
    opened = client_for(clerk).get(reverse("notifications:open", args=[notice.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/suggestions/7/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert AuditEvent.objects.filter(action="notifications.mark_read", actor=clerk).count() == 1


def test_a_link_off_the_site_is_never_followed(make_user, client_for):
    clerk = make_user(Role.UNIT_HANDLER)
    notice = _notice(clerk, link="https://evil.example.com/")
    opened = client_for(clerk).get(reverse("notifications:open", args=[notice.pk]))
    assert opened["Location"] == reverse("notifications:inbox")


def test_nobody_opens_or_marks_anothers_notice(make_user, client_for):
    clerk, other = make_user(Role.UNIT_HANDLER), make_user(Role.STAFF)
    notice = _notice(clerk)
    c = client_for(other)
    assert c.get(reverse("notifications:open", args=[notice.pk])).status_code == 404
    assert c.post(reverse("notifications:mark_read", args=[notice.pk])).status_code == 404
    c.post(reverse("notifications:mark_all_read"))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_read_and_mark_all_read(make_user, client_for):
    clerk = make_user(Role.DEPUTY)
    first, second = _notice(clerk), _notice(clerk, kind="suggestion.overdue")
    third = _notice(clerk, kind="suggestion.overdue")
    c = client_for(clerk)
    assert c.post(reverse("notifications:mark_read", args=[first.pk])).status_code == 302
    assert c.post(reverse("notifications:mark_all_read"), {"kind": "suggestion.overdue"}).status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert {first.pk, second.pk, third.pk} == set(Notification.objects.values_list("pk", flat=True))
    assert c.get(reverse("notifications:mark_all_read")).status_code == 405


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_workbench_shows_the_latest_unread(make_user, client_for):
    deputy = make_user(Role.DEPUTY)
    for i in range(7):
        _notice(deputy, text=f"第{i}条通知")
    page = client_for(deputy).get(reverse("core:workbench")).content.decode()
    assert 'data-testid="notifications-panel"' in page
    assert "第6条通知" in page and "第2条通知" in page and "第1条通知" not in page
