# ruff: noqa: F811  (the fixtures are imported from activities_fixtures)
"""代表活动: the workflow, invitations and answers, leave, the four attendance states, QR sign-in."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from renda.core.models import AuditEvent
from renda.core.workflow import WrongState
from renda.deputies.activity_workflow import ACTIVITY
from renda.deputies.models.activities import Activity, ActivityEvent, Attendance, Invitation
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

pytestmark = pytest.mark.django_db
State = Activity.State

# 代表活动: 草稿 → 已发布 → 签到中 → 已结束; 草稿/已发布/签到中 → 已取消; 已发布 → 已结束 (no attendance
# taken). Written from the issue, not read from the table (the contract test uses this list).
ACTIVITY_MOVES = {
    ("", "draft"),
    ("draft", "published"),
    ("draft", "cancelled"),
    ("published", "signin"),
    ("published", "closed"),
    ("published", "cancelled"),
    ("signin", "closed"),
    ("signin", "cancelled"),
}
STATES = ["draft", "published", "signin", "closed", "cancelled"]


def _token_for(activity, nonce="n0nce", *, age_seconds=0):
    """A token as the screen makes it, optionally made ``age_seconds`` ago."""
    signer = signing.TimestampSigner(salt=services.TOKEN_SALT)
    if age_seconds:
        signer.timestamp = lambda: signing.b62_encode(int(timezone.now().timestamp()) - age_seconds)  # type: ignore[method-assign]
    return signer.sign_object({"a": activity.pk, "n": nonce}, compress=False)


# --- the workflow ---------------------------------------------------------------------------------


def test_the_table_is_the_hand_written_moves():
    assert {(a, b) for a, targets in ACTIVITY.transitions.items() for b in targets} == ACTIVITY_MOVES


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATES, STATES)))
def test_each_move_is_allowed_exactly_when_listed(make_activity, make_deputy, organiser, source, target):
    activity = make_activity(deputies=[make_deputy()], publish=False)
    Activity.objects.filter(pk=activity.pk).update(state=source)
    activity.refresh_from_db()
    events, audits = ActivityEvent.objects.count(), AuditEvent.objects.count()
    if (source, target) in ACTIVITY_MOVES:
        with transaction.atomic(), ACTIVITY.step(activity, actor=organiser, action="publish", to=target):
            pass
        assert Activity.objects.get(pk=activity.pk).state == target
        assert ActivityEvent.objects.count() == events + 1
        assert AuditEvent.objects.count() == audits + 1
    else:
        with (
            pytest.raises(WrongState),
            transaction.atomic(),
            ACTIVITY.step(activity, actor=organiser, action="publish", to=target),
        ):
            pass
        assert Activity.objects.get(pk=activity.pk).state == source
        assert ActivityEvent.objects.count() == events


def test_create_publish_open_close_through_the_services(make_activity, make_deputy, organiser):
    a, b = make_deputy("张三"), make_deputy("李四")
    activity = make_activity(deputies=[a, b])
    assert activity.state == State.PUBLISHED
    services.activity_open_signin(actor=organiser, activity=activity)
    assert activity.state == State.SIGNIN and activity.attendance_taken
    services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    services.activity_close(
        actor=organiser, activity=activity, minutes="会议纪要", now=timezone.now() + dt.timedelta(hours=1)
    )
    activity.refresh_from_db()
    assert activity.state == State.CLOSED and activity.attendee_count == 1 and activity.minutes == "会议纪要"
    assert [e.action for e in activity.events.all()] == ["create", "publish", "open_signin", "close"]


def test_publishing_without_invitees_is_refused_and_changes_nothing(make_activity, organiser):
    activity = make_activity()
    with pytest.raises(ValidationError):
        services.activity_publish(actor=organiser, activity=activity)
    assert Activity.objects.get(pk=activity.pk).state == State.DRAFT


def test_an_activity_ending_before_it_starts_is_refused(organiser):
    start = timezone.now()
    data = services.ActivityData(
        title="调研", kind="research", start_at=start, end_at=start - dt.timedelta(hours=1), place="县政府"
    )
    with pytest.raises(ValidationError) as refused:
        services.activity_create(actor=organiser, data=data)
    assert "end_at" in refused.value.message_dict
    assert not Activity.objects.exists()


# --- invitations, answers, leave ---------------------------------------------------------------------


def test_invite_a_group_a_level_or_chosen_deputies_once_each(make_activity, make_deputy, organiser, group):
    deputies = [make_deputy() for _ in range(3)]
    retired = make_deputy(is_active=False)
    activity = make_activity()
    assert (
        services.activity_invite(
            actor=organiser, activity=activity, deputies=selectors.deputies_of_group(group.pk)
        )
        == 3
    )
    assert services.activity_invite(actor=organiser, activity=activity, deputies=deputies[:1]) == 0
    assert (
        services.activity_invite(
            actor=organiser, activity=activity, deputies=selectors.deputies_of_level("county")
        )
        == 0
    )
    assert activity.invitations.count() == 3
    assert not activity.invitations.filter(deputy=retired).exists()


def test_a_deputy_answers_attend_or_leave_and_the_organiser_decides(make_activity, make_deputy, organiser):
    a = make_deputy()
    activity = make_activity(deputies=[a])
    invitation = activity.invitations.get()
    with pytest.raises(ValidationError):
        services.invitation_answer(actor=a.user, invitation=invitation, answer="leave", reason=" ")
    services.invitation_answer(actor=a.user, invitation=invitation, answer="leave", reason="出差在外")
    invitation.refresh_from_db()
    assert (invitation.answer, invitation.leave, invitation.reason) == ("leave", "pending", "出差在外")
    with pytest.raises(ValidationError):  # refusing needs a note
        services.invitation_decide_leave(actor=organiser, invitation=invitation, approve=False)
    services.invitation_decide_leave(actor=organiser, invitation=invitation, approve=True)
    invitation.refresh_from_db()
    assert invitation.leave == "approved" and invitation.attendance() == Attendance.LEAVE
    with pytest.raises(ValidationError):  # nothing pending any more
        services.invitation_decide_leave(actor=organiser, invitation=invitation, approve=True)


def test_leave_after_the_activity_is_refused_with_a_clear_message(make_activity, make_deputy):
    a = make_deputy()
    activity = make_activity(deputies=[a], start=timezone.now() - dt.timedelta(hours=3), hours=2)
    invitation = activity.invitations.get()
    with pytest.raises(ValidationError) as refused:
        services.invitation_answer(actor=a.user, invitation=invitation, answer="leave", reason="忘记请假")
    assert "不能再请假" in refused.value.messages[0] or "no longer" in refused.value.messages[0]
    invitation.refresh_from_db()
    assert invitation.answer == "pending" and invitation.leave == ""


def test_a_deputy_cannot_answer_anothers_invitation(make_activity, make_deputy):
    a, b = make_deputy(), make_deputy()
    activity = make_activity(deputies=[a, b])
    with pytest.raises(PermissionDenied):
        services.invitation_answer(
            actor=b.user, invitation=activity.invitations.get(deputy=a), answer="attend"
        )
    assert AuditEvent.objects.filter(action="deputies.answer_invitation", outcome="refused").exists()


def test_a_non_organiser_cannot_approve_leave_or_sign_in_by_hand(make_activity, make_deputy, other_staff):
    a = make_deputy()
    activity = make_activity(deputies=[a])
    invitation = activity.invitations.get()
    services.invitation_answer(actor=a.user, invitation=invitation, answer="leave", reason="生病")
    with pytest.raises(PermissionDenied):
        services.invitation_decide_leave(actor=other_staff, invitation=invitation, approve=True)
    with pytest.raises(PermissionDenied):
        services.invitation_sign_in_by_staff(actor=other_staff, invitation=invitation, reason="代签")
    with pytest.raises(PermissionDenied):
        services.activity_open_signin(actor=a.user, activity=activity)


# --- the four attendance states ----------------------------------------------------------------------


def test_the_four_attendance_states_are_counted_separately(make_activity, make_deputy, organiser):
    present, on_leave, absent, refused_leave = (make_deputy() for _ in range(4))
    activity = make_activity(deputies=[present, on_leave, absent, refused_leave])
    inv = {i.deputy_id: i for i in activity.invitations.all()}
    services.invitation_answer(
        actor=on_leave.user, invitation=inv[on_leave.pk], answer="leave", reason="开会"
    )
    services.invitation_decide_leave(actor=organiser, invitation=inv[on_leave.pk], approve=True)
    services.invitation_answer(
        actor=refused_leave.user, invitation=inv[refused_leave.pk], answer="leave", reason="私事"
    )
    services.invitation_decide_leave(
        actor=organiser, invitation=inv[refused_leave.pk], approve=False, note="请务必参加"
    )

    counts = selectors.attendance_counts(activity)  # before any attendance: nobody absent
    assert (counts.present, counts.leave, counts.absent, counts.not_recorded) == (0, 1, 0, 3)
    assert counts.expected == 3 and counts.invited == 4

    services.activity_open_signin(actor=organiser, activity=activity)
    services.activity_sign_in(actor=present.user, token=services.signin_token(activity))
    counts = selectors.attendance_counts(activity)  # sign-in open, not closed: not absent yet
    assert (counts.present, counts.leave, counts.absent, counts.not_recorded) == (1, 1, 0, 2)

    services.activity_close(actor=organiser, activity=activity, now=timezone.now() + dt.timedelta(minutes=20))
    activity.refresh_from_db()
    counts = selectors.attendance_counts(activity)
    assert (counts.present, counts.leave, counts.absent, counts.not_recorded) == (1, 1, 2, 0)
    states = {i.deputy_id: i.attendance() for i in activity.invitations.all()}
    assert states == {
        present.pk: Attendance.PRESENT,
        on_leave.pk: Attendance.LEAVE,
        absent.pk: Attendance.ABSENT,
        refused_leave.pk: Attendance.ABSENT,
    }
    # the archive's door agrees with the counts
    assert [r.state for r in selectors.attendance_of(deputy=absent)] == [Attendance.ABSENT]
    assert selectors.attendance_summary(deputy=present)[Attendance.PRESENT] == 1


def test_without_attendance_taken_nobody_is_absent_but_not_recorded(make_activity, make_deputy, organiser):
    a, b = make_deputy(), make_deputy()
    activity = make_activity(deputies=[a, b])
    services.activity_close(actor=organiser, activity=activity, now=timezone.now() + dt.timedelta(minutes=20))
    activity.refresh_from_db()
    counts = selectors.attendance_counts(activity)
    assert (counts.present, counts.absent, counts.not_recorded) == (0, 0, 2)
    assert activity.attendee_count == 0
    assert {r.state for r in selectors.attendance_of(deputy=a)} == {Attendance.NOT_RECORDED}


# --- QR sign-in --------------------------------------------------------------------------------------


@pytest.fixture
def signin_open(make_activity, make_deputy, organiser):
    deputies = [make_deputy("王五"), make_deputy("赵六")]
    activity = make_activity(deputies=deputies)
    services.activity_open_signin(actor=organiser, activity=activity)
    return activity, deputies


def test_a_fresh_token_signs_the_deputy_in_once(signin_open):
    activity, (a, _b) = signin_open
    invitation = services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    assert invitation.signed_in_at is not None and invitation.sign_in_method == "qr"
    assert AuditEvent.objects.filter(action="deputies.activity_sign_in").count() == 1


def test_an_expired_token_is_refused(signin_open, settings):
    activity, (a, _b) = signin_open
    settings.RENDA_ACTIVITIES = {"SIGNIN_TOKEN_SECONDS": 60}
    with pytest.raises(services.SignInRefused) as refused:
        services.activity_sign_in(actor=a.user, token=_token_for(activity, age_seconds=61))
    assert refused.value.code == "expired" and refused.value.status == 410
    assert "过期" in refused.value.messages[0] or "expired" in refused.value.messages[0]
    assert services.activity_sign_in(actor=a.user, token=_token_for(activity, age_seconds=30)).signed_in_at


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-token",
        "eyJhIjoxLCJuIjoieCJ9:1vabcd:forgedsignatureforgedsignature",
    ],
)
def test_a_forged_token_is_refused(signin_open, token):
    activity, (a, _b) = signin_open
    with pytest.raises(services.SignInRefused) as refused:
        services.activity_sign_in(actor=a.user, token=token)
    assert refused.value.code == "forged" and refused.value.status == 400
    assert not Invitation.objects.filter(signed_in_at__isnull=False).exists()


def test_a_token_signed_with_another_key_or_for_another_purpose_is_refused(signin_open):
    activity, (a, _b) = signin_open
    wrong_salt = signing.dumps({"a": activity.pk, "n": "x"}, salt="renda.other")
    wrong_key = signing.dumps(
        {"a": activity.pk, "n": "x"}, salt=services.TOKEN_SALT, key="another-secret-key-0123456789"
    )
    for token in (wrong_salt, wrong_key):
        with pytest.raises(services.SignInRefused) as refused:
            services.activity_sign_in(actor=a.user, token=token)
        assert refused.value.code == "forged"


def test_a_replayed_token_and_a_second_sign_in_are_refused(signin_open):
    activity, (a, b) = signin_open
    token = services.signin_token(activity)
    services.activity_sign_in(actor=a.user, token=token)
    with pytest.raises(services.SignInRefused) as replay:
        services.activity_sign_in(actor=a.user, token=token)
    assert replay.value.code == "replayed" and replay.value.status == 409
    with pytest.raises(services.SignInRefused) as second:
        services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    assert second.value.code == "already"
    # the same code shown on the screen still signs in another invitee
    assert services.activity_sign_in(actor=b.user, token=token).signed_in_at is not None
    assert Invitation.objects.filter(activity=activity, signed_in_at__isnull=False).count() == 2


def test_a_deputy_not_invited_is_refused(signin_open, make_deputy):
    activity, _deputies = signin_open
    stranger = make_deputy("路人")
    with pytest.raises(PermissionDenied) as refused:
        services.activity_sign_in(actor=stranger.user, token=services.signin_token(activity))
    assert activity.title in str(refused.value)
    assert not Invitation.objects.filter(deputy=stranger).exists()


@pytest.mark.parametrize(
    ("minutes_from_start", "allowed"),
    [(-61, False), (-59, True), (0, True), (29, True), (31, False)],
)
def test_the_sign_in_window_is_60_minutes_before_to_30_after_the_start(
    signin_open, minutes_from_start, allowed
):
    activity, (a, _b) = signin_open
    now = activity.start_at + dt.timedelta(minutes=minutes_from_start)
    if allowed:
        assert (
            services.activity_sign_in(
                actor=a.user, token=services.signin_token(activity), now=now
            ).signed_in_at
            == now
        )
    else:
        with pytest.raises(services.SignInRefused) as refused:
            services.activity_sign_in(actor=a.user, token=services.signin_token(activity), now=now)
        assert refused.value.code == "window"


def test_the_window_is_a_module_parameter(signin_open, settings):
    activity, (a, _b) = signin_open
    settings.RENDA_ACTIVITIES = {"SIGNIN_CLOSES_MINUTES_AFTER": 90}
    now = activity.start_at + dt.timedelta(minutes=60)
    assert services.activity_sign_in(
        actor=a.user, token=services.signin_token(activity), now=now
    ).signed_in_at


def test_sign_in_before_the_organiser_opens_it_is_refused(make_activity, make_deputy):
    a = make_deputy()
    activity = make_activity(deputies=[a])
    with pytest.raises(services.SignInRefused) as refused:
        services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    assert refused.value.code == "state"


def test_staff_sign_in_by_hand_needs_a_reason_and_is_audited(signin_open, organiser):
    activity, (a, _b) = signin_open
    invitation = activity.invitations.get(deputy=a)
    with pytest.raises(ValidationError):
        services.invitation_sign_in_by_staff(actor=organiser, invitation=invitation, reason="")
    services.invitation_sign_in_by_staff(actor=organiser, invitation=invitation, reason="手机没电")
    invitation.refresh_from_db()
    assert invitation.sign_in_method == "staff" and invitation.sign_in_reason == "手机没电"
    row = AuditEvent.objects.get(action="deputies.activity_sign_in_by_staff")
    assert row.note == "手机没电"


def test_a_sign_in_goes_into_the_archive_by_itself_and_only_once(signin_open, organiser):
    from renda.deputies.models.archive import ArchiveEntry, ReviewState

    activity, (a, b) = signin_open
    services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    invitation = activity.invitations.get(deputy=b)
    services.invitation_sign_in_by_staff(actor=organiser, invitation=invitation, reason="手机没电")
    entries = ArchiveEntry.objects.filter(kind="activity_attended", is_automatic=True)
    assert sorted(e.seat_id for e in entries) == sorted([a.pk, b.pk])
    assert {e.title for e in entries} == {activity.title}
    assert all(e.state == ReviewState.APPROVED for e in entries)
    assert entries.get(seat=a).date == timezone.localdate(activity.start_at)


def test_sign_out_records_leaving_early(signin_open):
    activity, (a, _b) = signin_open
    invitation = services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    services.invitation_sign_out(actor=a.user, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.signed_out_at is not None
    assert invitation.attendance() == Attendance.PRESENT  # still 出席, with 中途退场 recorded
    assert selectors.attendance_counts(activity).left_early == 1


def test_a_training_sign_in_is_a_training_entry(make_activity, make_deputy, organiser):
    """学习培训 attended: the sign-in writes the 学习培训 section's entry (no separate hook needed)."""
    from renda.deputies.models.activities import ActivityKind
    from renda.deputies.models.archive import ArchiveEntry

    a = make_deputy("钱七")
    activity = make_activity(deputies=[a], kind=ActivityKind.TRAINING, title="代表履职能力培训班")
    services.activity_open_signin(actor=organiser, activity=activity)
    services.activity_sign_in(actor=a.user, token=services.signin_token(activity))
    entry = ArchiveEntry.objects.get(seat=a, is_automatic=True)
    assert (entry.section, entry.kind, entry.title) == ("training", "activity_attended", "代表履职能力培训班")
    assert entry.source == activity
