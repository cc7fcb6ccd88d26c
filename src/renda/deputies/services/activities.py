"""代表活动的写操作: create, publish, invite, answer, leave, sign in, close, remind.

Every function is a service (:func:`renda.core.permissions.service`): atomic, permission first,
one audit row. An activity's state moves through the kernel (:data:`ACTIVITY`); the answers, leave
decisions and sign-ins of one invitee are audited rows on their invitation.

QR sign-in (二维码签到): the organiser's screen shows :func:`signin_token` (a new one every 15 s): a
``django.core.signing`` value holding the activity and a random nonce, timestamped by the signer, so
it expires after ``SIGNIN_TOKEN_SECONDS``. :func:`activity_sign_in` refuses an expired or forged
token, a deputy not invited, a sign-in outside the window, a replayed nonce and a second sign-in,
each with its own code and Chinese message (:class:`SignInRefused`).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renda.accounts.models import Organisation, User
from renda.core.audit import audit, snapshot
from renda.core.permissions import PermissionRefused, require, service
from renda.core.uploads import upload_check, upload_name
from renda.core.words import Words, listing, say
from renda.deputies.activity_workflow import ACTIVITY, NEW, OPEN_STATES
from renda.deputies.models import Deputy, DeputyGroup, Term
from renda.deputies.models.activities import (
    Activity,
    ActivityFile,
    ActivityKind,
    ActivityReminder,
    CalendarFeed,
    Invitation,
)
from renda.deputies.models.archive import Kind as ArchiveKind
from renda.deputies.models.archive import Section as ArchiveSection
from renda.deputies.params import activity_param
from renda.deputies.services.archive import archive_record_automatic
from renda.notifications.services import notify

logger = logging.getLogger("renda.deputies")

State = Activity.State
TOKEN_SALT = "renda.deputies.activity_signin"
FILE_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "ofd", "jpg", "jpeg", "png")
PHOTO_EXTENSIONS = ("jpg", "jpeg", "png")
TEXT_LIMITS = {"title": 120, "place": 200, "agenda": 5000, "organiser_name": 80, "minutes": 20000}


class SignInRefused(ValidationError):
    """A sign-in refused; ``code`` says why (expired, forged, replayed, already, window, state)."""

    STATUS = {"expired": 410, "forged": 400, "replayed": 409, "already": 409, "window": 409, "state": 409}

    @property
    def status(self) -> int:
        return self.STATUS.get(self.code or "", 400)


# --- helpers ---------------------------------------------------------------------------------------


def _text(value: str, field: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]})
    limit = TEXT_LIMITS.get(field, 200)
    if len(text) > limit:
        raise ValidationError({field: [_("At most %(n)s characters.") % {"n": limit}]})
    return text


def _local(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def signin_window(activity: Activity) -> tuple[dt.datetime, dt.datetime]:
    """签到时间窗: from SIGNIN_OPENS_MINUTES_BEFORE before the start to SIGNIN_CLOSES_MINUTES_AFTER after."""
    before = dt.timedelta(minutes=int(activity_param("SIGNIN_OPENS_MINUTES_BEFORE")))
    after = dt.timedelta(minutes=int(activity_param("SIGNIN_CLOSES_MINUTES_AFTER")))
    return activity.start_at - before, activity.start_at + after


def _check_times(start_at: dt.datetime | None, end_at: dt.datetime | None) -> None:
    if start_at is None or end_at is None:
        raise ValidationError({"start_at": [_("Give the start and the end.")]})
    if end_at <= start_at:
        raise ValidationError({"end_at": [_("The end must be after the start.")]})


# --- the activity itself ---------------------------------------------------------------------------


@dataclass
class ActivityData:
    """What the organiser fills in (the create and edit forms, the API, a module above)."""

    title: str
    kind: str
    start_at: dt.datetime
    end_at: dt.datetime
    place: str
    agenda: str = ""
    organiser_kind: str = Activity.Organiser.OFFICE
    group: DeputyGroup | None = None
    term: Term | None = None
    organiser_name: str = ""


def _apply(activity: Activity, data: ActivityData) -> None:
    from renda.deputies.models import ActivityKind

    if data.kind not in ActivityKind.values:
        raise ValidationError({"kind": [_("Choose a kind of activity.")]})
    if data.organiser_kind not in Activity.Organiser.values:
        raise ValidationError({"organiser_kind": [_("Choose who organises the activity.")]})
    _check_times(data.start_at, data.end_at)
    activity.title = _text(data.title, "title")
    activity.kind = data.kind
    activity.start_at, activity.end_at = data.start_at, data.end_at
    activity.place = _text(data.place, "place")
    activity.agenda = _text(data.agenda, "agenda", required=False)
    activity.organiser_kind = data.organiser_kind
    activity.group = data.group if data.organiser_kind == Activity.Organiser.GROUP else None
    if data.organiser_kind == Activity.Organiser.GROUP and data.group is None:
        raise ValidationError({"group": [_("Choose the deputy group that organises the activity.")]})
    activity.term = data.term or (data.group.term if data.group is not None else activity.term)
    name = data.organiser_name.strip()
    if not name:
        if activity.group is not None:
            name = activity.group.name
        elif activity.organisation is not None:
            name = activity.organisation.short_name or activity.organisation.name
    activity.organiser_name = _text(name, "organiser_name")


@service
def activity_create(*, actor: User, data: ActivityData, organisation: Organisation | None = None) -> Activity:
    """新建活动 (草稿): organised by the actor's office unless another is given (administrators)."""
    require(actor, "deputies.create_activity")
    activity = Activity(state=NEW, created_by=actor, organisation=organisation or actor.organisation)
    require(actor, "deputies.organise_activity", activity)
    _apply(activity, data)
    with ACTIVITY.step(activity, actor=actor, action="create", to=State.DRAFT, lock=False):
        pass
    return activity


