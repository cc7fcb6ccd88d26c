"""代表活动的读取: lists, one activity, the attendance counts, a deputy's attendance, due reminders.

Every read is scoped to what the actor may see. :func:`attendance_of` is the one door other parts
(the performance archive, 履职档案) read a deputy's attendance through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from renda.accounts.models import User
from renda.core.permissions import can, require
from renda.deputies.models import Deputy, Level
from renda.deputies.models.activities import (
    Activity,
    ActivityFile,
    ActivityReminder,
    Attendance,
    CalendarFeed,
    Invitation,
    seats_of,
)
from renda.deputies.params import activity_param
from renda.deputies.rules import is_deputy_affairs_staff

State = Activity.State


@dataclass(frozen=True)
class ActivityFilter:
    kind: str = ""
    state: str = ""
    month: str = ""  # "2026-05"
    q: str = ""


def activities_visible_to(*, actor: User, filters: ActivityFilter | None = None) -> QuerySet[Activity]:
    """活动列表 (staff): every published activity; drafts only to their organisers."""
    require(actor, "deputies.view_activities")
    filters = filters or ActivityFilter()
    qs = Activity.objects.all()
    if not (actor.is_superuser or actor.role == "admin" or is_deputy_affairs_staff(actor)):
        qs = qs.exclude(Q(state=State.DRAFT) & ~Q(organisation_id=actor.organisation_id))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.month:
        year, month = (int(x) for x in filters.month.split("-"))
        qs = qs.filter(start_at__year=year, start_at__month=month)
    if filters.q:
        qs = qs.filter(
            Q(title__contains=filters.q)
            | Q(place__contains=filters.q)
            | Q(organiser_name__contains=filters.q)
        )
    return qs.annotate(
        invited=Count("invitations", distinct=True),
        present=Count("invitations", filter=Q(invitations__signed_in_at__isnull=False), distinct=True),
    ).order_by("-start_at", "-id")


def activity_for(*, actor: User, pk: int) -> Activity:
    """One activity the actor may see (404 for one that does not exist, 403 for one they may not)."""
    activity = Activity.objects.select_related("organisation", "group", "term").filter(pk=pk).first()
    if activity is None:
        raise Http404
    require(actor, "deputies.view_activity", activity)
    return activity


def activity_to_organise(*, actor: User, pk: int) -> Activity:
    activity = activity_for(actor=actor, pk=pk)
    require(actor, "deputies.organise_activity", activity)
    return activity


def invitation_for(*, actor: User, activity: Activity, pk: int) -> Invitation:
    invitation = (
        Invitation.objects.select_related("activity", "deputy").filter(pk=pk, activity=activity).first()
    )
    if invitation is None:
        raise Http404
    return invitation


def invitations_of(*, actor: User, activity: Activity) -> QuerySet[Invitation]:
    """The invitees of an activity with their answers and sign-ins (organisers and staff)."""
    require(actor, "deputies.view_activities")
    require(actor, "deputies.view_activity", activity)
    return activity.invitations.select_related("deputy", "deputy__group", "deputy__term").order_by(
        "deputy__term__level", "deputy__number"
    )


def own_invitation(*, actor: User, activity: Activity) -> Invitation | None:
    """The actor's own invitation to ``activity`` (a deputy), or None."""
    return (
        Invitation.objects.select_related("activity", "deputy")
        .filter(activity=activity, deputy__in=seats_of(actor))
        .first()
    )


def activity_files(*, actor: User, activity: Activity) -> QuerySet[ActivityFile]:
    require(actor, "deputies.view_activity", activity)
    return activity.files.all()


def activity_file_for(*, actor: User, pk: int) -> ActivityFile:
    """A material or photo, only to who may see its activity (the download view's check)."""
    stored = ActivityFile.objects.select_related("activity").filter(pk=pk).first()
    if stored is None:
        raise Http404
    require(actor, "deputies.view_activity", stored.activity)
    return stored


