"""代表活动: activities deputies are invited to, their answers, leave, sign-in and attendance.

An :class:`Activity` (会议, 视察, 调研 …) is organised by an office, a deputy group or a liaison
station; its invitees (:class:`Invitation`, one per seat, i.e. per :class:`Deputy`) answer 参加 or
请假, the organiser approves leave, and the sign-in (QR or 补签 by staff) records attendance. The
attendance of an invitee is one of four distinct states (:class:`Attendance`), never lumped together.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Organisation
from renda.core.workflow import WorkflowEvent
from renda.deputies.models import Deputy, DeputyGroup, Term


class ActivityKind(models.TextChoices):
    SESSION_ATTEND = "session", _("Congress or standing committee meeting (attending)")
    SESSION_OBSERVE = "session_observe", _("Congress or standing committee meeting (observing)")
    INSPECTION = "inspection", _("Inspection")
    RESEARCH = "research", _("Research")
    ENFORCEMENT = "enforcement", _("Law enforcement inspection")
    GROUP = "group", _("Deputy group activity")
    RECEPTION = "reception", _("Liaison station reception")
    TRAINING = "training", _("Study and training")
    REPORT = "report", _("Reporting to voters")
    OTHER = "other", _("Other")


class Attendance(models.TextChoices):
    """The four attendance states of an invitee (出席, 请假, 缺席, 未记录), counted separately."""

    PRESENT = "present", _("Present")
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")
    NOT_RECORDED = "not_recorded", _("Not recorded")


class Activity(models.Model):
    """代表活动: one activity (meeting, inspection, reception …) with its invitees and sign-in."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SIGNIN = "signin", _("Sign-in open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Organiser(models.TextChoices):
        OFFICE = "office", _("Office")
        GROUP = "group", _("Deputy group")
        STATION = "station", _("Liaison station")

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    organiser_kind = models.CharField(
        _("organised by"), max_length=10, choices=Organiser.choices, default=Organiser.OFFICE
    )
    organiser_name = models.CharField(_("organiser"), max_length=80)
    # The office that runs the activity (its staff organise it); for a group or a station, the office
    # that looks after them.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organising office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.ForeignKey(
        DeputyGroup,
        verbose_name=_("deputy group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    term = models.ForeignKey(
        Term, verbose_name=_("term"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_at = models.DateTimeField(_("starts at"))
    end_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    agenda = models.TextField(_("agenda"), max_length=5000, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    # Whether the organiser took attendance (opened the sign-in or signed someone in by hand): without
    # it, an invitee who did not come is "not recorded", never "absent".
    attendance_taken = models.BooleanField(_("attendance taken"), default=False)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    attendee_count = models.PositiveIntegerField(_("attendees"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # A module above that created the activity (e.g. a liaison reception day): "liaison.reception_day".
    source = models.CharField(_("source"), max_length=40, blank=True)
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["state", "start_at"], name="activity_state_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="activity_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"], condition=~Q(source=""), name="activity_unique_source"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ActivityEvent(WorkflowEvent):
    """活动过程: the append-only history of an activity (published, sign-in opened, closed …)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events")

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")


def _activity_file_path(instance: ActivityFile, filename: str) -> str:
    return f"activities/{instance.activity_id}/{instance.kind}/{filename}"


class ActivityFile(models.Model):
    """活动材料与照片: a file of an activity, served only after a permission check."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("Material")
        PHOTO = "photo", _("Photo")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=_activity_file_path, max_length=255)
    name = models.CharField(_("file name"), max_length=150)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]
        verbose_name = _("activity file")
        verbose_name_plural = _("activity files")

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """活动邀请: one invited seat, its answer (参加/请假), the leave decision and the sign-in."""

    class Answer(models.TextChoices):
        PENDING = "pending", _("Not answered")
        ATTEND = "attend", _("Will attend")
        LEAVE = "leave", _("Asks for leave")

    class Leave(models.TextChoices):
        NONE = "", _("—")
        PENDING = "pending", _("Leave awaiting approval")
        APPROVED = "approved", _("Leave approved")
        REFUSED = "refused", _("Leave refused")

    class Method(models.TextChoices):
        QR = "qr", _("QR code")
        STAFF = "staff", _("Signed in by staff")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="invitations")
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="activity_invitations"
    )
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING)
    reason = models.CharField(_("reason for leave"), max_length=200, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    leave = models.CharField(_("leave"), max_length=10, choices=Leave.choices, blank=True, default="")
    leave_note = models.CharField(_("note on the leave"), max_length=200, blank=True)
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    leave_decided_at = models.DateTimeField(null=True, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    sign_in_method = models.CharField(_("signed in by"), max_length=10, choices=Method.choices, blank=True)
    sign_in_nonce = models.CharField(max_length=32, blank=True)
    sign_in_reason = models.CharField(_("reason for signing in by hand"), max_length=200, blank=True)
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_out_at = models.DateTimeField(_("left early at"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invited at"), auto_now_add=True)

    class Meta:
        ordering = ["activity", "deputy__number"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["activity", "deputy"], name="invitation_unique_deputy"),
        ]
        indexes = [models.Index(fields=["deputy", "activity"], name="invitation_deputy")]

    def __str__(self) -> str:
        return f"{self.activity} · {self.deputy}"

    def attendance(self, activity: Activity | None = None) -> str:
        """出席 / 请假 / 缺席 / 未记录 (see :class:`Attendance`)."""
        activity = activity or self.activity
        if self.signed_in_at is not None:
            return Attendance.PRESENT
        if self.leave == self.Leave.APPROVED:
            return Attendance.LEAVE
        if activity.state == Activity.State.CLOSED and activity.attendance_taken:
            return Attendance.ABSENT
        return Attendance.NOT_RECORDED

    @property
    def attendance_label(self) -> str:
        return str(Attendance(self.attendance()).label)


class ActivityReminder(models.Model):
    """活动提醒: a reminder sent to one invitee at one offset before the start (sent once)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["invitation", "offset_minutes"], name="reminder_once_per_offset")
        ]

    def __str__(self) -> str:
        return f"{self.invitation} −{self.offset_minutes} min"


class CalendarFeed(models.Model):
    """个人日历订阅: a deputy's private iCal feed URL, by a random token the deputy can revoke."""

    deputy = models.OneToOneField(Deputy, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.deputy)


def seats_of(user: Any) -> models.QuerySet[Deputy]:
    """The seats (one :class:`Deputy` per term) held by ``user``; empty for anyone else.

    The one place that knows how a login reaches its seats (the person's account, once deputies are
    people with seats per term)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Deputy.objects.none()
    return Deputy.objects.filter(person__user_id=user.pk)
