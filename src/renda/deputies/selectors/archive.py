"""Reads of the performance archive (履职档案), scoped to who may see them."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from renda.accounts.models import User
from renda.core.permissions import can, require
from renda.deputies.models import Deputy
from renda.deputies.models.archive import ArchiveEntry, ArchiveEvidence, ReviewState, Section
from renda.deputies.selectors.seats import seat_of

S = ReviewState


PER_SECTION = 10  # the latest entries of each section on the archive's first view
PAGE_SIZE = 50  # one section's entries, a page at a time


@dataclass
class SectionBlock:
    key: str
    label: str
    entries: list[ArchiveEntry]
    total: int  # the section's entries up to today, in any review state


@dataclass
class MyArchive:
    """一个代表的本届档案: entries by section, counts, and the months with activity (for the calendar).

    Its cost does not grow with the archive: counts are aggregates, the first view shows the latest
    ``PER_SECTION`` entries of each section (an index walk per section), a section's own view a page.
    """

    seat: Deputy
    entries: list[ArchiveEntry]
    blocks: list[SectionBlock]
    counts: dict[str, int]  # approved entries per section
    months: list[tuple[int, list[tuple[int, int]]]]  # (year, [(month, approved entries)])
    to_fix: list[ArchiveEntry] = field(default_factory=list)  # returned to the deputy
    pending: int = 0
    page: Page | None = None  # a section's page, when one section is listed


def _with_joins(qs: QuerySet[ArchiveEntry]) -> QuerySet[ArchiveEntry]:
    return qs.select_related("seat__person", "seat__group", "seat__term").prefetch_related("evidence")


def archive_of_seat(
    *, actor: User, seat: Deputy, section: str = "", page: str | int | None = None
) -> MyArchive:
    """一人一档: the seat's entries up to today (automatic and self-reported), in its sections."""
    require(actor, "deputies.archive_view", ArchiveEntry(seat=seat))
    today = timezone.localdate()
    qs = ArchiveEntry.objects.filter(seat=seat, date__lte=today)
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    pending = 0
    for sec, state, n in qs.order_by().values_list("section", "state").annotate(n=Count("id")):
        totals[sec] += n
        if state == S.APPROVED:
            counts[sec] += n
        elif state in (S.SUBMITTED, S.CHECKED):
            pending += n
    # Grouped by day in the database (no per-row date functions), folded into months here: at most
    # one row per day of the term, whatever the number of entries.
    per_month: dict[tuple[int, int], int] = defaultdict(int)
    for day, n in qs.filter(state=S.APPROVED).order_by().values_list("date").annotate(n=Count("id")):
        per_month[(day.year, day.month)] += n
    start = seat.seat_start
    end = min(seat.seat_end, today)
    years = list(range(end.year, start.year - 1, -1))
    months = [(y, [(m, per_month.get((y, m), 0)) for m in range(1, 13)]) for y in years]
    page_obj: Page | None = None
    if section:
        listed = _with_joins(qs.filter(section=section)).order_by("-date", "-id")
        page_obj = Paginator(listed, PAGE_SIZE).get_page(page)
        entries = list(page_obj.object_list)
    else:
        # The latest entries of each section with an entry: one short walk of the (seat, section, date)
        # index per section, then the entries themselves with their joins.
        ids: list[int] = []
        for key in (k for k in Section.values if totals.get(k)):
            ids += qs.filter(section=key).order_by("-date", "-id").values_list("id", flat=True)[:PER_SECTION]
        entries = list(_with_joins(ArchiveEntry.objects.filter(pk__in=ids)).order_by("-date", "-id"))
    by_section: dict[str, list[ArchiveEntry]] = defaultdict(list)
    for e in entries:
        by_section[e.section].append(e)
    labels = dict(Section.choices)
    return MyArchive(
        seat=seat,
        entries=entries,
        blocks=[
            SectionBlock(key=s, label=str(labels[s]), entries=by_section[s], total=totals[s])
            for s in Section.values
            if by_section.get(s)
        ],
        counts={s: counts.get(s, 0) for s in Section.values},
        months=months,
        to_fix=list(qs.filter(state=S.RETURNED).order_by("-date", "-id")[:50]),
        pending=pending,
        page=page_obj,
    )


@dataclass
class TermArchive:
    """一人一档 (PDF): every counted (approved) entry of the seat's term up to today, by section."""

    seat: Deputy
    sections: list[tuple[str, list[ArchiveEntry]]]  # (section value, entries), in the sections' order
    total: int