@service
def activity_update(*, actor: User, activity: Activity, data: ActivityData) -> Activity:
    """修改活动: while it is a draft, published or signing in (invitees see the new time and place)."""
    require(actor, "deputies.organise_activity", activity)
    with ACTIVITY.step(activity, actor=actor, action="edit", when=OPEN_STATES):
        _apply(activity, data)
    return activity


@service
def activity_publish(*, actor: User, activity: Activity) -> Activity:
    """发布活动: the invitees see it and are asked to answer."""
    require(actor, "deputies.organise_activity", activity)
    with ACTIVITY.step(activity, actor=actor, action="publish", to=State.PUBLISHED):
        if not activity.invitations.exists():
            raise ValidationError(_("Invite at least one deputy before publishing."))
    notify(
        kind="activity.invited",
        recipients=_invitee_users(activity),
        text=say(
            gettext_noop("You are invited to “%(title)s” on %(when)s at %(place)s; please answer."),
            title=activity.title,
            when=_local(activity.start_at),
            place=activity.place,
        ),
        link=_link(activity),
        obj=activity,
    )
    return activity


@service
def activity_open_signin(*, actor: User, activity: Activity, now: dt.datetime | None = None) -> Activity:
    """开始签到: the sign-in screen shows its QR code; attendance is taken from now on."""
    require(actor, "deputies.organise_activity", activity)
    now = now or timezone.now()
    opens, closes = signin_window(activity)
    with ACTIVITY.step(activity, actor=actor, action="open_signin", to=State.SIGNIN):
        if now < opens:
            raise ValidationError(
                _("The sign-in opens at %(time)s (%(minutes)s minutes before the start).")
                % {"time": _local(opens), "minutes": activity_param("SIGNIN_OPENS_MINUTES_BEFORE")}
            )
        if now > activity.end_at:
            raise ValidationError(_("The activity is over; sign deputies in by hand with a reason instead."))
        activity.attendance_taken = True
    return activity


