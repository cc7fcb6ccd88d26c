# ruff: noqa: F811  (the fixtures are imported from activities_fixtures)
"""代表活动的页面: who may open what, the QR scan's answers, the .ics, the private feed, reminders."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from renda.accounts.models import Role
from renda.deputies.models.activities import Activity, ActivityReminder, Invitation
from renda.deputies.selectors import activities as selectors
from renda.deputies.services import activities as services
from renda.deputies.tests.activities_fixtures import (  # noqa: F401  (fixtures)
    group,
    make_activity,
    make_deputy,
    organiser,
    other_staff,
    term,
)
from renda.notifications.models import Notification

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def open_activity(make_activity, make_deputy, organiser):
    a, b = make_deputy("张三"), make_deputy("李四")
    activity = make_activity(deputies=[a, b])
    services.activity_open_signin(actor=organiser, activity=activity)
    return activity, a, b


def _scan_url(activity) -> str:
    return f"/deputies/activities/sign-in/{services.signin_token(activity)}/"


# --- staff pages -------------------------------------------------------------------------------------


def test_staff_create_invite_publish_through_the_pages(client_for, organiser, make_deputy, group):
    client = client_for(organiser)
    start = timezone.localtime() + dt.timedelta(days=2)
    response = client.post(
        "/deputies/activities/new/",
        {
            "title": "县人大常委会第二十次会议",
            "kind": "session_observe",
            "organiser_kind": "office",
            "start_at": start.strftime("%Y-%m-%dT09:00"),
            "end_at": start.strftime("%Y-%m-%dT12:00"),
            "place": "县人大常委会会议室",
            "agenda": "审议工作报告",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.state == "draft" and activity.organiser_name
    make_deputy("王五")
    response = client.post(f"/deputies/activities/{activity.pk}/invite/", {"group": group.pk})
    assert response.status_code == 302 and activity.invitations.count() == 1
    response = client.post(f"/deputies/activities/{activity.pk}/act/publish/")
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.state == "published"
    page = client.get(f"/deputies/activities/{activity.pk}/")
    assert page.status_code == 200 and "王五" in page.content.decode()
    assert "县人大常委会第二十次会议" in client.get("/deputies/activities/").content.decode()


def test_an_activity_form_with_the_end_before_the_start_is_a_400_with_the_field_error(client_for, organiser):
    response = client_for(organiser).post(
        "/deputies/activities/new/",
        {
            "title": "调研",
            "kind": "research",
            "organiser_kind": "office",
            "start_at": "2026-05-01T10:00",
            "end_at": "2026-05-01T09:00",
            "place": "县政府",
        },
    )
    assert response.status_code == 400 and not Activity.objects.exists()


def test_invitee_search_finds_deputies_by_name(client_for, organiser, make_activity, make_deputy):
    make_deputy("欧阳明"), make_deputy("李四")
    activity = make_activity()
    response = client_for(organiser).get(f"/deputies/activities/{activity.pk}/invite/search/?q=欧阳")
    body = response.content.decode()
    assert response.status_code == 200 and "欧阳明" in body and "李四" not in body


def test_a_non_organiser_cannot_open_the_sign_in_screen_or_act(client_for, other_staff, open_activity):
    activity, a, _b = open_activity
    client = client_for(other_staff)
    assert client.get(f"/deputies/activities/{activity.pk}/").status_code == 200  # staff may read it
    assert client.get(f"/deputies/activities/{activity.pk}/sign-in/").status_code == 403
    assert client.get(f"/deputies/activities/{activity.pk}/sign-in/qr/").status_code == 403
    assert (
        client.post(f"/deputies/activities/{activity.pk}/act/close/", {"close-minutes": ""}).status_code
        == 403
    )
    assert client_for(a.user).get(f"/deputies/activities/{activity.pk}/sign-in/").status_code == 403


def test_the_sign_in_screen_shows_a_changing_svg_qr_code_and_the_counts(client_for, organiser, open_activity):
    activity, a, _b = open_activity
    client = client_for(organiser)
    page = client.get(f"/deputies/activities/{activity.pk}/sign-in/")
    body = page.content.decode()
    assert (
        page.status_code == 200
        and "<svg" in body
        and 'hx-trigger="every 15s"' in body
        and "<script>" not in body
    )
    first = re.search(r'data-scan-url="([^"]+)"', body)
    assert first is not None
    again = client.get(f"/deputies/activities/{activity.pk}/sign-in/qr/").content.decode()
    second = re.search(r'data-scan-url="([^"]+)"', again)
    assert second is not None and second.group(1) != first.group(1)  # a new nonce every time
    live = client.get(f"/deputies/activities/{activity.pk}/sign-in/live/").content.decode()
    assert 'data-testid="count-present">0<' in live
    services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    live = client.get(f"/deputies/activities/{activity.pk}/sign-in/live/").content.decode()
    assert 'data-testid="count-present">1<' in live and "张三" in live


# --- the scan ----------------------------------------------------------------------------------------


def test_opening_the_qr_url_signs_the_deputy_in(client_for, open_activity):
    activity, a, _b = open_activity
    response = client_for(a.user).get(_scan_url(activity))
    assert response.status_code == 200 and 'data-testid="scan-ok"' in response.content.decode()
    assert Invitation.objects.get(activity=activity, deputy=a).signed_in_at is not None


def test_the_scan_refusals_are_4xx_with_a_message(client_for, open_activity, make_deputy, settings):
    activity, a, _b = open_activity
    client = client_for(a.user)
    assert client.get("/deputies/activities/sign-in/forged:token:value/").status_code == 400
    url = _scan_url(activity)
    assert client.get(url).status_code == 200
    replay = client.get(url)
    assert replay.status_code == 409 and 'data-testid="scan-message"' in replay.content.decode()
    assert client.get(_scan_url(activity)).status_code == 409  # a second sign-in
    stranger = make_deputy("路人甲")
    assert client_for(stranger.user).get(_scan_url(activity)).status_code == 403
    settings.RENDA_ACTIVITIES = {"SIGNIN_TOKEN_SECONDS": -1}
    assert client_for(_b.user).get(_scan_url(activity)).status_code == 410


def test_signing_in_needs_an_account(client, open_activity):
    activity, _a, _b = open_activity
    response = client.get(_scan_url(activity))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the deputy's pages ------------------------------------------------------------------------------


def test_my_activities_lists_todays_first_and_a_deputy_answers(client_for, make_activity, make_deputy):
    a = make_deputy()
    later = make_activity(title="下月调研", start=timezone.now() + dt.timedelta(days=20), deputies=[a])
    today = make_activity(title="今日视察", deputies=[a])
    make_activity(title="草稿活动", deputies=[a], publish=False)
    client = client_for(a.user)
    body = client.get("/deputies/activities/mine/").content.decode()
    assert body.index("今日视察") < body.index("下月调研") and "草稿活动" not in body
    response = client.post(
        f"/deputies/activities/{later.pk}/answer/", {"answer": "leave", "reason": "外出学习"}
    )
    assert response.status_code == 302
    assert later.invitations.get().leave == "pending"
    response = client.post(f"/deputies/activities/{today.pk}/answer/", {"answer": "leave", "reason": ""})
    assert response.status_code == 400 and today.invitations.get().answer == "pending"


def test_a_deputy_cannot_open_an_activity_they_are_not_invited_to(client_for, make_activity, make_deputy):
    a, b = make_deputy(), make_deputy()
    activity = make_activity(deputies=[a])
    client = client_for(b.user)
    assert client.get(f"/deputies/activities/{activity.pk}/").status_code == 403
    assert client.get(f"/deputies/activities/{activity.pk}/activity.ics").status_code == 403
    assert client.post(f"/deputies/activities/{activity.pk}/answer/", {"answer": "attend"}).status_code == 403
    assert client.get("/deputies/activities/").status_code == 403  # the staff list


def test_materials_are_served_only_to_who_may_see_the_activity(
    client_for, organiser, make_activity, make_deputy
):
    a, b = make_deputy(), make_deputy()
    activity = make_activity(deputies=[a])
    response = client_for(organiser).post(
        f"/deputies/activities/{activity.pk}/files/",
        {"kind": "photo", "upload": SimpleUploadedFile("现场.png", PNG, content_type="image/png")},
    )
    assert response.status_code == 302
    stored = activity.files.get()
    assert client_for(a.user).get(f"/deputies/activities/files/{stored.pk}/").status_code == 200
    assert client_for(b.user).get(f"/deputies/activities/files/{stored.pk}/").status_code == 403
    fake = SimpleUploadedFile("假图.png", b"MZ not a png at all", content_type="image/png")
    response = client_for(organiser).post(
        f"/deputies/activities/{activity.pk}/files/", {"kind": "photo", "upload": fake}
    )
    assert response.status_code == 400 and activity.files.count() == 1


def test_the_ics_holds_the_activity(client_for, make_activity, make_deputy):
    a = make_deputy()
    activity = make_activity(deputies=[a], title="城关镇代表小组活动；学习", place="城关镇人大主席团办公室")
    response = client_for(a.user).get(f"/deputies/activities/{activity.pk}/activity.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "城关镇代表小组活动；学习"
    assert str(event["LOCATION"]) == "城关镇人大主席团办公室"
    assert event.decoded("DTSTART") == activity.start_at.replace(microsecond=0)
    assert event.decoded("DTEND") == activity.end_at.replace(microsecond=0)
    assert str(event["UID"]).startswith(f"activity-{activity.pk}@")
    assert str(event["STATUS"]) == "CONFIRMED"
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content  # UTC times


def test_a_private_feed_is_revocable_and_never_anothers(client_for, make_activity, make_deputy):
    a, b = make_deputy(), make_deputy()
    make_activity(deputies=[a], title="甲的活动")
    make_activity(deputies=[b], title="乙的活动")
    client_a = client_for(a.user)
    client_a.post("/deputies/activities/calendar/", {"do": "reset"})
    token = a.calendar_feed.token
    client_a.logout()
    feed = client_a.get(f"/deputies/activities/calendar/{token}.ics")  # calendar apps fetch it unsigned
    assert (
        feed.status_code == 200
        and "甲的活动" in feed.content.decode()
        and "乙的活动" not in feed.content.decode()
    )
    # B's page shows B's own address (none yet), never A's
    page_b = client_for(b.user).get("/deputies/activities/calendar/").content.decode()
    assert token not in page_b
    with pytest.raises(services.PermissionRefused):
        selectors.calendar_feed_of(actor=b.user, deputy=a)
    with pytest.raises(services.PermissionRefused):
        services.calendar_feed_reset(actor=b.user, deputy=a)
    client_for(a.user).post("/deputies/activities/calendar/", {"do": "revoke"})
    assert client_a.get(f"/deputies/activities/calendar/{token}.ics").status_code == 404


def test_staff_without_a_seat_are_told_they_have_no_calendar(client_for, organiser):
    assert client_for(organiser).get("/deputies/activities/calendar/").status_code == 403


# --- reminders ---------------------------------------------------------------------------------------


def test_reminders_at_3_days_and_2_hours_each_once_through_the_notification_service(
    client_for, make_activity, make_deputy, django_capture_on_commit_callbacks
):
    a, b, on_leave = make_deputy(), make_deputy(), make_deputy()
    start = timezone.now() + dt.timedelta(days=5)
    activity = make_activity(deputies=[a, b, on_leave], start=start)
    services.invitation_answer(
        actor=on_leave.user,
        invitation=activity.invitations.get(deputy=on_leave),
        answer="leave",
        reason="出差",
    )
    assert selectors.reminders_due(now=start - dt.timedelta(days=4)) == []
    three_days = start - dt.timedelta(days=3) + dt.timedelta(minutes=1)
    due = selectors.reminders_due(now=three_days)
    assert sorted((i.deputy_id, m) for i, m in due) == [(a.pk, 4320), (b.pk, 4320)]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.activity_reminders_send(now=three_days) == {"sent": 2}
    assert services.activity_reminders_send(now=three_days) == {"sent": 0}
    (notice,) = Notification.objects.filter(recipient=a.user, kind="activity.reminder")
    local = timezone.localtime(activity.start_at)
    assert activity.title in notice.text and activity.place in notice.text
    assert local.strftime("%Y-%m-%d") in notice.text and local.strftime("%H:%M") in notice.text
    assert notice.link == f"/deputies/activities/{activity.pk}/"
    assert not Notification.objects.filter(recipient=on_leave.user, kind="activity.reminder").exists()
    two_hours = start - dt.timedelta(minutes=119)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.activity_reminders_send(now=two_hours)["sent"] == 2
    assert ActivityReminder.objects.filter(invitation__deputy=a).count() == 2
    assert Notification.objects.filter(recipient=a.user, kind="activity.reminder").count() == 2
    in_app = client_for(a.user).get("/deputies/activities/mine/").content.decode()
    assert 'data-testid="reminders"' in in_app and activity.title in in_app


def test_publishing_cancelling_and_leave_decisions_notify_who_they_concern(
    make_activity, make_deputy, organiser, django_capture_on_commit_callbacks
):
    a, b = make_deputy(), make_deputy()
    with django_capture_on_commit_callbacks(execute=True):
        activity = make_activity(deputies=[a, b])
    assert Notification.objects.filter(kind="activity.invited").count() == 2
    invitation = activity.invitations.get(deputy=a)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_answer(actor=a.user, invitation=invitation, answer="leave", reason="生病")
    assert Notification.objects.get(kind="activity.leave_asked").recipient == organiser
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_decide_leave(
            actor=organiser, invitation=invitation, approve=False, note="请务必参加"
        )
    assert "请务必参加" in Notification.objects.get(kind="activity.leave_decided", recipient=a.user).text
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_cancel(actor=organiser, activity=activity, reason="天气原因")
    assert Notification.objects.filter(kind="activity.changed").count() == 2


def test_a_late_invitee_gets_one_reminder_not_two(make_activity, make_deputy):
    a = make_deputy()
    start = timezone.now() + dt.timedelta(hours=1)
    make_activity(deputies=[a], start=start)
    assert [m for _i, m in selectors.reminders_due()] == [120]
    services.activity_reminders_send()
    assert selectors.reminders_due() == []


def test_only_an_administrator_sends_reminders_by_hand(make_user, make_deputy):
    with pytest.raises(services.PermissionRefused):
        services.activity_reminders_send(actor=make_deputy().user)
    assert services.activity_reminders_send(actor=make_user(Role.ADMIN)) == {"sent": 0}


def test_the_reminder_command_sends_what_is_due(make_activity, make_deputy):
    from io import StringIO

    from django.core.management import call_command

    make_activity(deputies=[make_deputy()], start=timezone.now() + dt.timedelta(hours=1))
    out = StringIO()
    call_command("deputies_remind", stdout=out)
    assert out.getvalue().strip() == "sent=1"
