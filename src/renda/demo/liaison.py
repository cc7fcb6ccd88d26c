"""演示数据: a year of reception days, about 400 citizens' opinions and 80 appointments.

Deterministic (``ctx.rng("liaison")``, codes drawn from that stream) and idempotent (rows are
found by their tracking code, reception days by station and date). Dates are relative to the
day the seed runs, so some opinions are always due soon and some overdue. The demo ``staff``
login (代表工委, which runs the deputy home) manages every station; the ``deputy`` login is
addressed directly in several opinions and is on duty on reception days; the ``unit`` login's
department (县住房和城乡建设局) has referred opinions waiting.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from renda.core.calendar import add_working_days, is_working_day, working_days_between
from renda.demo.county import (
    DEMO_DEPUTY_NUMBER,
    DEMO_REGION_CODE,
    ORG_HOUSING,
    DemoContext,
    _People,
    register_demo_step,
)
from renda.deputies.models import Deputy
from renda.liaison.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Appointment,
    AppointmentEvent,
    Category,
    Opinion,
    OpinionEvent,
    ReceptionDay,
    Station,
)
from renda.liaison.redact import redact

State = Opinion.State

# (category, department code, what the citizen writes, with {village} and {street} to fill in)
TOPICS: tuple[tuple[str, str, str], ...] = (
    (Category.URBAN, ORG_HOUSING, "{village}小区的路灯坏了两个多月，晚上出行很不安全，希望尽快修复。"),
    (Category.URBAN, ORG_HOUSING, "{street}老旧小区雨污管道堵塞，一下雨就积水，希望纳入改造计划。"),
    (Category.URBAN, ORG_HOUSING, "{village}自来水水压不足，高峰时段楼上经常停水，请协调解决。"),
    (Category.URBAN, "ZF027", "{street}沿街商户占道经营严重，人行道无法通行，希望加强管理。"),
    (Category.TRANSPORT, "ZF014", "{village}到镇上的村道坑洼不平，雨天车辆无法通行，希望硬化维修。"),
    (Category.TRANSPORT, "ZF014", "希望开通{village}到县城的公交线路，老人孩子出行太不方便。"),
    (Category.ENVIRONMENT, "ZF012", "{village}河道里垃圾很多，夏天气味很大，希望定期清理。"),
    (Category.ENVIRONMENT, "ZF012", "{street}附近的厂子晚上排放刺鼻气味，影响居民休息，请核查。"),
    (Category.EDUCATION, "ZF003", "{village}小学缺少音乐美术老师，孩子们的课开不齐，希望补充师资。"),
    (Category.EDUCATION, "ZF003", "城区幼儿园学位紧张，{street}一带孩子入园难，希望增加公办学位。"),
    (Category.HEALTH, "ZF019", "{village}卫生室医生年纪大了，看病拿药不方便，希望改善条件。"),
    (Category.SOCIAL, "ZF026", "异地就医报销手续太复杂，跑了好几趟都没办好，希望简化流程。"),
    (Category.SOCIAL, "ZF007", "{village}独居老人多，希望建设村级互助幸福院，解决吃饭难问题。"),
    (Category.AGRICULTURE, "ZF015", "{village}灌溉渠年久失修，今年春灌用水困难，希望尽快维修。"),
    (Category.AGRICULTURE, "ZF016", "{village}种的猕猴桃销路不好，希望帮助对接电商和收购企业。"),
    (Category.SAFETY, "ZF006", "{street}学校门口上下学时段车辆多，希望增设减速带和护学岗。"),
    (Category.OTHER, "ZF028", "办理营业执照要跑好几个窗口，希望推行一窗通办。"),
)
ANSWERS = (
    "经现场核查，情况属实。我单位已安排专人处理，预计{days}个工作日内完成，感谢您的监督。",
    "您反映的问题已纳入今年整治计划，相关工程已于本月启动，完工后将及时公示。",
    "经研究，已协调相关镇（街道）落实整改，目前已处理完毕，欢迎继续监督。",
    "该事项涉及资金安排，已列入明年预算建议，我们将持续跟进并向您反馈进展。",
)
# How many opinions in each state (about 400 in all).
STATE_PLAN: tuple[tuple[str, int], ...] = (
    (State.PENDING, 36),
    (State.ACCEPTED, 28),
    (State.REFERRED, 44),
    (State.PROCESSING, 40),
    (State.ANSWERED, 56),
    (State.CLOSED, 160),
    (State.REJECTED, 18),
    (State.MERGED, 18),
)
APPOINTMENT_PLAN: tuple[tuple[str, int, bool], ...] = (  # state, count, on a past day?
    (Appointment.State.PENDING, 16, False),
    (Appointment.State.CONFIRMED, 14, False),
    (Appointment.State.REJECTED, 10, True),
    (Appointment.State.RECEIVED, 28, True),
    (Appointment.State.NO_SHOW, 12, True),
)


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _at(day: dt.date, rng: random.Random, hour_from: int = 8, hour_to: int = 18) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(rng.randint(hour_from, hour_to - 1), rng.randint(0, 59)))
    )


def _working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


@register_demo_step(name="liaison.reception_days", order=100)
def load_reception_days(ctx: DemoContext) -> None:
    """A reception day a month at every station: nine months back, three ahead."""
    rng = ctx.rng("liaison.reception_days")
    today = timezone.localdate()
    staff = ctx.users.get("staff")
    demo_deputy = Deputy.objects.filter(term=ctx.county_term, number=DEMO_DEPUTY_NUMBER).first()
    stations = list(
        Station.objects.filter(region__code__startswith=DEMO_REGION_CODE)
        .prefetch_related("deputies")
        .order_by("code")
    )
    earliest_future = add_working_days(today, 3)
    for station in stations:
        station_deputies = sorted(station.deputies.all(), key=lambda d: d.number)
        directions = rng.choice(
            (
                "乘1路公交车至政府站下车，步行200米。",
                "镇政府大院内，门口可停车。",
                "党群服务中心一楼，有无障碍通道。",
            )
        )
        if not station.directions:
            station.directions = directions
            station.opening_hours = "工作日 8:30–12:00，14:30–17:30"
            station.save(update_fields=["directions", "opening_hours"])
        for month in range(-9, 3):
            anchor = (today.replace(day=1) + dt.timedelta(days=32 * month)).replace(day=rng.randint(5, 24))
            date = _working_day_on_or_after(anchor)
            if today <= date < earliest_future:
                date = _working_day_on_or_after(earliest_future)
            end_time = dt.time(11, 30) if rng.random() < 0.7 else dt.time(16, 30)
            capacity = rng.choice((6, 8, 10))
            on_duty = rng.sample(station_deputies, min(len(station_deputies), rng.randint(2, 3)))
            if demo_deputy is not None and demo_deputy in station_deputies and month % 2 == 0:
                on_duty = sorted({*on_duty, demo_deputy}, key=lambda d: d.number)
            day, created = ReceptionDay.objects.get_or_create(
                station=station,
                date=date,
                defaults={
                    "start_time": dt.time(9),
                    "end_time": end_time,
                    "place": f"{station.name}接待室",
                    "capacity": capacity,
                    "created_by": staff,
                },
            )
            if created:
                day.deputies.set(on_duty)
    ctx.count(
        "reception_days",
        ReceptionDay.objects.filter(station__region__code__startswith=DEMO_REGION_CODE).count(),
        "接待日 reception days",
    )


DISSATISFIED_REASONS = (
    "答复说已经修好，但现场问题依旧，没有人来看过。",
    "答复只说会研究，没有具体时间和责任人。",
    "答复与我反映的问题不是一回事。",
)


def _send_back(opinion: Opinion, steps: list, at: dt.datetime, rng: random.Random) -> None:
    """不满意 with a reason: back to the handler for another round of working days."""
    reason = rng.choice(DISSATISFIED_REASONS)
    rated_on = timezone.localdate(at)
    opinion.dissatisfied_at, opinion.dissatisfied_reason = at, reason
    opinion.round, opinion.round_started_on = 2, rated_on
    opinion.deadline = add_working_days(rated_on, 5)
    opinion.previous_answer = opinion.answer
    steps.append(("rate", State.ANSWERED, State.PROCESSING, at, f"unsatisfied: {reason}"))


def _second_round(opinion: Opinion, steps: list, at: dt.datetime, ctx: DemoContext, code: str) -> None:
    """A closed opinion that went round twice: 不满意, a second answer, then the final rating."""
    rng = ctx.rng(f"liaison.second:{code}")
    now = timezone.now()
    _send_back(opinion, steps, min(at, now), rng)
    answered = min(at + dt.timedelta(days=rng.randint(2, 6)), now)
    opinion.answer = "经再次现场核查，已于近日彻底处理，处理前后照片已存档，欢迎继续监督。"
    opinion.answered_at = answered
    assert opinion.deadline is not None  # _send_back set the second round's deadline
    opinion.answered_on_time = timezone.localdate(answered) <= opinion.deadline
    opinion.working_days_to_answer = max(
        0, working_days_between(opinion.submitted_on, timezone.localdate(answered))
    )
    steps.append(("answer", State.PROCESSING, State.ANSWERED, answered, ""))
    opinion.satisfaction = (
        Opinion.Satisfaction.SATISFIED if rng.random() < 0.6 else Opinion.Satisfaction.UNSATISFIED
    )
    if opinion.satisfaction == Opinion.Satisfaction.UNSATISFIED:
        opinion.dissatisfied_reason = "第二次答复仍未解决问题。"
    rated = min(answered + dt.timedelta(days=rng.randint(1, 3)), now)
    steps.append(("rate", State.ANSWERED, State.CLOSED, rated, opinion.satisfaction))


@register_demo_step(name="liaison.opinions", order=100)
def load_opinions(ctx: DemoContext) -> None:
    """About 400 opinions in every state, some overdue, some published (redacted and checked)."""
    rng = ctx.rng("liaison.opinions")
    people = _People(ctx.rng("liaison.people"))
    today = timezone.localdate()
    stations = list(
        Station.objects.filter(region__code__startswith=DEMO_REGION_CODE)
        .select_related("region")
        .prefetch_related("deputies")
        .order_by("code")
    )
    demo_deputy = Deputy.objects.filter(term=ctx.county_term, number=DEMO_DEPUTY_NUMBER).first()
    demo_station = next((s for s in stations if demo_deputy in s.deputies.all()), stations[0])
    staff, deputy_user, unit = ctx.users.get("staff"), ctx.users.get("deputy"), ctx.users.get("unit")
    villages = {
        s.region_id: [v.name for v in s.region.children.all()[:8]] or [s.region.name] for s in stations
    }
    plan = [state for state, n in STATE_PLAN for _ in range(n)]
    rng.shuffle(plan)
    existing = set(Opinion.objects.values_list("code", flat=True))
    created_opinions: list[tuple[Opinion, list[tuple[str, str, str, dt.datetime, str]]]] = []
    planned: list[Opinion] = []
    by_code: dict[str, Opinion] = {}
    for index, state in enumerate(plan):
        code = _code(rng)
        to_demo_deputy = index % 12 == 0 and demo_deputy is not None
        station = demo_station if to_demo_deputy else rng.choice(stations)
        category, dept_code, template = rng.choice(TOPICS)
        if to_demo_deputy or index % 5 == 0:
            dept_code = ORG_HOUSING if rng.random() < 0.6 else dept_code
        village = rng.choice(villages[station.region_id])
        street = rng.choice(("人民路", "解放路", "新华街", "滨江路", "文化路"))
        content = template.format(village=village, street=street)
        name = people.name(rng.choice("MF")) if rng.random() < 0.7 else ""
        phone = people.phone()
        if rng.random() < 0.25:
            content += f"我是{name or '附近居民'}，联系电话{phone}，住{street}{rng.randint(1, 199)}号。"
        station_deputies = sorted(station.deputies.all(), key=lambda d: d.number)
        deputy = (
            demo_deputy
            if to_demo_deputy
            else (rng.choice(station_deputies) if station_deputies and rng.random() < 0.25 else None)
        )
        is_open = state in (State.PENDING, State.ACCEPTED, State.REFERRED, State.PROCESSING)
        age = rng.randint(0, 14) if is_open else rng.randint(10, 360)
        submitted_on = _working_day_on_or_after(today - dt.timedelta(days=age))
        if submitted_on > today:
            submitted_on = today - dt.timedelta(days=age)
        is_complex = rng.random() < 0.15
        deadline = add_working_days(submitted_on, 10 if is_complex else 5)
        created_at = _at(submitted_on, rng, 7, 22)
        consent = rng.random() < 0.6
        opinion = Opinion(
            code=code,
            source=Opinion.Source.RECEPTION if rng.random() < 0.1 else Opinion.Source.ONLINE,
            station=station,
            deputy=deputy,
            town=station.region,
            category=category,
            name=name,
            phone=phone,
            content=content,
            consent_publish=consent,
            state=state,
            is_complex=is_complex,
            submitted_on=submitted_on,
            deadline=deadline,
            created_at=created_at,
        )
        steps: list[tuple[str, str, str, dt.datetime, str]] = [("submit", "", State.PENDING, created_at, "")]
        when = created_at
        by_deputy = deputy is not None and rng.random() < 0.5
        department = ctx.organisations.get(dept_code)

        def step(
            action: str, source: str, target: str, days: int, note: str = "", trail=steps
        ) -> dt.datetime:
            nonlocal when
            when = when + dt.timedelta(days=days, hours=rng.randint(1, 6))
            trail.append((action, source, target, when, note))
            return when

        if state == State.REJECTED:
            opinion.reject_reason = "该事项属于司法诉讼程序，请依法向人民法院起诉。"
            opinion.closed_at = step("reject", State.PENDING, State.REJECTED, 1, opinion.reject_reason)
        elif state == State.MERGED:
            pass  # merged below, into an earlier opinion of the same station
        elif state != State.PENDING:
            step("accept", State.PENDING, State.ACCEPTED, rng.randint(0, 2))
            if state != State.ACCEPTED:
                if by_deputy:
                    opinion.answered_by_deputy = True
                    step("handle_directly", State.ACCEPTED, State.PROCESSING, 1)
                else:
                    opinion.department = department
                    step("refer", State.ACCEPTED, State.REFERRED, 1, department.name if department else "")
                    if state != State.REFERRED:
                        step("start", State.REFERRED, State.PROCESSING, 1)
            if state in (State.ANSWERED, State.CLOSED):
                late = rng.random() < 0.15
                span = working_days_between(submitted_on, deadline) + (
                    rng.randint(1, 4) if late else -rng.randint(0, 2)
                )
                answered_on = add_working_days(submitted_on, max(1, span))
                if answered_on > today:
                    answered_on = today
                opinion.answered_at = _at(answered_on, rng)
                when = max(when, opinion.answered_at - dt.timedelta(hours=1))
                opinion.answer = rng.choice(ANSWERS).format(days=rng.randint(3, 15))
                opinion.working_days_to_answer = max(0, working_days_between(submitted_on, answered_on))
                opinion.answered_on_time = answered_on <= deadline
                step("answer", State.PROCESSING, State.ANSWERED, 0)
                if consent:
                    opinion.public_content = redact(content, submitter_name=name)
                    opinion.public_answer = redact(opinion.answer, submitter_name=name)
                    opinion.publication = Opinion.Publication.QUEUED
                if state == State.CLOSED:
                    opinion.satisfaction = (
                        Opinion.Satisfaction.SATISFIED
                        if rng.random() < 0.85
                        else Opinion.Satisfaction.UNSATISFIED
                    )
                    rate_days = rng.randint(1, 5)
                    if opinion.satisfaction == Opinion.Satisfaction.UNSATISFIED:
                        # 不满意 sends it back once: a second answer, whose rating is final.
                        rng.randint(1, 6)  # the hour step() draws: later rows keep their codes
                        _second_round(opinion, steps, when + dt.timedelta(days=rate_days), ctx, code)
                        opinion.closed_at = steps[-1][3]
                    else:
                        opinion.closed_at = step(
                            "rate", State.ANSWERED, State.CLOSED, rate_days, opinion.satisfaction
                        )
                    if consent and rng.random() < 0.8:
                        opinion.publication = Opinion.Publication.PUBLISHED
                        opinion.published_at = opinion.closed_at + dt.timedelta(days=1)
        if state == State.PROCESSING and submitted_on <= today - dt.timedelta(days=3):
            # Some are in their second round: answered, found unsatisfactory, handled again.
            again = ctx.rng(f"liaison.again:{code}")
            if again.random() < 0.3:
                answered_on = submitted_on + dt.timedelta(days=1)
                opinion.answered_at = _at(answered_on, again)
                opinion.answer = again.choice(ANSWERS).format(days=again.randint(3, 15))
                opinion.working_days_to_answer = max(0, working_days_between(submitted_on, answered_on))
                opinion.answered_on_time = True
                steps.append(("answer", State.PROCESSING, State.ANSWERED, opinion.answered_at, ""))
                _send_back(opinion, steps, opinion.answered_at + dt.timedelta(days=1), again)
        if state == State.MERGED:
            earlier = [o for o in planned if o.station_id == station.pk and o.state != State.MERGED]
            if not earlier:
                opinion.state = State.PENDING
            else:
                target = rng.choice(earlier)
                opinion.merged_into = (
                    by_code.get(target.code) or Opinion.objects.filter(code=target.code).first()
                )
                opinion.content = target.content
                opinion.possible_duplicate_of = target
                opinion.created_at = target.created_at + dt.timedelta(days=rng.randint(1, 3))
                opinion.submitted_on = timezone.localdate(opinion.created_at)
                opinion.closed_at = opinion.created_at + dt.timedelta(days=1)
                steps = [
                    ("submit", "", State.PENDING, opinion.created_at, ""),
                    ("merge", State.PENDING, State.MERGED, opinion.closed_at, target.code),
                ]
        planned.append(opinion)
        if code in existing:
            continue
        opinion.save()
        by_code[code] = opinion
        created_opinions.append((opinion, steps))
    actor_for = {
        "accept": staff,
        "reject": staff,
        "merge": staff,
        "refer": staff,
        "handle_directly": None,
        "start": unit,
        "answer": None,
        "rate": None,
    }
    events = []
    now = timezone.now()
    for opinion, steps in created_opinions:
        for action, source, to_state, at, note in steps:
            actor = actor_for.get(action)
            if action in ("handle_directly", "answer"):
                actor = deputy_user if opinion.answered_by_deputy and opinion.deputy == demo_deputy else staff
                if action == "answer" and opinion.department_id:
                    actor = (
                        unit if opinion.department_id == (unit.organisation_id if unit else None) else None
                    )
            if action == "start" and opinion.department_id != (unit.organisation_id if unit else None):
                actor = None
            events.append(
                OpinionEvent(
                    opinion=opinion,
                    actor=actor,
                    actor_name=actor.get_username()
                    if actor
                    else ("citizen" if action in ("submit", "rate") else "demo"),
                    action=action,
                    from_state=source,
                    to_state=to_state,
                    at=min(at, now),
                    note=note[:500],
                )
            )
    OpinionEvent.objects.bulk_create(events, batch_size=500)
    in_county = Opinion.objects.filter(station__region__code__startswith=DEMO_REGION_CODE)
    ctx.count("opinions", in_county.count(), "群众意见 citizens' opinions")
    ctx.count(
        "opinions_overdue",
        in_county.filter(
            state__in=(State.PENDING, State.ACCEPTED, State.REFERRED, State.PROCESSING), deadline__lt=today
        ).count(),
        "其中超期 overdue",
    )
    ctx.count(
        "opinions_published",
        in_county.filter(publication=Opinion.Publication.PUBLISHED).count(),
        "已公开 published",
    )


@register_demo_step(name="liaison.appointments", order=100)
def load_appointments(ctx: DemoContext) -> None:
    """80 appointments on the reception days, in every state; received ones became opinions."""
    rng = ctx.rng("liaison.appointments")
    people = _People(ctx.rng("liaison.appointment_people"))
    today = timezone.localdate()
    staff = ctx.users.get("staff")
    days = list(
        ReceptionDay.objects.filter(station__region__code__startswith=DEMO_REGION_CODE).order_by(
            "date", "station__code"
        )
    )
    past = [d for d in days if d.date < today]
    future = [d for d in days if d.date >= today]
    received_opinions = list(
        Opinion.objects.filter(
            source=Opinion.Source.RECEPTION,
            station__region__code__startswith=DEMO_REGION_CODE,
            appointment__isnull=True,
        ).order_by("code")
    )
    existing = set(Appointment.objects.values_list("code", flat=True))
    topics = [t[2].format(village="村里", street="街道") for t in TOPICS]
    events = []
    for state, count, on_past_day in APPOINTMENT_PLAN:
        for _ in range(count):
            code = _code(rng)
            pool = past if on_past_day else future
            if not pool:
                continue
            day = rng.choice(pool)
            name, phone, topic = people.name(rng.choice("MF")), people.phone(), rng.choice(topics)[:60]
            lead, minute = rng.randint(1, 6), rng.choice((0, 15, 30, 45))
            if code in existing:
                continue
            booked = timezone.make_aware(dt.datetime.combine(day.date - dt.timedelta(days=lead), dt.time(10)))
            appointment = Appointment(
                code=code,
                reception_day=day,
                name=name,
                phone=phone,
                topic=topic,
                state=state,
                created_at=booked,
            )
            if state in (Appointment.State.CONFIRMED, Appointment.State.RECEIVED, Appointment.State.NO_SHOW):
                appointment.confirmed_time = dt.time(9, minute)
            if state == Appointment.State.REJECTED:
                appointment.reject_reason = "该事项已进入信访程序，请向县信访局咨询。"
            if state == Appointment.State.RECEIVED and received_opinions:
                appointment.opinion = received_opinions.pop()
            appointment.save()
            trail: list[tuple[str, str]] = [("", Appointment.State.PENDING)]
            if appointment.confirmed_time:
                trail.append((Appointment.State.PENDING, Appointment.State.CONFIRMED))
                if state != Appointment.State.CONFIRMED:
                    trail.append((Appointment.State.CONFIRMED, state))
            elif state == Appointment.State.REJECTED:
                trail.append((Appointment.State.PENDING, state))
            for i, (source, target) in enumerate(trail):
                events.append(
                    AppointmentEvent(
                        appointment=appointment,
                        actor=staff if i else None,
                        actor_name=(staff.get_username() if staff else "demo") if i else "citizen",
                        from_state=source,
                        to_state=target,
                        at=booked + dt.timedelta(days=i),
                    )
                )
    AppointmentEvent.objects.bulk_create(events, batch_size=500)
    ctx.count(
        "appointments",
        Appointment.objects.filter(reception_day__station__region__code__startswith=DEMO_REGION_CODE).count(),
        "接待预约 appointments",
    )