@service
def activity_close(
    *,
    actor: User,
    activity: Activity,
    minutes: str = "",
    photos: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Activity:
    """结束活动: the minutes, photos, and the attendee count taken from the sign-ins."""
    require(actor, "deputies.organise_activity", activity)
    now = now or timezone.now()
    with ACTIVITY.step(activity, actor=actor, action="close", to=State.CLOSED) as step:
        if now < activity.start_at:
            raise ValidationError(_("The activity has not started yet; cancel it instead."))
        activity.minutes = _text(minutes, "minutes", required=False)
        activity.attendee_count = activity.invitations.filter(signed_in_at__isnull=False).count()
        for photo in photos:
            _store_file(actor, activity, photo, ActivityFile.Kind.PHOTO)
        step.audit_after = {"photos": len(photos)}
    return activity


@service
def activity_cancel(*, actor: User, activity: Activity, reason: str) -> Activity:
    """取消活动, with the reason the invitees see."""
    require(actor, "deputies.organise_activity", activity)
    with ACTIVITY.step(activity, actor=actor, action="cancel", to=State.CANCELLED, note=reason) as step:
        activity.cancel_reason = _text(reason, "reason")
        step.audit_note = activity.cancel_reason
    notify(
        kind="activity.changed",
        recipients=_invitee_users(activity),
        text=say(
            gettext_noop("“%(title)s” on %(when)s is cancelled: %(reason)s"),
            title=activity.title,
            when=_local(activity.start_at),
            reason=activity.cancel_reason,
        ),
        link=_link(activity),
        obj=activity,
    )
    return activity


def _store_file(actor: User, activity: Activity, upload: UploadedFile, kind: str) -> ActivityFile:
    extensions = PHOTO_EXTENSIONS if kind == ActivityFile.Kind.PHOTO else FILE_EXTENSIONS
    ext = upload_check(
        upload, extensions=extensions, max_bytes=int(activity_param("MATERIAL_MAX_MB")) * 1024 * 1024
    )
    name = upload_name(upload)
    stored = ActivityFile(activity=activity, kind=kind, name=name, size=upload.size or 0, uploaded_by=actor)
    stored.file.save(f"{secrets.token_hex(8)}.{ext}", upload, save=False)
    stored.save()
    return stored


@service
def activity_file_add(*, actor: User, activity: Activity, upload: UploadedFile, kind: str) -> ActivityFile:
    """上传活动材料或照片 (checked by content and size)."""
    require(actor, "deputies.organise_activity", activity)
    if kind not in ActivityFile.Kind.values:
        raise ValidationError({"kind": [_("Choose material or photo.")]})
    if activity.state == State.CANCELLED:
        raise ACTIVITY.wrong_state(activity)
    try:
        stored = _store_file(actor, activity, upload, kind)
    except ValidationError as error:
        raise ValidationError({"upload": error.messages}) from error
    audit(actor, "deputies.activity_file_add", activity, after={"file": stored.name, "kind": kind})
    return stored


# --- invitations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InviteeSource:
    """A set of deputies a module above offers to invite at once (e.g. liaison: a station's deputies).

    ``choices()`` lists ``(id, name)``; ``deputies(id)`` the seats behind one choice. Registered by the
    module above in its ``AppConfig.ready`` (deputies imports nothing above it)."""

    key: str
    label: Any
    choices: Callable[[], list[tuple[int, str]]]
    deputies: Callable[[int], QuerySet[Deputy]]


INVITEE_SOURCES: dict[str, InviteeSource] = {}


def register_invitee_source(source: InviteeSource) -> None:
    INVITEE_SOURCES[source.key] = source


@service
def activity_invite(*, actor: User, activity: Activity, deputies: Iterable[Deputy]) -> int:
    """邀请代表: add invitees (serving seats only; one invitation per seat). Returns how many were new."""
    require(actor, "deputies.organise_activity", activity)
    ACTIVITY.lock(activity)
    ACTIVITY.require_state(activity, *OPEN_STATES)
    chosen = {d.pk for d in deputies if d.is_active}
    if not chosen:
        raise ValidationError(_("Choose at least one serving deputy to invite."))
    already = set(activity.invitations.filter(deputy_id__in=chosen).values_list("deputy_id", flat=True))
    new = sorted(chosen - already)
    Invitation.objects.bulk_create([Invitation(activity=activity, deputy_id=pk) for pk in new])
    audit(actor, "deputies.activity_invite", activity, after={"invited": new})
    return len(new)


@service
def invitation_remove(*, actor: User, invitation: Invitation) -> None:
    """撤回邀请: only before the invitee has signed in."""
    activity = invitation.activity
    require(actor, "deputies.organise_activity", activity)
    ACTIVITY.require_state(activity, *OPEN_STATES)
    if invitation.signed_in_at is not None:
        raise ValidationError(_("This deputy has signed in; the invitation stays."))
    audit(actor, "deputies.invitation_remove", activity, before={"deputy": invitation.deputy_id})
    invitation.delete()


def _lock_invitation(invitation: Invitation) -> Invitation:
    fresh = Invitation.objects.select_for_update().select_related("activity", "deputy").get(pk=invitation.pk)
    invitation.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    invitation.activity = fresh.activity
    return invitation


ANSWER_FIELDS = ("answer", "reason", "leave", "leave_note")


@service
def invitation_answer(
    *, actor: User, invitation: Invitation, answer: str, reason: str = "", now: dt.datetime | None = None
) -> Invitation:
    """答复邀请: 参加, or 请假 with a reason (the organiser approves it). Not after the activity."""
    require(actor, "deputies.answer_invitation", invitation)
    _lock_invitation(invitation)
    activity = invitation.activity
    now = now or timezone.now()
    if activity.state not in (State.PUBLISHED, State.SIGNIN):
        raise ACTIVITY.wrong_state(activity)
    if answer not in (Invitation.Answer.ATTEND, Invitation.Answer.LEAVE):
        raise ValidationError({"answer": [_("Answer “attend” or “leave”.")]})
    if now >= activity.end_at:
        if answer == Invitation.Answer.LEAVE:
            raise ValidationError(
                _("The activity ended at %(time)s; leave can no longer be asked for.")
                % {"time": _local(activity.end_at)},
                code="too_late",
            )
        raise ValidationError(_("The activity is over; it can no longer be answered."), code="too_late")
    if answer == Invitation.Answer.LEAVE and invitation.signed_in_at is not None:
        raise ValidationError(_("You have signed in to this activity; leave can no longer be asked for."))
    before = snapshot(invitation, ANSWER_FIELDS)
    invitation.answer, invitation.answered_at = answer, now
    if answer == Invitation.Answer.LEAVE:
        invitation.reason = _text(reason, "reason")
        invitation.leave, invitation.leave_note = Invitation.Leave.PENDING, ""
    else:
        invitation.reason, invitation.leave, invitation.leave_note = "", Invitation.Leave.NONE, ""
    invitation.save()
    audit(
        actor,
        "deputies.invitation_answer",
        activity,
        before=before,
        after=snapshot(invitation, ANSWER_FIELDS),
    )
    if answer == Invitation.Answer.LEAVE and activity.created_by_id:
        notify(
            kind="activity.leave_asked",
            recipients=[activity.created_by_id],
            text=say(
                gettext_noop("%(name)s asks for leave from “%(title)s”: %(reason)s"),
                name=invitation.deputy.name,
                title=activity.title,
                reason=invitation.reason,
            ),
            link=_link(activity) + "#invitees",
            obj=activity,
        )
    return invitation


@service
def invitation_decide_leave(
    *, actor: User, invitation: Invitation, approve: bool, note: str = ""
) -> Invitation:
    """审批请假: the organiser approves or refuses (with a note) a pending leave request."""
    require(actor, "deputies.organise_activity", invitation.activity)
    _lock_invitation(invitation)
    if invitation.leave != Invitation.Leave.PENDING:
        raise ValidationError(_("There is no leave request awaiting approval."), code="wrong_state")
    if invitation.activity.state == State.CANCELLED:
        raise ACTIVITY.wrong_state(invitation.activity)
    note = _text(note, "leave_note", required=not approve)
    before = snapshot(invitation, ANSWER_FIELDS)
    invitation.leave = Invitation.Leave.APPROVED if approve else Invitation.Leave.REFUSED
    invitation.leave_note = note
    invitation.leave_decided_by, invitation.leave_decided_at = actor, timezone.now()
    invitation.save()
    audit(
        actor,
        "deputies.leave_approve" if approve else "deputies.leave_refuse",
        invitation.activity,
        before=before,
        after={**snapshot(invitation, ANSWER_FIELDS), "deputy": invitation.deputy_id},
        note=note,
    )
    if invitation.deputy.user is not None:
        notify(
            kind="activity.leave_decided",
            recipients=[invitation.deputy.user],
            text=say(
                gettext_noop("Your leave from “%(title)s” is approved.")
                if approve
                else gettext_noop("Your leave from “%(title)s” is not approved: %(note)s"),
                title=invitation.activity.title,
                note=note,
            ),
            link=_link(invitation.activity),
            obj=invitation.activity,
        )
    return invitation


# --- sign-in ---------------------------------------------------------------------------------------


def signin_token(activity: Activity) -> str:
    """A fresh sign-in token for the QR code: the activity and a nonce, signed and timestamped."""
    return signing.dumps({"a": activity.pk, "n": secrets.token_urlsafe(9)}, salt=TOKEN_SALT, compress=False)


def _read_token(token: str) -> tuple[int, str]:
    max_age = int(activity_param("SIGNIN_TOKEN_SECONDS"))
    try:
        payload = signing.loads(token[:200], salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise SignInRefused(
            _("This QR code has expired. Scan the code on the sign-in screen again (it changes every 15 s)."),
            code="expired",
        ) from exc
    except signing.BadSignature as exc:
        raise SignInRefused(_("This is not a valid Renda sign-in code."), code="forged") from exc
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("a"), int)
        or not isinstance(payload.get("n"), str)
    ):
        raise SignInRefused(_("This is not a valid Renda sign-in code."), code="forged")
    return payload["a"], payload["n"][:32]


