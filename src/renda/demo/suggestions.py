"""演示数据: a year of about 120 deputies' suggestions in the demo county, in every state.

Deterministic (``ctx.rng("suggestions")``) and idempotent (a suggestion is found by its lead
deputy and title). Dates are set relative to the day the seed runs, so some suggestions are
always due soon (临期) and some overdue (超期). The ``deputy`` login leads several in
different states; the ``unit`` login's organisation (县住房和城乡建设局) leads many, so the
demo unit clerk has work waiting.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Max
from django.utils import timezone

from renda.accounts.models import Organisation
from renda.core.redaction import redact_personal_data
from renda.demo.county import DEMO_DEPUTY_NUMBER, ORG_HOUSING, TOWNS, DemoContext, register_demo_step
from renda.deputies.models import Deputy
from renda.suggestions.deadlines import month_deadline, working_day_deadline
from renda.suggestions.models import (
    Assignment,
    Commitment,
    Contact,
    CoSign,
    Evaluation,
    Event,
    Reply,
    ReplyClass,
    Satisfaction,
    Session,
    State,
    Suggestion,
    SuggestionCategory,
)
from renda.suggestions.services import assign_sessions_by_date, format_number, reminders_send, session_for

# (topic, category, the unit that usually leads it, what the deputy asks for)
TOPICS: tuple[tuple[str, str, str, str], ...] = (
    ("老旧小区改造", "城乡建设", ORG_HOUSING, "加快老旧小区改造进度，完善加装电梯、雨污分流和停车设施"),
    ("背街小巷道路硬化", "城乡建设", ORG_HOUSING, "对背街小巷路面破损、排水不畅问题进行集中整治"),
    ("农村危房改造", "城乡建设", ORG_HOUSING, "加大农村危房改造资金投入，简化审批流程"),
    ("城区停车难", "城乡建设", "ZF027", "规划建设公共停车场，规范占道停车管理"),
    ("供水管网改造", "城乡建设", ORG_HOUSING, "更新老化供水管网，解决高峰时段水压不足问题"),
    ("乡村公路养护", "交通运输", "ZF014", "落实农村公路养护资金，及时修复坑槽和边坡"),
    ("公交线路延伸", "交通运输", "ZF014", "将城区公交线路延伸至周边村镇，方便群众出行"),
    ("学校周边交通安全", "交通运输", "ZF006", "在学校周边增设减速带和护学岗"),
    ("农村学校师资配备", "教育", "ZF003", "补充农村学校音体美教师，推进城乡教师交流"),
    ("幼儿园学位供给", "教育", "ZF003", "新建改扩建公办幼儿园，扩大普惠性学位"),
    ("课后服务质量", "教育", "ZF003", "丰富课后服务内容，减轻家长接送负担"),
    ("村卫生室建设", "医疗卫生", "ZF019", "改善村卫生室条件，稳定乡村医生队伍"),
    ("县医院专科建设", "医疗卫生", "ZF019", "加强县医院胸痛、卒中中心等专科建设"),
    ("医保报销便利化", "社会保障", "ZF026", "推行异地就医直接结算，简化报销手续"),
    ("农田水利设施", "农业农村", "ZF015", "修复灌溉渠系，提高农田灌溉保证率"),
    ("特色农产品品牌", "农业农村", "ZF016", "扶持特色农产品品牌建设和电商销售"),
    ("河道垃圾治理", "生态环境", "ZF012", "建立河道保洁长效机制，整治沿河垃圾"),
    ("农村生活污水处理", "生态环境", ORG_HOUSING, "推进农村生活污水处理设施建设和运维"),
    ("养老服务设施", "社会保障", "ZF007", "建设村级互助幸福院，发展居家养老服务"),
    ("就业技能培训", "社会保障", "ZF010", "针对返乡青年开展订单式技能培训"),
    ("文化广场建设", "文化旅游", "ZF018", "在村镇建设文化广场，配备健身器材"),
    ("乡村旅游发展", "文化旅游", "ZF018", "完善乡村旅游基础设施，打造精品线路"),
    ("小微企业融资", "经济发展", "ZF002", "搭建银企对接平台，缓解小微企业融资难"),
    ("消防通道畅通", "社会治理", "ZF035", "清理占用消防通道的杂物和车辆"),
    ("食品安全监管", "社会治理", "ZF023", "加强校园周边和农村集市食品安全检查"),
)

# How many suggestions end in each state (about 120 in all).
PLAN: tuple[tuple[State, int], ...] = (
    (State.DRAFT, 6),
    (State.SUBMITTED, 8),
    (State.RETURNED, 4),
    (State.CONVERTED, 4),
    (State.MERGED, 2),
    (State.REGISTERED, 6),
    (State.ASSIGNED, 10),
    (State.IN_PROGRESS, 32),
    (State.REPLIED, 12),
    (State.CLOSED, 36),
)

# How many days ago suggestions that end in each state were written.
AGES = {
    State.DRAFT: (1, 20),
    State.SUBMITTED: (8, 25),
    State.RETURNED: (8, 40),
    State.CONVERTED: (10, 300),
    State.MERGED: (10, 300),
    State.REGISTERED: (8, 30),
    State.ASSIGNED: (13, 30),
    State.IN_PROGRESS: (30, 150),
    State.REPLIED: (60, 330),
    State.CLOSED: (60, 360),
}

# The demo deputy leads one in each of these states.
DEPUTY_STATES = (State.DRAFT, State.RETURNED, State.SUBMITTED, State.IN_PROGRESS, State.REPLIED, State.CLOSED)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _reply_text(klass: str, topic: str, unit: str, day: dt.date, rng: random.Random) -> str:
    """The body of a reply letter as a unit writes it, by class (A solved … D kept for reference)."""
    year = day.year
    if klass == ReplyClass.A:
        return (
            f"一、基本情况。收到建议后，{unit}立即组织人员实地查看，{topic}问题属实。\n"
            f"二、办理情况。我们已于{day.month}月安排专项资金{rng.randint(12, 180)}万元，"
            f"{rng.choice(('完成整改', '完成施工并通过验收', '完成设备更新'))}，群众反映的问题已经解决。\n"
            "三、长效机制。今后将加强日常巡查，发现问题及时处置。"
        )
    if klass == ReplyClass.B:
        return (
            f"一、{topic}是群众关心的实事，{unit}已将其列入{year}年重点工作。\n"
            f"二、目前项目已完成前期设计，预计{year + 1}年上半年完工，资金由县级财政和上级补助共同解决。\n"
            "三、实施过程中我们将及时向您通报进展。"
        )
    if klass == ReplyClass.C:
        return (
            f"经研究，{topic}涉及规划调整和资金筹措，当年难以全部解决。"
            f"{unit}已将其纳入{year + 1}年至{year + 2}年工作规划，待资金落实后分步实施。"
        )
    return (
        f"您提出的意见对做好{topic}工作很有参考价值。受现行政策和县级财力所限，目前暂不具备实施条件，"
        f"{unit}将留作今后工作参考，并积极向上级争取政策支持。"
    )


def _event(
    s: Suggestion, action: str, day: dt.date, frm: str, to: str, who: str, actor=None, note: str = ""
) -> None:
    # Timeline rows are append-only: the demo's past time is given when the row is written.
    Event.objects.create(
        suggestion=s,
        action=action,
        from_state=frm,
        to_state=to,
        actor=actor,
        actor_name=who,
        note=note,
        at=_at(day, 9 + len(action) % 8),
    )


def load_sessions(ctx: DemoContext) -> list[Session]:
    """会议: the county congress meets once a year in January (第N次会议, four days of 大会期间),
    then 闭会期间 until the next one; every year of the demo term has both periods."""
    term = ctx.county_term
    periods = []
    for number, year in enumerate(range(term.start_date.year, term.end_date.year + 1), start=1):
        opens = max(dt.date(year, 1, 10), term.start_date)
        closes = min(dt.date(year, 1, 13), term.end_date)
        until = min(dt.date(year + 1, 1, 9), term.end_date)
        for kind, start, end in (
            (Session.Kind.PLENARY, opens, closes),
            (Session.Kind.INTERVAL, closes + dt.timedelta(days=1), until),
        ):
            if start <= end:
                session, _ = Session.objects.get_or_create(
                    term=term, number=number, kind=kind, defaults={"start_date": start, "end_date": end}
                )
                periods.append(session)
    assign_sessions_by_date(periods)  # a demo seeded before sessions existed
    return periods


@register_demo_step(order=100)
def load_suggestions(ctx: DemoContext) -> None:
    rng = ctx.rng("suggestions")
    today = timezone.localdate()
    deputies = list(ctx.county_deputies().filter(is_active=True).order_by("number"))
    if not deputies:
        return
    load_sessions(ctx)
    demo_deputy = next((d for d in deputies if d.number == DEMO_DEPUTY_NUMBER), deputies[0])
    units = {
        o.code: o
        for o in Organisation.objects.filter(
            kind=Organisation.Kind.DEPARTMENT, region__code__startswith=ctx.county.code[:6]
        )
    }
    categories = {c.name: c for c in SuggestionCategory.objects.all()}
    for order, name in enumerate(dict.fromkeys(row[1] for row in TOPICS), start=len(categories) + 1):
        if name not in categories:  # a database flushed after its migrations (a transactional test)
            categories[name] = SuggestionCategory.objects.create(name=name, order=order)
    staff = ctx.users.get("staff")
    unit_user = ctx.users.get("unit")
    towns = [name for name, _ in TOWNS]

    states = [state for state, n in PLAN for _ in range(n)]
    rng.shuffle(states)
    # Put the demo deputy's states first, so they lead one of each.
    for i, deputy_state in enumerate(DEPUTY_STATES):
        states.remove(deputy_state)
        states.insert(i, deputy_state)
    created = 0
    for i, state in enumerate(states):
        topic, category, unit_code, ask = TOPICS[i % len(TOPICS)]
        town = towns[(i * 7 + i // len(TOPICS)) % len(towns)]
        title = f"关于{town}{topic}的建议"
        deputy = demo_deputy if i < len(DEPUTY_STATES) else deputies[rng.randrange(len(deputies))]
        row_rng = ctx.rng(f"suggestions:{i}")  # its own stream: skipping a row changes no other
        if Suggestion.objects.filter(deputy=deputy, title=title).exists():
            continue
        # The day it was written: within the past year, later for the early states.
        low, high = AGES[state]
        written = today - dt.timedelta(days=row_rng.randint(low, high))
        _create(
            ctx,
            row_rng,
            state,
            title,
            ask,
            town,
            categories[category],
            deputy,
            deputies,
            written,
            today,
            units.get(unit_code) or units[ORG_HOUSING],
            units,
            staff,
            unit_user,
            is_key=(i % 15 == 7),
        )
        created += 1
    reminders_send(today)  # 临期/超期 notices for the demo logins' workbenches (once a day)
    demo = Suggestion.objects.filter(deputy__term=ctx.county_term)
    ctx.count("suggestions", demo.count(), "代表建议 suggestions")
    ctx.count(
        "suggestions_overdue",
        demo.filter(state__in=(State.ASSIGNED, State.IN_PROGRESS), reply_due__lt=today).count(),
        "超期建议 overdue suggestions",
    )


def _create(
    ctx,
    rng: random.Random,
    state,
    title,
    ask,
    town,
    category,
    deputy: Deputy,
    deputies,
    written: dt.date,
    today: dt.date,
    lead: Organisation,
    units: dict,
    staff,
    unit_user,
    *,
    is_key: bool,
) -> None:
    content = (
        f"{town}群众反映，{title[2:-3]}问题较为突出，影响群众生产生活。经走访调研，"
        f"建议：{ask}。同时建立长效机制，明确责任单位和完成时限，定期向群众公开进展。"
    )
    s = Suggestion.objects.create(
        title=title,
        content=content,
        category=category,
        deputy=deputy,
        state=State.DRAFT,
        session=session_for(written),
    )
    Suggestion.objects.filter(pk=s.pk).update(created_at=_at(written, 8))
    dname = deputy.name
    _event(s, "create", written, State.DRAFT, State.DRAFT, dname, deputy.user)
    others = [d for d in deputies if d.pk != deputy.pk]
    for co in rng.sample(others, k=rng.randint(0, 2)):
        signed = state != State.DRAFT or rng.random() < 0.5
        CoSign.objects.create(
            suggestion=s, deputy=co, signed_at=_at(written + dt.timedelta(days=1)) if signed else None
        )
    if state == State.DRAFT:
        return
    submitted = written + dt.timedelta(days=1)
    s.submitted_at = _at(submitted)
    _event(s, "submit", submitted, State.DRAFT, State.SUBMITTED, dname, deputy.user)
    s.state = State.SUBMITTED
    staff_name = str(staff) if staff else "代表工委"
    reviewed = submitted + dt.timedelta(days=rng.randint(2, 6))
    if state == State.SUBMITTED:
        s.save()
        return
    if state == State.RETURNED:
        s.state, s.review_note = State.RETURNED, "请补充问题的具体位置和涉及群众范围。"
        _event(s, "return", reviewed, State.SUBMITTED, State.RETURNED, staff_name, staff, s.review_note)
        s.save()
        return
    if state == State.CONVERTED:
        s.state, s.review_note = State.CONVERTED, "所提事项属于个案诉求，转为意见交有关部门研究处理。"
        _event(s, "convert", reviewed, State.SUBMITTED, State.CONVERTED, staff_name, staff, s.review_note)
        s.save()
        return
    if state == State.MERGED:
        target = (
            Suggestion.objects.filter(state__in=(State.IN_PROGRESS, State.CLOSED), category=category)
            .exclude(pk=s.pk)
            .first()
        )
        if target is not None:
            s.state, s.merged_into = State.MERGED, target
            _event(
                s,
                "merge",
                reviewed,
                State.SUBMITTED,
                State.MERGED,
                staff_name,
                staff,
                f"与{target.number}内容相近，合并办理。",
            )
            CoSign.objects.get_or_create(
                suggestion=target, deputy=deputy, defaults={"signed_at": _at(reviewed)}
            )
            s.save()
            return
        state = State.REGISTERED
    year = reviewed.year
    # Numbered per session (per year for one without a session), as the register service does.
    peers = (
        Suggestion.objects.filter(session=s.session)
        if s.session_id
        else Suggestion.objects.filter(year=year, session__isnull=True)
    )
    seq = (peers.aggregate(m=Max("seq"))["m"] or 0) + 1
    s.year, s.seq, s.number = year, seq, format_number(year, seq, s.session)
    s.registered_at = _at(reviewed)
    s.state = State.REGISTERED
    _event(s, "register", reviewed, State.SUBMITTED, State.REGISTERED, staff_name, staff)
    if state == State.REGISTERED:
        s.save()
        return
    if is_key:
        s.is_key, s.supervising_leader = (
            True,
            rng.choice(("县人大常委会主任", "县人大常委会副主任", "县人大常委会秘书长")),
        )
        _event(
            s,
            "mark_key",
            reviewed,
            State.REGISTERED,
            State.REGISTERED,
            staff_name,
            staff,
            f"主任会议确定为重点督办建议，督办领导：{s.supervising_leader}",
        )
    assigned = reviewed + dt.timedelta(days=rng.randint(1, 5))
    co_units = (
        []
        if rng.random() < 0.5
        else [units[c] for c in rng.sample(sorted(u for u in units if u != lead.code), k=1)]
    )
    s.assigned_on = s.round_started_on = assigned
    s.rounds = 1
    s.reply_due = month_deadline(assigned, 3)
    s.state = State.ASSIGNED
    note = f"主办：{lead.name}" + (f"；协办：{'、'.join(u.name for u in co_units)}" if co_units else "")
    _event(s, "assign", assigned, State.REGISTERED, State.ASSIGNED, staff_name, staff, note)
    assignments = [
        Assignment.objects.create(
            suggestion=s,
            unit=lead,
            role=Assignment.Role.LEAD,
            assigned_on=assigned,
            accept_due=working_day_deadline(assigned, 10),
        )
    ]
    for unit in co_units:
        assignments.append(
            Assignment.objects.create(
                suggestion=s,
                unit=unit,
                role=Assignment.Role.CO,
                assigned_on=assigned,
                accept_due=working_day_deadline(assigned, 10),
                opinion_due=month_deadline(assigned, 1),
            )
        )
    if state == State.ASSIGNED:
        s.save()
        return
    clerk = unit_user if unit_user is not None and lead.code == ORG_HOUSING else None
    clerk_name = str(clerk) if clerk else f"{lead.short_name or lead.name}经办人"
    accepted = min(assigned + dt.timedelta(days=rng.randint(1, 16)), today)
    # The demo unit (住建局), leading one still in hand with a co-unit, waits for that co-unit's
    # opinion: its reply form shows it as awaited (the office may proceed without it once overdue).
    awaited = state == State.IN_PROGRESS and lead.code == ORG_HOUSING and len(assignments) > 1
    for a in assignments:
        a.accepted_at = _at(accepted)
        if a.role == Assignment.Role.CO and awaited:
            a.save()
            continue
        if a.role == Assignment.Role.CO:
            a.opinion = f"{a.unit.short_name}将积极配合主办单位，在职责范围内做好相关工作。"
            a.opinion_at = _at(min(accepted + dt.timedelta(days=10), today))
        a.save()
    s.state = State.IN_PROGRESS
    _event(s, "accept", accepted, State.ASSIGNED, State.IN_PROGRESS, clerk_name, clerk, lead.name)
    contact_day = min(accepted + dt.timedelta(days=rng.randint(3, 20)), today)
    Contact.objects.create(
        suggestion=s,
        unit=lead,
        date=contact_day,
        way=rng.choice(Contact.Way.values),
        summary="与代表当面沟通办理思路，听取代表意见。",
        recorded_by=clerk or staff,
    )
    _event(
        s,
        "contact",
        contact_day,
        State.IN_PROGRESS,
        State.IN_PROGRESS,
        clerk_name,
        clerk,
        "与代表当面沟通办理思路。",
    )
    if state == State.IN_PROGRESS:
        s.save()
        return
    rounds = 2 if rng.random() < 0.15 else 1
    day = min(assigned + dt.timedelta(days=rng.randint(40, 100)), today - dt.timedelta(days=2))
    for rnd in range(1, rounds + 1):
        klass = rng.choices(ReplyClass.values, weights=(45, 30, 15, 10))[0]
        due = s.reply_due
        reply = Reply.objects.create(
            suggestion=s,
            round=rnd,
            unit=lead,
            reply_class=klass,
            replied_by=clerk or staff,
            replied_at=_at(day),
            due=due,
            in_time=due is None or day <= due,
            text=_reply_text(klass, title[2:-3], lead.name, day, rng),
            contact_person=(clerk.display_name if clerk else "") or "王晓燕",
            contact_phone=f"0917-32{rng.randint(10000, 99999)}",
            signer=rng.choice(("刘建军", "陈志刚", "张海燕", "杨卫东")),
        )
        if klass in (ReplyClass.B, ReplyClass.C):
            cdue = day + dt.timedelta(days=rng.randint(30, 240))
            Commitment.objects.create(
                suggestion=s,
                reply=reply,
                text=f"{title[2:-3]}项目{rng.choice(('完成设计', '开工建设', '完工验收'))}",
                due_on=cdue,
                fulfilled_at=_at(cdue) if cdue < today and rng.random() < 0.6 else None,
                fulfilment_note="已按期完成。" if cdue < today else "",
            )
        s.state = State.REPLIED
        _event(
            s, "reply", day, State.IN_PROGRESS, State.REPLIED, clerk_name, clerk, f"{klass} · 已书面答复代表"
        )
        last = rnd == rounds
        if state == State.REPLIED and last:
            break
        rated = min(day + dt.timedelta(days=rng.randint(2, 10)), today)
        result = (
            Satisfaction.UNSATISFIED
            if not last
            else rng.choices(
                (Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED), weights=(75, 20, 5)
            )[0]
        )
        if last and result == Satisfaction.UNSATISFIED:
            result = Satisfaction.BASIC
        Evaluation.objects.create(
            suggestion=s,
            reply=reply,
            result=result,
            attitude=rng.randint(3, 5),
            rated_by=deputy.user or clerk or staff,
            rated_at=_at(rated),
            comment="" if result != Satisfaction.UNSATISFIED else "答复内容不够具体，请进一步落实。",
        )
        if result == Satisfaction.UNSATISFIED:
            s.state, s.rounds, s.round_started_on = State.IN_PROGRESS, s.rounds + 1, rated
            s.reply_due = month_deadline(rated, 1)
            _event(
                s,
                "rate",
                rated,
                State.REPLIED,
                State.IN_PROGRESS,
                dname,
                deputy.user,
                "不满意 · 答复内容不够具体",
            )
            day = min(rated + dt.timedelta(days=rng.randint(10, 25)), today)
        else:
            s.state, s.closed_at = State.CLOSED, _at(rated)
            _event(
                s,
                "rate",
                rated,
                State.REPLIED,
                State.CLOSED,
                dname,
                deputy.user,
                str(Satisfaction(result).label),
            )
            if rng.random() < 0.5:
                # Published as the office does: the reply's body with personal data masked.
                s.published_at = _at(rated + dt.timedelta(days=3))
                s.public_summary = redact_personal_data(reply.text)
                s.published_reply = reply
    s.save()