def term_archive(*, actor: User, seat: Deputy) -> TermArchive:
    """The whole term, not the page's latest entries: one query, no evidence (the PDF lists no files)."""
    require(actor, "deputies.archive_view", ArchiveEntry(seat=seat))
    rows = (
        ArchiveEntry.objects.filter(seat=seat, state=S.APPROVED, date__lte=timezone.localdate())
        .only("seat_id", "section", "kind", "date", "title", "text", "is_automatic")
        .order_by("date", "id")
    )
    by_section: dict[str, list[ArchiveEntry]] = defaultdict(list)
    for e in rows:
        by_section[e.section].append(e)
    return TermArchive(
        seat=seat,
        sections=[(s, by_section.get(s, [])) for s in Section.values],
        total=sum(len(v) for v in by_section.values()),
    )


def my_archive(*, actor: User, section: str = "", page: str | int | None = None) -> MyArchive:
    seat = seat_of(actor)
    require(actor, "deputies.archive_add")
    assert seat is not None
    return archive_of_seat(actor=actor, seat=seat, section=section, page=page)


def my_archive_entries(*, actor: User, section: str = "") -> QuerySet[ArchiveEntry]:
    """My current seat's entries up to today, latest first (the API pages through them)."""
    seat = seat_of(actor)
    require(actor, "deputies.archive_add")
    assert seat is not None
    qs = ArchiveEntry.objects.filter(seat=seat, date__lte=timezone.localdate())
    return _with_joins(qs.filter(section=section) if section else qs).order_by("-date", "-id")


@dataclass(frozen=True)
class ArchiveFilter:
    state: str = ""
    group_id: int | None = None
    level: str = ""
    section: str = ""
    q: str = ""
    self_reported: bool = True


def reviewed_group_ids(actor: User) -> frozenset[int]:
    from renda.deputies.rules import reviewed_group_ids as cached

    return cached(actor)


def archive_entries_for_staff(*, actor: User, filters: ArchiveFilter | None = None) -> QuerySet[ArchiveEntry]:
    """档案审核与查询: the office sees every entry; a group's reviewer only their group's. Entries up to
    today only (the Excel export reads the same queryset)."""
    require(actor, "deputies.archive_view_staff")
    filters = filters or ArchiveFilter()
    # Only what happened counts: a reception day ahead is a duty scheduled, not performance yet.
    qs = ArchiveEntry.objects.filter(date__lte=timezone.localdate())
    if not can(actor, "deputies.archive_view_all"):  # a group reviewer: their groups only
        qs = qs.filter(seat__group_id__in=reviewed_group_ids(actor))
    if filters.self_reported:
        qs = qs.filter(is_automatic=False)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.group_id:
        qs = qs.filter(seat__group_id=filters.group_id)
    if filters.level:
        qs = qs.filter(seat__term__level=filters.level)
    if filters.section:
        qs = qs.filter(section=filters.section)
    if filters.q:
        qs = qs.filter(Q(title__contains=filters.q) | Q(seat__person__name__contains=filters.q))
    return _with_joins(qs).order_by("date", "id")


def archive_entry_for(*, actor: User, pk: int) -> ArchiveEntry:
    entry = _with_joins(ArchiveEntry.objects.all()).get(pk=pk)
    require(actor, "deputies.archive_view", entry)
    return entry


def evidence_for(*, actor: User, pk: int) -> ArchiveEvidence:
    """A piece of evidence, for whoever may see its entry (never by its URL alone)."""
    evidence = ArchiveEvidence.objects.select_related("entry__seat__person", "entry__seat__group").get(pk=pk)
    require(actor, "deputies.archive_view", evidence.entry)
    return evidence


def archive_duplicates(entries: list[ArchiveEntry]) -> dict[int, list[str]]:
    """重复提醒: for each entry, another entry of the same person on the same date and kind, or the
    same photo used before. Two queries whatever the number of entries."""
    if not entries:
        return {}
    people = {e.seat.person_id for e in entries}
    dates = {e.date for e in entries}
    # The people's seats first, so the lookup below walks the (seat, date) index, not every entry
    # of those dates.
    person_of_seat = dict(Deputy.objects.filter(person_id__in=people).values_list("pk", "person_id"))
    same_day = Counter(
        (person_of_seat[seat_id], day, kind)
        for seat_id, day, kind in ArchiveEntry.objects.filter(
            seat_id__in=list(person_of_seat), date__in=dates
        ).values_list("seat_id", "date", "kind")
    )
    hashes: dict[str, set[int]] = defaultdict(set)
    mine = {ev.sha256 for e in entries for ev in e.evidence.all()}
    for sha, entry_id in ArchiveEvidence.objects.filter(sha256__in=mine).values_list("sha256", "entry_id"):
        hashes[sha].add(entry_id)
    warnings: dict[int, list[str]] = {}
    for e in entries:
        found: list[str] = []
        if same_day[(e.seat.person_id, e.date, e.kind)] > 1:
            found.append("same_day")
        if any(len(hashes[ev.sha256] - {e.pk}) > 0 for ev in e.evidence.all()):
            found.append("same_photo")
        if found:
            warnings[e.pk] = found
    return warnings