def activity_for_token(token: str) -> Activity:
    """The activity a token is for (refusing an expired or forged one), for the page that explains."""
    activity_id, _nonce = _read_token(token)
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise SignInRefused(_("This is not a valid Renda sign-in code."), code="forged")
    return activity


@service
def activity_sign_in(*, actor: User, token: str, now: dt.datetime | None = None) -> Invitation:
    """扫码签到: the deputy who opened the QR code's URL is signed in to its activity."""
    activity_id, nonce = _read_token(token)
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        raise SignInRefused(_("This is not a valid Renda sign-in code."), code="forged")
    require(
        actor,
        "deputies.sign_in_activity",
        activity,
        message=_("You are not on the list of deputies invited to “%(title)s”, so you cannot sign in.")
        % {"title": activity.title},
    )
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("activity", "deputy")
        .get(activity=activity, deputy__in=_seats(actor))
    )
    activity = invitation.activity
    if invitation.sign_in_nonce == nonce:
        raise SignInRefused(
            _("This QR code has already been used to sign you in. You are signed in."), code="replayed"
        )
    if invitation.signed_in_at is not None:
        raise SignInRefused(
            _("You signed in at %(time)s already; there is no need to sign in again.")
            % {"time": _local(invitation.signed_in_at)},
            code="already",
        )
    if activity.state != State.SIGNIN:
        message = (
            _("The sign-in of this activity has closed.")
            if activity.state in (State.CLOSED, State.CANCELLED)
            else _("The organiser has not opened the sign-in yet.")
        )
        raise SignInRefused(message, code="state")
    opens, closes = signin_window(activity)
    if not opens <= now <= closes:
        raise SignInRefused(
            _("Sign-in is possible from %(opens)s to %(closes)s. Ask the organiser to sign you in by hand.")
            % {"opens": _local(opens), "closes": _local(closes)},
            code="window",
        )
    invitation.signed_in_at, invitation.sign_in_method, invitation.sign_in_nonce = (
        now,
        Invitation.Method.QR,
        nonce,
    )
    invitation.signed_in_by = actor
    invitation.save(update_fields=["signed_in_at", "sign_in_method", "sign_in_nonce", "signed_in_by"])
    audit(
        actor, "deputies.activity_sign_in", activity, after={"deputy": invitation.deputy_id, "method": "qr"}
    )
    _archive_attendance(invitation)
    return invitation


