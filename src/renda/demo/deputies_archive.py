"""示范县 (issue 18): people across terms, a seat that ended early, and the performance archive.

After the suggestions and liaison steps: the previous county term (第十八届) with some of today's
deputies in it, one resignation in March 2026, the automatic archive entries drawn from the demo's
suggestions, co-signatures, reception days and answered opinions, and self-reported entries in every
review state (the demo deputy has entries to fix). Idempotent: automatic entries are keyed on their
source; the self-reported ones of the demo are replaced on each run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from renda.demo.county import (
    COUNTY_TERM_NUMBER,
    DEMO_COUNTY_NAME,
    DEMO_DEPUTY_NUMBER,
    DemoContext,
    register_demo_step,
)
from renda.deputies.models import ArchiveEntry, Deputy, Level, Person, Term
from renda.deputies.models.activities import Activity, ActivityKind, Invitation
from renda.deputies.models.archive import (
    SELF_REPORTED_SECTIONS,
    ArchiveEvidence,
    Kind,
    ReviewState,
    Section,
)
from renda.deputies.services.activities import ARCHIVE_SECTION_OF_KIND
from renda.liaison.models import Opinion, ReceptionDay
from renda.suggestions.models import CoSign, Evaluation, Suggestion
from renda.suggestions.models import Event as SuggestionEvent

PREVIOUS = COUNTY_TERM_NUMBER - 1
RESIGNED_NUMBER = f"{COUNTY_TERM_NUMBER}150"
FORMER_ONLY = (("郭振华", "M", 1958), ("邓秀英", "F", 1961), ("韩立新", "M", 1960), ("曹玉兰", "F", 1963))
# The share of self-reported demo entries with a file: most of those a reviewer still has to look at,
# a few of the approved ones (each file costs the seed a few milliseconds).
EVIDENCE_SHARE = {
    ReviewState.APPROVED: 0.12,
    ReviewState.SUBMITTED: 0.7,
    ReviewState.CHECKED: 0.7,
    ReviewState.RETURNED: 0.7,
}
DEMO_MARK = "【示范】"  # the self-reported demo entries carry it in their text, to be replaced on a rerun

SELF_TITLES = {
    Kind.VISIT_VOTERS: ("走访{v}选民，听取对村道硬化的意见", "入户走访{v}困难群众", "走访{v}种植大户"),
    Kind.OTHER_ACTIVITY: ("参加{v}议事协商会", "参与{v}矛盾纠纷调解"),
    Kind.MEETING: ("列席县人大常委会第{n}次会议",),
    Kind.INSPECTION: ("参加农村饮水安全工作视察", "参加营商环境专题调研"),
    Kind.TRAINING: ("参加县人大代表履职培训班", "参加代表线上学习"),
    Kind.REPORT: ("在{v}向选民述职",),
    Kind.HONOUR: ("获评年度优秀人大代表",),
}


@register_demo_step(name="deputies.terms_and_archive", order=150)
def load_terms_and_archive(ctx: DemoContext) -> None:
    county_term = ctx.county_term
    previous, _ = Term.objects.update_or_create(
        region=ctx.county,
        number=PREVIOUS,
        defaults={
            "level": Level.COUNTY,
            "name": f"{DEMO_COUNTY_NAME}第十八届人民代表大会",
            "start_date": dt.date(2017, 1, 1),
            "end_date": dt.date(2021, 12, 31),
            "is_current": False,
        },
    )
    current = list(Deputy.objects.filter(term=county_term).select_related("person").order_by("number"))
    # Some of today's deputies sat in the previous term too (one person, two seats).
    for i, seat in enumerate(current[1:25:3], start=1):
        Deputy.objects.update_or_create(
            term=previous,
            number=f"{PREVIOUS}{i:03d}",
            defaults={"person": seat.person, "region": seat.region, "group": None, "is_active": False},
        )
    for j, (name, gender, born) in enumerate(FORMER_ONLY, start=20):
        existing = Deputy.objects.filter(term=previous, number=f"{PREVIOUS}{j:03d}").first()
        person = (
            existing.person if existing else Person.objects.create(name=name, gender=gender, birth_year=born)
        )
        Deputy.objects.update_or_create(
            term=previous,
            number=f"{PREVIOUS}{j:03d}",
            defaults={"person": person, "region": ctx.county, "is_active": False},
        )
    # One seat ended early (辞职): it reads "任职至 2026-03".
    Deputy.objects.filter(term=county_term, number=RESIGNED_NUMBER).update(
        end_date=dt.date(2026, 3, 15), end_reason=Deputy.EndReason.RESIGNED, is_active=False
    )

    _automatic_entries(ctx)
    _self_reported_entries(ctx, current)
    in_county = ArchiveEntry.objects.filter(seat__term__region__code=ctx.county.code)
    ctx.count("archive_automatic", in_county.filter(is_automatic=True).count(), "履职档案 automatic entries")
    ctx.count(
        "archive_reported", in_county.filter(is_automatic=False).count(), "履职档案 self-reported entries"
    )
    ctx.count("previous_term_seats", Deputy.objects.filter(term=previous).count(), "第十八届 seats")


def _automatic_entries(ctx: DemoContext) -> None:
    today = timezone.localdate()
    ct_s = ContentType.objects.get_for_model(Suggestion)
    ct_r = ContentType.objects.get_for_model(ReceptionDay)
    ct_o = ContentType.objects.get_for_model(Opinion)
    rows: list[ArchiveEntry] = []

    def add(
        seat_id: int,
        kind: str,
        section: str,
        date: dt.date,
        title: str,
        ct: ContentType,
        pk: int,
        text: str = "",
    ) -> None:
        rows.append(
            ArchiveEntry(
                seat_id=seat_id,
                kind=kind,
                section=section,
                date=date,
                title=title[:200],
                text=text,
                is_automatic=True,
                source_type=ct,
                source_id=pk,
                state=ReviewState.APPROVED,
            )
        )

    for s in Suggestion.objects.filter(submitted_at__isnull=False).only(
        "pk", "deputy_id", "title", "submitted_at"
    ):
        add(
            s.deputy_id,
            Kind.SUGGESTION_SUBMITTED,
            Section.SUGGESTIONS,
            timezone.localdate(s.submitted_at),
            s.title,
            ct_s,
            s.pk,
        )
    for c in CoSign.objects.filter(signed_at__isnull=False).select_related("suggestion"):
        date = timezone.localdate(c.signed_at)
        add(
            c.deputy_id,
            Kind.SUGGESTION_COSIGNED,
            Section.SUGGESTIONS,
            date,
            c.suggestion.title,
            ct_s,
            c.suggestion_id,
        )
    days = ReceptionDay.objects.exclude(status=ReceptionDay.Status.CANCELLED).filter(date__lte=today)
    for day in days.select_related("station").prefetch_related("deputies"):
        for d in day.deputies.all():
            add(
                d.pk,
                Kind.RECEPTION_DUTY,
                Section.GROUP,
                day.date,
                f"{day.station.name}接待日进站",
                ct_r,
                day.pk,
            )
    for o in Opinion.objects.filter(answered_at__isnull=False, answered_by_deputy=True, deputy__isnull=False):
        if o.deputy_id is None or o.answered_at is None:
            continue
        add(
            o.deputy_id,
            Kind.OPINION_ANSWERED,
            Section.SUGGESTIONS,
            timezone.localdate(o.answered_at),
            f"答复群众意见 {o.code_display}",
            ct_o,
            o.pk,
        )
    # 重点建议 and the final evaluation of the reply (满意度), both for the proposer.
    key_days = dict(SuggestionEvent.objects.filter(action="mark_key").values_list("suggestion_id", "at"))
    for s in Suggestion.objects.filter(is_key=True, submitted_at__isnull=False).only(
        "pk", "deputy_id", "title", "submitted_at", "supervising_leader"
    ):
        add(
            s.deputy_id,
            Kind.SUGGESTION_KEY,
            Section.SUGGESTIONS,
            timezone.localdate(key_days.get(s.pk, s.submitted_at)),
            s.title,
            ct_s,
            s.pk,
            f"{s.supervising_leader}督办的重点建议",
        )
    final: dict[int, Evaluation] = {}  # the latest evaluation of each suggestion is its final one
    for ev in Evaluation.objects.select_related("suggestion").order_by("rated_at", "id"):
        final[ev.suggestion_id] = ev
    for ev in final.values():
        add(
            ev.suggestion.deputy_id,
            Kind.SUGGESTION_RATED,
            Section.SUGGESTIONS,
            timezone.localdate(ev.rated_at),
            ev.suggestion.title,
            ct_s,
            ev.suggestion_id,
            f"对答复的评价：{ev.get_result_display()}",
        )
    # 出席: the demo's activities were signed in without the service, so their entries are added here.
    ct_a = ContentType.objects.get_for_model(Activity)
    signed = Invitation.objects.filter(signed_in_at__isnull=False, activity__start_at__date__lte=today)
    for inv in signed.select_related("activity").only(
        "deputy_id", "activity__id", "activity__kind", "activity__title", "activity__start_at"
    ):
        section = ARCHIVE_SECTION_OF_KIND.get(ActivityKind(inv.activity.kind))
        if section is not None:
            add(
                inv.deputy_id,
                Kind.ACTIVITY_ATTENDED,
                section,
                timezone.localdate(inv.activity.start_at),
                inv.activity.title,
                ct_a,
                inv.activity.pk,
            )
    ArchiveEntry.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def _self_reported_entries(ctx: DemoContext, seats: list[Deputy]) -> None:
    rng = ctx.rng("deputies.archive")
    previous = ArchiveEntry.objects.filter(
        seat__term=ctx.county_term, is_automatic=False, text__startswith=DEMO_MARK
    )
    storage = ArchiveEvidence._meta.get_field("file").storage
    for name in ArchiveEvidence.objects.filter(entry__in=previous).values_list("file", flat=True):
        storage.delete(name)  # a rerun replaces the demo's entries and their files
    previous.delete()
    today = timezone.localdate()
    start = ctx.county_term.start_date
    span = (today - start).days
    states = (
        [ReviewState.APPROVED] * 14
        + [ReviewState.SUBMITTED] * 3
        + [ReviewState.CHECKED] * 2
        + [ReviewState.RETURNED]
    )
    kinds = list(SELF_REPORTED_SECTIONS)
    rows: list[ArchiveEntry] = []
    for seat in seats:
        for _i in range(rng.randint(8, 15)):
            kind = rng.choice(kinds)
            village = seat.region.name
            title = rng.choice(SELF_TITLES[kind]).format(v=village, n=rng.randint(1, 30))
            date = start + dt.timedelta(days=rng.randint(0, span))
            state = rng.choice(states)
            if seat.end_date and date > seat.end_date:
                date = seat.end_date
            rows.append(
                ArchiveEntry(
                    seat=seat,
                    kind=kind,
                    section=SELF_REPORTED_SECTIONS[kind],
                    date=date,
                    title=title,
                    text=f"{DEMO_MARK}{title}。记录了群众反映的问题和后续跟进情况。",
                    state=state,
                    return_reason="请补充活动照片或签到表。" if state == ReviewState.RETURNED else "",
                )
            )
        if seat.number == DEMO_DEPUTY_NUMBER:  # the demo login has entries to fix
            for title in ("走访城关社区独居老人", "参加社区议事协商会"):
                rows.append(
                    ArchiveEntry(
                        seat=seat,
                        kind=Kind.VISIT_VOTERS,
                        section=Section.GROUP,
                        date=today - dt.timedelta(days=10),
                        title=title,
                        text=f"{DEMO_MARK}{title}，了解生活困难并反映给社区。",
                        state=ReviewState.RETURNED,
                        return_reason="时间和地点不够具体，请补充后重新提交。",
                    )
                )
    ArchiveEntry.objects.bulk_create(rows, batch_size=1000)
    _evidence(rng, rows)


def _evidence(rng, entries: list[ArchiveEntry]) -> None:
    """佐证材料: most self-reported entries carry a photo (a small real JPEG or PNG, each different,
    so the reviewer's same-photo warning stays meaningful), a few a one-page PDF; stored through the
    evidence field's storage path, as an upload is."""
    rows: list[ArchiveEvidence] = []
    field = ArchiveEvidence._meta.get_field("file")
    for n, entry in enumerate(entries):
        if rng.random() >= EVIDENCE_SHARE[ReviewState(entry.state)]:
            continue
        fmt = "PDF" if n % 25 == 0 else ("PNG" if n % 3 == 0 else "JPEG")
        ext = {"PDF": "pdf", "PNG": "png", "JPEG": "jpg"}[fmt]
        image = Image.new("RGB", (96, 72), tuple(rng.randrange(40, 230) for _c in range(3)))  # type: ignore[arg-type]
        draw = ImageDraw.Draw(image)
        for _b in range(4):  # a few blocks, in places of their own: every file is different
            x, y = rng.randrange(0, 80), rng.randrange(0, 56)
            draw.rectangle(
                (x, y, x + rng.randrange(8, 30), y + rng.randrange(8, 24)),
                fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
            )
        buffer = io.BytesIO()
        image.save(buffer, fmt, **({"quality": 70} if fmt == "JPEG" else {}))
        data = buffer.getvalue()
        name = f"{'签到表' if fmt == 'PDF' else '活动照片'}{n % 7 + 1}.{ext}"
        stored = field.storage.save(
            field.generate_filename(ArchiveEvidence(entry=entry), f"demo{n:05d}-{name}"), ContentFile(data)
        )
        rows.append(
            ArchiveEvidence(
                entry=entry, file=stored, name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest()
            )
        )
    ArchiveEvidence.objects.bulk_create(rows, batch_size=1000)