@dataclass(frozen=True)
class AttendanceCounts:
    """应到 / 实到 / 请假 and the four attendance states, each counted on its own."""

    invited: int
    expected: int  # 应到: invited minus approved leave
    present: int  # 实到 (出席)
    leave: int  # 请假 (approved)
    absent: int  # 缺席 (attendance taken, activity closed)
    not_recorded: int  # 未记录
    leave_pending: int
    left_early: int
    answered_attend: int
    unanswered: int


def attendance_counts(activity: Activity) -> AttendanceCounts:
    """One query: the counts of an activity's invitees by attendance state (see ``Invitation.attendance``)."""
    signed = Q(signed_in_at__isnull=False)
    leave = Q(signed_in_at__isnull=True, leave=Invitation.Leave.APPROVED)
    agg = Invitation.objects.filter(activity=activity).aggregate(
        n_invited=Count("id"),
        n_present=Count("id", filter=signed),
        n_leave=Count("id", filter=leave),
        n_leave_pending=Count("id", filter=Q(leave=Invitation.Leave.PENDING)),
        n_left_early=Count("id", filter=Q(signed_out_at__isnull=False)),
        n_attend=Count("id", filter=Q(answer=Invitation.Answer.ATTEND)),
        n_unanswered=Count("id", filter=Q(answer=Invitation.Answer.PENDING)),
    )
    rest = agg["n_invited"] - agg["n_present"] - agg["n_leave"]
    final = activity.state == State.CLOSED and activity.attendance_taken
    return AttendanceCounts(
        invited=agg["n_invited"],
        expected=agg["n_invited"] - agg["n_leave"],
        present=agg["n_present"],
        leave=agg["n_leave"],
        absent=rest if final else 0,
        not_recorded=0 if final else rest,
        leave_pending=agg["n_leave_pending"],
        left_early=agg["n_left_early"],
        answered_attend=agg["n_attend"],
        unanswered=agg["n_unanswered"],
    )


def my_activities(*, actor: User, now: dt.datetime | None = None) -> list[Invitation]:
    """我的活动 (a deputy): today's first, then the coming ones (soonest first), then the past ones."""
    require(actor, "deputies.view_my_activities")
    now = now or timezone.now()
    today = timezone.localdate(now)
    invitations = list(
        Invitation.objects.filter(deputy__in=seats_of(actor))
        .exclude(activity__state=State.DRAFT)
        .select_related("activity", "deputy")
        .prefetch_related(
            Prefetch("activity__files", queryset=ActivityFile.objects.filter(kind=ActivityFile.Kind.MATERIAL))
        )
        .order_by("activity__start_at")[:500]
    )

    def rank(inv: Invitation) -> tuple[int, float]:
        a = inv.activity
        start_day = timezone.localdate(a.start_at)
        end_day = timezone.localdate(a.end_at)
        if start_day <= today <= end_day and a.state != State.CANCELLED:
            return (0, a.start_at.timestamp())
        if a.start_at > now:
            return (1, a.start_at.timestamp())
        return (2, -a.start_at.timestamp())

    return sorted(invitations, key=rank)


def is_today(activity: Activity, now: dt.datetime | None = None) -> bool:
    today = timezone.localdate(now or timezone.now())
    return timezone.localdate(activity.start_at) <= today <= timezone.localdate(activity.end_at)


@dataclass(frozen=True)
class AttendanceRecord:
    """One activity of a deputy and how they attended it (for the archive, 履职档案)."""

    activity: Activity
    invitation: Invitation
    state: str  # an Attendance value

    @property
    def state_label(self) -> str:
        return str(Attendance(self.state).label)


def attendance_of(*, deputy: Deputy, closed_only: bool = True) -> list[AttendanceRecord]:
    """履职档案的活动出勤: the deputy's (one seat's) activities and their attendance state.

    Closed activities only by default (their attendance is final); cancelled and draft activities
    never. The archive reads this; the source of each record is its invitation and activity."""
    qs = Invitation.objects.filter(deputy=deputy).select_related("activity")
    qs = (
        qs.filter(activity__state=State.CLOSED)
        if closed_only
        else qs.exclude(activity__state__in=(State.DRAFT, State.CANCELLED))
    )
    return [
        AttendanceRecord(inv.activity, inv, inv.attendance()) for inv in qs.order_by("activity__start_at")
    ]