# 履职档案: the archive section an attended activity counts in (a reception day is recorded as the
# station's duty by the liaison module, so its sign-in adds nothing of its own).
ARCHIVE_SECTION_OF_KIND = {
    ActivityKind.SESSION_ATTEND: ArchiveSection.MEETINGS,
    ActivityKind.SESSION_OBSERVE: ArchiveSection.MEETINGS,
    ActivityKind.INSPECTION: ArchiveSection.INSPECTIONS,
    ActivityKind.RESEARCH: ArchiveSection.INSPECTIONS,
    ActivityKind.ENFORCEMENT: ArchiveSection.INSPECTIONS,
    ActivityKind.GROUP: ArchiveSection.GROUP,
    ActivityKind.TRAINING: ArchiveSection.TRAINING,
    ActivityKind.REPORT: ArchiveSection.REPORTS,
    ActivityKind.OTHER: ArchiveSection.GROUP,
}


def _archive_attendance(invitation: Invitation) -> None:
    """出席 goes into the deputy's archive by itself (自动记入), linked to the activity."""
    activity = invitation.activity
    section = ARCHIVE_SECTION_OF_KIND.get(ActivityKind(activity.kind))
    if section is None:
        return
    archive_record_automatic(
        seat=invitation.deputy,
        kind=ArchiveKind.ACTIVITY_ATTENDED,
        section=section,
        date=timezone.localdate(activity.start_at),
        title=activity.title,
        source=activity,
    )


