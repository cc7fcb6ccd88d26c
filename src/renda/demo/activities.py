"""演示数据: about 60 deputy activities (代表活动) over the current year in the demo county.

Every kind; past ones closed with sign-ins, approved leave and absences (and a few where no
attendance was taken: 未记录), two cancelled; coming ones published with answers and leave
requests; and for the ``deputy`` login an activity today whose sign-in is open (a sign-in to do)
and invitations still to answer. Deterministic (``ctx.rng("deputies.activities")``) and idempotent:
each activity is found by its source key (``demo.activity`` and its number; a liaison reception day
by its own key), and a loaded activity is not touched again — except today's, which moves with the
day the seed runs.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from renda.core.calendar import is_working_day
from renda.demo.county import (
    DEMO_DEPUTY_NUMBER,
    DEMO_REGION_CODE,
    ORG_REPRESENTATIVES,
    DemoContext,
    register_demo_step,
)
from renda.deputies.models import Deputy, DeputyGroup
from renda.deputies.models.activities import Activity, ActivityEvent, ActivityKind, Invitation
from renda.liaison.models import ReceptionDay

State = Activity.State
K = ActivityKind
SOURCE = "demo.activity"
COUNT = 60

# (kind, title, place, invitees: "all" county deputies, "group", or a number of chosen deputies)
PLAN: tuple[tuple[str, str, str, str | int], ...] = (
    (K.SESSION_ATTEND, "县第十九届人民代表大会第{n}次会议", "县人民会堂", "all"),
    (K.SESSION_OBSERVE, "县人大常委会第{n}次会议（列席）", "县人大常委会第一会议室", 12),
    (K.INSPECTION, "视察城区污水处理和黑臭水体治理工作", "县污水处理厂", 15),
    (K.RESEARCH, "调研农村养老服务体系建设情况", "各镇敬老院、互助幸福院", 10),
    (K.ENFORCEMENT, "《中华人民共和国食品安全法》执法检查", "县市场监督管理局及城区农贸市场", 12),
    (K.GROUP, "{group}集中活动：学习宪法和代表法", "{town}人大主席团会议室", "group"),
    (K.TRAINING, "县人大代表履职能力培训班（第{n}期）", "县委党校报告厅", 30),
    (K.REPORT, "代表向原选区选民述职（{town}片区）", "{town}党群服务中心", 6),
    (K.OTHER, "代表参加县政府重点项目观摩", "县经济技术开发区", 20),
    (K.INSPECTION, "视察义务教育优质均衡发展工作", "县第二中学、城关小学", 15),
    (K.RESEARCH, "调研优化营商环境工作", "县政务服务中心", 10),
    (K.SESSION_OBSERVE, "县人大常委会第{n}次会议（列席）", "县人大常委会第一会议室", 12),
)
LEAVE_REASONS = ("参加市里会议", "单位有紧急任务", "身体不适", "外出学习", "家中有事")
MINUTES = (
    "活动按议程进行。代表们听取了情况汇报，实地察看了现场，"
    "围绕存在问题提出了意见建议，已整理转交相关部门办理。"
)


def _working_day(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _event(
    activity: Activity, action: str, source: str, target: str, at: dt.datetime, actor
) -> ActivityEvent:
    return ActivityEvent(
        activity=activity,
        action=action,
        from_state=source,
        to_state=target,
        actor=actor,
        actor_name=str(actor) if actor is not None else "System",
        at=at,
    )


def _attendance(
    activity: Activity, invitations: list[Invitation], rng: random.Random, *, staff, take: bool
) -> None:
    """Answers, leave and sign-ins of a past activity (sign-ins only when attendance was taken)."""
    for inv in invitations:
        roll = rng.random()
        inv.answered_at = activity.start_at - dt.timedelta(days=rng.randint(1, 5))
        if roll < 0.08:
            inv.answer, inv.reason = Invitation.Answer.LEAVE, rng.choice(LEAVE_REASONS)
            inv.leave, inv.leave_decided_by = Invitation.Leave.APPROVED, staff
            inv.leave_decided_at = inv.answered_at + dt.timedelta(hours=3)
            continue
        inv.answer = Invitation.Answer.ATTEND if roll < 0.9 else Invitation.Answer.PENDING
        if take and roll < 0.86:
            inv.signed_in_at = activity.start_at - dt.timedelta(minutes=rng.randint(0, 40))
            inv.sign_in_method = Invitation.Method.QR if roll < 0.83 else Invitation.Method.STAFF
            if inv.sign_in_method == Invitation.Method.STAFF:
                inv.sign_in_reason, inv.signed_in_by = "未带手机，现场核实", staff
            if roll < 0.02:
                inv.signed_out_at = activity.start_at + dt.timedelta(minutes=50)


@register_demo_step(name="deputies.activities", order=150)
def load_activities(ctx: DemoContext) -> None:
    """About 60 activities over the current year, every kind, and the demo deputy's today."""
    rng = ctx.rng("deputies.activities")
    now = timezone.now()
    today = timezone.localdate()
    staff = ctx.users.get("staff")
    office = ctx.organisations.get(ORG_REPRESENTATIVES)
    term = ctx.county_term
    deputies = list(Deputy.objects.filter(term=term, is_active=True).order_by("number"))
    demo_deputy = next((d for d in deputies if d.number == DEMO_DEPUTY_NUMBER), None)
    groups = list(DeputyGroup.objects.filter(term=term).select_related("region").order_by("name"))
    if not deputies or office is None:
        return
    existing = set(Activity.objects.filter(source=SOURCE).values_list("source_id", flat=True))
    year_start = dt.date(today.year, 1, 1)
    span = (dt.date(today.year, 12, 31) - year_start).days
    events: list[ActivityEvent] = []
    invitations: list[Invitation] = []
    for n in range(1, COUNT + 1):
        kind, title, place, who = PLAN[(n - 1) % len(PLAN)]
        day = _working_day(year_start + dt.timedelta(days=span * (n - 1) // COUNT + rng.randint(0, 4)))
        if n in existing or day == today:
            continue
        group = rng.choice(groups) if groups else None
        town = group.region.name if group is not None else "城关镇"
        start = _at(day, rng.choice((9, 9, 14)), 0 if rng.random() < 0.7 else 30)
        activity = Activity(
            title=title.format(n=zh_count(n), group=group.name if group else "代表小组", town=town)[:120],
            kind=kind,
            organiser_kind=Activity.Organiser.GROUP if who == "group" else Activity.Organiser.OFFICE,
            organiser_name=(group.name if who == "group" and group else office.name)[:80],
            organisation=office,
            group=group if who == "group" else None,
            term=term,
            start_at=start,
            end_at=start + dt.timedelta(hours=rng.choice((2, 3, 3, 4)) if kind != K.SESSION_ATTEND else 8),
            place=place.format(town=town),
            agenda="一、听取有关部门情况汇报\n二、实地察看\n三、座谈交流，代表提出意见建议",
            source=SOURCE,
            source_id=n,
            created_by=staff,
        )
        if who == "all":
            chosen = deputies
        elif who == "group":
            chosen = [d for d in deputies if group is not None and d.group_id == group.pk] or deputies[:8]
        else:
            chosen = rng.sample(deputies, min(len(deputies), int(who)))
        if demo_deputy is not None and demo_deputy not in chosen and n % 3 == 0:
            chosen = [*chosen, demo_deputy]
        past = activity.end_at < now
        cancelled = n in (17, 44)
        take = past and not cancelled and n % 9 != 4  # a few closed without attendance: 未记录
        if cancelled:
            activity.state, activity.cancel_reason = State.CANCELLED, "因县委中心工作安排，活动延期举行"
        elif past:
            activity.state, activity.attendance_taken, activity.minutes = State.CLOSED, take, MINUTES
        else:
            activity.state = State.PUBLISHED
        activity.save()
        made_at = start - dt.timedelta(days=rng.randint(7, 14))
        events.append(_event(activity, "create", "", State.DRAFT, made_at, staff))
        events.append(
            _event(activity, "publish", State.DRAFT, State.PUBLISHED, made_at + dt.timedelta(hours=1), staff)
        )
        rows = [Invitation(activity=activity, deputy=d) for d in chosen]
        if past and not cancelled:
            _attendance(activity, rows, rng, staff=staff, take=take)
            if take:
                events.append(
                    _event(
                        activity,
                        "open_signin",
                        State.PUBLISHED,
                        State.SIGNIN,
                        start - dt.timedelta(minutes=45),
                        staff,
                    )
                )
            events.append(
                _event(
                    activity,
                    "close",
                    State.SIGNIN if take else State.PUBLISHED,
                    State.CLOSED,
                    activity.end_at,
                    staff,
                )
            )
            activity.attendee_count = sum(1 for r in rows if r.signed_in_at is not None)
            activity.save(update_fields=["attendee_count"])
        elif cancelled:
            events.append(
                _event(
                    activity, "cancel", State.PUBLISHED, State.CANCELLED, start - dt.timedelta(days=1), staff
                )
            )
        else:  # coming: some answered, some asked for leave (awaiting approval)
            for row in rows:
                roll = rng.random()
                if row.deputy_id == getattr(demo_deputy, "pk", None):
                    continue  # the demo deputy's invitations wait for an answer
                if roll < 0.4:
                    row.answer, row.answered_at = Invitation.Answer.ATTEND, now
                elif roll < 0.46:
                    row.answer, row.answered_at, row.reason = (
                        Invitation.Answer.LEAVE,
                        now,
                        rng.choice(LEAVE_REASONS),
                    )
                    row.leave = Invitation.Leave.PENDING
        invitations += rows
    Invitation.objects.bulk_create(invitations, batch_size=500)
    ActivityEvent.objects.bulk_create(events, batch_size=500)
    _reception_activities(ctx, staff)
    _today_for_the_demo_deputy(ctx, staff, office, term, deputies, demo_deputy, now)
    county = Q(organisation__region__code__startswith=DEMO_REGION_CODE) | Q(organisation__isnull=True)
    ctx.count("activities", Activity.objects.filter(county).count(), "代表活动 deputy activities")
    ctx.count(
        "activity_signins",
        Invitation.objects.filter(signed_in_at__isnull=False).count(),
        "活动签到 activity sign-ins",
    )


def zh_count(n: int) -> str:
    from renda.demo.county import zh_numeral

    return zh_numeral(n)


def _reception_activities(ctx: DemoContext, staff) -> None:
    """The demo deputy's reception days (接待日) as activities (联络站接待), as liaison records them."""
    demo_days = (
        ReceptionDay.objects.filter(
            deputies__number=DEMO_DEPUTY_NUMBER,
            deputies__term=ctx.county_term,
            status=ReceptionDay.Status.PUBLISHED,
        )
        .select_related("station")
        .prefetch_related("deputies")
        .order_by("date")
    )
    known = set(Activity.objects.filter(source="liaison.reception_day").values_list("source_id", flat=True))
    now = timezone.now()
    for day in demo_days:
        if day.pk in known:
            continue
        start, end = (
            _at(day.date, day.start_time.hour, day.start_time.minute),
            _at(day.date, day.end_time.hour),
        )
        past = end < now
        activity = Activity.objects.create(
            title=f"{day.station.name}接待日",
            kind=K.RECEPTION,
            organiser_kind=Activity.Organiser.STATION,
            organiser_name=day.station.name[:80],
            organisation=day.station.organisation,
            term=ctx.county_term,
            start_at=start,
            end_at=end,
            place=day.place,
            state=State.CLOSED if past else State.PUBLISHED,
            attendance_taken=past,
            source="liaison.reception_day",
            source_id=day.pk,
            created_by=staff,
        )
        rows = [
            Invitation(
                activity=activity,
                deputy=d,
                answer=Invitation.Answer.ATTEND,
                signed_in_at=start - dt.timedelta(minutes=10) if past else None,
                sign_in_method=Invitation.Method.QR if past else "",
            )
            for d in day.deputies.all()
        ]
        Invitation.objects.bulk_create(rows)
        if past:
            activity.attendee_count = len(rows)
            activity.save(update_fields=["attendee_count"])
        ActivityEvent.objects.create(
            activity=activity,
            action="create",
            to_state=State.DRAFT,
            actor=staff,
            at=start - dt.timedelta(days=7),
        )


def _today_for_the_demo_deputy(ctx, staff, office, term, deputies, demo_deputy, now) -> None:
    """Today's activity with its sign-in open (the demo deputy has not signed in yet), refreshed on
    every seed so that it is always today's."""
    if demo_deputy is None:
        return
    start = now + dt.timedelta(minutes=30)
    activity, created = Activity.objects.update_or_create(
        source=SOURCE,
        source_id=0,
        defaults={
            "title": "视察城关镇老旧小区改造工作",
            "kind": K.INSPECTION,
            "organiser_kind": Activity.Organiser.OFFICE,
            "organiser_name": office.name[:80],
            "organisation": office,
            "term": term,
            "start_at": start,
            "end_at": start + dt.timedelta(hours=3),
            "place": "城关镇幸福小区（集合地点：小区东门）",
            "agenda": "一、听取县住建局情况汇报\n二、实地察看幸福小区、和平小区改造现场\n三、座谈交流",
            "state": State.SIGNIN,
            "attendance_taken": True,
            "created_by": staff,
        },
    )
    if created:
        invitees = [demo_deputy, *[d for d in deputies if d.pk != demo_deputy.pk][:11]]
        rows = [
            Invitation(activity=activity, deputy=d, answer=Invitation.Answer.ATTEND, answered_at=now)
            for d in invitees
        ]
        for row in rows[1:4]:
            row.signed_in_at, row.sign_in_method = now - dt.timedelta(minutes=5), Invitation.Method.QR
        rows[5].answer, rows[5].reason, rows[5].leave = (
            Invitation.Answer.LEAVE,
            "参加市人大培训",
            Invitation.Leave.APPROVED,
        )
        Invitation.objects.bulk_create(rows)
        ActivityEvent.objects.bulk_create(
            [
                _event(activity, "create", "", State.DRAFT, now - dt.timedelta(days=7), staff),
                _event(activity, "publish", State.DRAFT, State.PUBLISHED, now - dt.timedelta(days=7), staff),
                _event(activity, "open_signin", State.PUBLISHED, State.SIGNIN, now, staff),
            ]
        )
    else:  # a later seed: the demo deputy has a sign-in to do again today
        Invitation.objects.filter(activity=activity, deputy=demo_deputy).update(
            signed_in_at=None, sign_in_nonce="", sign_in_method="", signed_out_at=None
        )