def attendance_summary(*, deputy: Deputy) -> dict[str, int]:
    """The deputy's closed activities counted by the four attendance states."""
    counts = dict.fromkeys(Attendance.values, 0)
    for record in attendance_of(deputy=deputy):
        counts[record.state] += 1
    return counts


def deputies_for_invitation(
    *, actor: User, q: str = "", level: str = "", limit: int = 30
) -> QuerySet[Deputy]:
    """The searchable choice of serving deputies (current terms) to invite one by one."""
    require(actor, "deputies.create_activity")
    qs = Deputy.objects.filter(term__is_current=True, is_active=True).select_related(
        "person", "group", "term"
    )
    if level in Level.values:
        qs = qs.filter(term__level=level)
    if q:
        qs = qs.filter(
            Q(person__name__contains=q) | Q(person__workplace__contains=q) | Q(group__name__contains=q)
        )
    return qs.order_by("term__level", "number")[:limit]


def deputies_of_level(level: str) -> QuerySet[Deputy]:
    return Deputy.objects.filter(term__is_current=True, term__level=level, is_active=True)


def deputies_of_group(group_id: int) -> QuerySet[Deputy]:
    return Deputy.objects.filter(group_id=group_id, is_active=True)


def calendar_feed_of(*, actor: User, deputy: Deputy) -> CalendarFeed | None:
    """The deputy's own private feed (a deputy never sees another's)."""
    require(actor, "deputies.manage_calendar_feed", deputy)
    return CalendarFeed.objects.filter(deputy=deputy).first()


def feed_activities(token: str) -> tuple[Deputy, list[Activity]] | None:
    """The activities behind a private feed token (None for an unknown or revoked token)."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("deputy").filter(token=token).first()
    if feed is None:
        return None
    since = timezone.now() - dt.timedelta(days=400)
    activities = list(
        Activity.objects.filter(invitations__deputy=feed.deputy, start_at__gte=since)
        .exclude(state=State.DRAFT)
        .order_by("start_at")
    )
    return feed.deputy, activities


def reminders_due(*, now: dt.datetime | None = None) -> list[tuple[Invitation, int]]:
    """提醒: the (invitation, offset) pairs due now and not sent yet.

    An offset is due once the activity starts within it (``start - offset <= now < start``) for a
    published activity; an invitee who asked for leave is not reminded. Only the smallest due offset
    is sent, so a deputy invited late gets one reminder now, not two at once."""
    now = now or timezone.now()
    offsets = sorted(int(m) for m in activity_param("REMINDER_OFFSETS_MINUTES"))
    if not offsets:
        return []
    horizon = now + dt.timedelta(minutes=offsets[-1])
    invitations = (
        Invitation.objects.filter(
            activity__state__in=(State.PUBLISHED, State.SIGNIN),
            activity__start_at__gt=now,
            activity__start_at__lte=horizon,
        )
        .exclude(answer=Invitation.Answer.LEAVE)
        .select_related("activity", "deputy__person", "deputy__person__user")
        .prefetch_related("activity__files")
    )
    sent = set(
        ActivityReminder.objects.filter(invitation__in=invitations).values_list(
            "invitation_id", "offset_minutes"
        )
    )
    due = []
    for invitation in invitations:
        left = invitation.activity.start_at - now
        within = [m for m in offsets if left <= dt.timedelta(minutes=m)]
        if not within:
            continue
        smallest = within[0]
        if (invitation.pk, smallest) in sent:
            continue
        due.append((invitation, smallest))
    return due


def recent_reminders(*, actor: User, days: int = 3) -> QuerySet[ActivityReminder]:
    """The reminders a deputy received lately (shown in-app on their activities page)."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        ActivityReminder.objects.filter(invitation__deputy__in=seats_of(actor), sent_at__gte=since)
        .exclude(invitation__activity__state=State.CANCELLED)
        .select_related("invitation__activity")
        .order_by("-sent_at")[:5]
    )


def can_organise(actor: User, activity: Activity) -> bool:
    return can(actor, "deputies.organise_activity", activity)