def _seats(actor: User) -> QuerySet[Deputy]:
    from renda.deputies.models.activities import seats_of

    return seats_of(actor)


@service
def invitation_sign_in_by_staff(
    *, actor: User, invitation: Invitation, reason: str, now: dt.datetime | None = None
) -> Invitation:
    """补签: the organiser signs an invitee in by hand, with the reason (audited)."""
    require(actor, "deputies.organise_activity", invitation.activity)
    _lock_invitation(invitation)
    activity = invitation.activity
    now = now or timezone.now()
    if activity.state not in (State.PUBLISHED, State.SIGNIN, State.CLOSED):
        raise ACTIVITY.wrong_state(activity)
    opens, _closes = signin_window(activity)
    if now < opens:
        raise ValidationError(
            _("The activity has not begun; sign-in opens at %(time)s.") % {"time": _local(opens)}
        )
    if invitation.signed_in_at is not None:
        raise ValidationError(_("This deputy has signed in already."), code="already")
    reason = _text(reason, "reason")
    invitation.signed_in_at, invitation.sign_in_method = now, Invitation.Method.STAFF
    invitation.sign_in_reason, invitation.signed_in_by = reason, actor
    invitation.save()
    fields = ["attendance_taken"]
    activity.attendance_taken = True
    if activity.state == State.CLOSED:
        activity.attendee_count = activity.invitations.filter(signed_in_at__isnull=False).count()
        fields.append("attendee_count")
    activity.save(update_fields=fields)
    audit(
        actor,
        "deputies.activity_sign_in_by_staff",
        activity,
        after={"deputy": invitation.deputy_id, "method": "staff"},
        note=reason,
    )
    _archive_attendance(invitation)
    return invitation


@service
def invitation_sign_out(*, actor: User, invitation: Invitation, now: dt.datetime | None = None) -> Invitation:
    """中途退场: a signed-in deputy (or the organiser for them) records leaving before the end."""
    if not (
        _may(actor, "deputies.answer_invitation", invitation)
        or _may(actor, "deputies.organise_activity", invitation.activity)
    ):
        raise PermissionRefused(actor, "deputies.answer_invitation", invitation)
    _lock_invitation(invitation)
    now = now or timezone.now()
    if invitation.signed_in_at is None:
        raise ValidationError(_("Only a deputy who signed in can record leaving early."))
    if invitation.signed_out_at is not None:
        raise ValidationError(_("Leaving early has been recorded already."))
    if now >= invitation.activity.end_at:
        raise ValidationError(_("The activity is over; leaving early cannot be recorded any more."))
    invitation.signed_out_at = now
    invitation.save(update_fields=["signed_out_at"])
    audit(actor, "deputies.activity_sign_out", invitation.activity, after={"deputy": invitation.deputy_id})
    return invitation


def _may(actor: User, perm: str, obj: Any) -> bool:
    from renda.core.permissions import can

    return can(actor, perm, obj)


# --- activities registered by the modules above (liaison's reception days) -------------------------


@service
def activity_register_from_source(
    *,
    actor: User,
    source: str,
    source_id: int,
    data: ActivityData,
    organisation: Organisation | None,
    deputies: Sequence[Deputy],
) -> Activity:
    """A module above records its own event as an activity (e.g. 接待日 → 联络站接待), published at once
    with its deputies invited; calling it again updates the activity and its invitees (idempotent)."""
    activity = Activity.objects.filter(source=source, source_id=source_id).first()
    if activity is None:
        activity = Activity(
            state=NEW, source=source, source_id=source_id, created_by=actor, organisation=organisation
        )
        require(actor, "deputies.organise_activity", activity)
        _apply(activity, data)
        with ACTIVITY.step(activity, actor=actor, action="create", to=State.DRAFT, lock=False):
            pass
    else:
        require(actor, "deputies.organise_activity", activity)
        with ACTIVITY.step(activity, actor=actor, action="edit", when=OPEN_STATES):
            _apply(activity, data)
    wanted = {d.pk for d in deputies}
    activity.invitations.filter(signed_in_at__isnull=True).exclude(deputy_id__in=wanted).delete()
    if wanted:
        activity_invite(actor=actor, activity=activity, deputies=deputies)
    if activity.state == State.DRAFT and wanted:
        activity_publish(actor=actor, activity=activity)
    return activity


@service
def activity_cancel_from_source(*, actor: User, source: str, source_id: int, reason: str) -> Activity | None:
    """The event of a module above was cancelled: its activity is cancelled with the same reason."""
    activity = Activity.objects.filter(source=source, source_id=source_id).first()
    if activity is None or activity.state not in OPEN_STATES:
        return activity
    return activity_cancel(actor=actor, activity=activity, reason=reason)


# --- calendar feed ---------------------------------------------------------------------------------


@service
def calendar_feed_reset(*, actor: User, deputy: Deputy) -> CalendarFeed:
    """个人日历订阅: make (or remake, revoking the old address) the deputy's private feed token."""
    require(actor, "deputies.manage_calendar_feed", deputy)
    feed, created = CalendarFeed.objects.get_or_create(
        deputy=deputy, defaults={"token": secrets.token_urlsafe(32)}
    )
    if not created:
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token", "created_at"])
    audit(actor, "deputies.calendar_feed_reset", deputy)
    return feed


@service
def calendar_feed_revoke(*, actor: User, deputy: Deputy) -> None:
    """Revoke the deputy's private feed address (calendar apps stop seeing the activities)."""
    require(actor, "deputies.manage_calendar_feed", deputy)
    deleted, _rows = CalendarFeed.objects.filter(deputy=deputy).delete()
    if deleted:
        audit(actor, "deputies.calendar_feed_revoke", deputy)


# --- reminders -------------------------------------------------------------------------------------


def _link(activity: Activity) -> str:
    return reverse("deputies:activity", args=[activity.pk])


def _invitee_users(activity: Activity) -> list[User]:
    return [
        inv.deputy.user
        for inv in activity.invitations.select_related("deputy__person__user")
        if inv.deputy.user is not None and inv.leave != Invitation.Leave.APPROVED
    ]


# The weekdays as words (Monday first, as ``date.weekday()`` counts).
WEEKDAYS = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)


def reminder_text(invitation: Invitation) -> Words:
    """The reminder (words): what, when (date and weekday, time), where, and the materials to read."""
    activity = invitation.activity
    start = timezone.localtime(activity.start_at)
    end = timezone.localtime(activity.end_at)
    text: Words = say(
        gettext_noop("Reminder: “%(title)s”, %(date)s %(start)s–%(end)s, at %(place)s."),
        title=activity.title,
        date=say(
            gettext_noop("%(date)s (%(weekday)s)"),
            date=date_format(start, "Y-m-d"),
            weekday=say(WEEKDAYS[start.weekday()]),
        ),
        start=date_format(start, "H:i"),
        end=date_format(end, "H:i"),
        place=activity.place,
    )
    materials = [f.name for f in activity.files.all() if f.kind == ActivityFile.Kind.MATERIAL]
    if materials:
        text = [text, " ", say(gettext_noop("Materials: %(files)s."), files=listing(materials))]
    return text


def activity_reminders_send(*, now: dt.datetime | None = None, actor: User | None = None) -> dict[str, int]:
    """提醒: send every reminder due now (see :func:`renda.deputies.selectors.activities.reminders_due`)
    through the notification service (in-app, and the kind's other channels: e-mail, SMS, WeChat).
    Each (invitee, offset) once. Run by the periodic task; an administrator may run it by hand."""
    from renda.deputies.selectors.activities import reminders_due

    if actor is not None:
        require(actor, "deputies.send_activity_reminders")
    sent = 0
    for invitation, offset in reminders_due(now=now):
        _reminder, created = ActivityReminder.objects.get_or_create(
            invitation=invitation, offset_minutes=offset
        )
        user = invitation.deputy.user
        if not created or user is None:
            continue
        sent += 1
        notify(
            kind="activity.reminder",
            recipients=[user],
            text=reminder_text(invitation),
            link=_link(invitation.activity),
            obj=invitation.activity,
            dedup_key=f"activity-{invitation.activity_id}-{offset}",
        )
    if sent:
        audit(actor, "deputies.activity_reminders_send", None, after={"sent": sent})
    return {"sent": sent}
