"""Reads on suggestions, scoped to what the actor may see."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from renda.accounts.models import Role, User
from renda.core.permissions import can, require
from renda.core.similarity import most_similar
from renda.deputies.selectors import seat_ids_of
from renda.suggestions.models import (
    OPEN_HANDLING_STATES,
    Assignment,
    Attachment,
    Commitment,
    CoSign,
    Reply,
    ReplyClass,
    Satisfaction,
    Session,
    State,
    Suggestion,
)
from renda.suggestions.params import param
from renda.suggestions.workflow import COSIGN_STATES
from renda.suggestions.workflow import PUBLISHABLE_STATES as PUBLIC_STATES


@dataclass(frozen=True)
class SuggestionFilter:
    state: str = ""
    q: str = ""
    year: int | None = None
    category_id: int | None = None
    due: str = ""  # "soon" (临期) or "overdue" (超期)
    key_only: bool = False
    session_id: int | None = None
    stage: str = ""  # a group of states (the workbench's tiles): see STAGES
    open_commitments: bool = False  # with a commitment (承诺事项) not yet fulfilled


# Groups of states a workbench tile counts, so that each tile opens the list it counts.
STAGES: dict[str, tuple[str, ...]] = {
    "drafts": (State.DRAFT, State.RETURNED),
    "handling": (State.SUBMITTED, State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS),
    "answered": (State.REPLIED, State.CLOSED),
}


def _scope(actor: User) -> QuerySet[Suggestion]:
    require(actor, "suggestions.view_list")
    if can(actor, "suggestions.view_all"):
        # Every suggestion but the drafts: a draft is its deputy's own until it is submitted.
        return Suggestion.objects.exclude(state=State.DRAFT)
    if actor.role == Role.DEPUTY:
        seat_ids = seat_ids_of(actor)
        if not seat_ids:
            return Suggestion.objects.none()
        invited = CoSign.objects.filter(suggestion=OuterRef("pk"), deputy_id__in=seat_ids)
        return Suggestion.objects.filter(Q(deputy_id__in=seat_ids) | Q(Exists(invited)))
    if actor.role == Role.UNIT_HANDLER and actor.organisation_id:
        assigned = Assignment.objects.filter(
            suggestion=OuterRef("pk"), unit_id=actor.organisation_id, ended_at__isnull=True
        )
        return Suggestion.objects.filter(Exists(assigned))
    return Suggestion.objects.none()


def _with_joins(qs: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    return qs.select_related("deputy__person", "category", "session").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
    )


def suggestions_visible_to(*, actor: User, filters: SuggestionFilter | None = None) -> QuerySet[Suggestion]:
    """建议列表: the office sees all but drafts; a deputy their own and co-signed; a unit what it handles."""
    filters = filters or SuggestionFilter()
    qs = _scope(actor)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.q:
        qs = qs.filter(
            Q(title__contains=filters.q)
            | Q(number__contains=filters.q)
            | Q(deputy__person__name__contains=filters.q)
        )
    if filters.year:
        qs = qs.filter(Q(year=filters.year) | Q(year__isnull=True, created_at__year=filters.year))
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.session_id:
        qs = qs.filter(session_id=filters.session_id)
    today = timezone.localdate()
    if filters.due == "overdue":
        qs = qs.filter(state__in=OPEN_HANDLING_STATES, reply_due__lt=today)
    elif filters.due == "soon":
        qs = qs.filter(
            state__in=OPEN_HANDLING_STATES,
            reply_due__gte=today,
            reply_due__lte=today + dt.timedelta(days=param("DUE_SOON_DAYS")),
        )
    if filters.key_only:
        qs = qs.filter(is_key=True)
    if filters.stage in STAGES:
        qs = qs.filter(state__in=STAGES[filters.stage])
    if filters.open_commitments:
        qs = qs.filter(
            Exists(Commitment.objects.filter(suggestion=OuterRef("pk"), fulfilled_at__isnull=True))
        )
    return _with_joins(qs).order_by("-is_key", "-created_at", "-id")


def suggestions_for_export(*, actor: User, filters: SuggestionFilter) -> QuerySet[Suggestion]:
    """导出建议列表: the list as the actor sees it with these filters, with what the workbook names
    (co-signers, replies and their ratings) fetched in a constant number of queries."""
    rows = suggestions_visible_to(actor=actor, filters=filters).select_related("session__term")
    return rows.prefetch_related(
        Prefetch(
            "cosigns",
            queryset=CoSign.objects.filter(signed_at__isnull=False).select_related("deputy").order_by("pk"),
            to_attr="signed_cosigns",
        ),
        Prefetch("replies", queryset=Reply.objects.select_related("evaluation")),
    )


def suggestion_for(*, actor: User, pk: int) -> Suggestion:
    """One suggestion with everything its page shows; 404 when it does not exist, 403 when hidden."""
    suggestion = (
        Suggestion.objects.select_related("deputy__person", "category", "merged_into", "session__term")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
            Prefetch("cosigns", queryset=CoSign.objects.select_related("deputy__person")),
            "attachments",
            "events__attachments",
            "events__actor__organisation",
            "contacts__unit",
            "extensions",
            "replies__unit",
            "replies__file",
            "replies__evaluation",
            "commitments",
            "chases__by",
        )
        .filter(pk=pk)
        .first()
    )
    if suggestion is None:
        raise Http404
    require(actor, "suggestions.view_suggestion", suggestion)
    return suggestion


def attachment_for(*, actor: User, pk: int) -> Attachment:
    attachment = Attachment.objects.select_related("suggestion").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    require(actor, "suggestions.view_suggestion", attachment.suggestion)
    return attachment


def similar_suggestions(
    *, actor: User, text: str, exclude_pk: int | None = None, limit: int = 5
) -> list[tuple[Suggestion, float]]:
    """相似建议: the earlier suggestions most alike ``text`` (jieba + TF-IDF cosine).

    Compared against every suggestion past the draft stage (drafts are their authors' own);
    the page links only those the actor may open and shows the others by number and title.
    """
    require(actor, "suggestions.view_list")
    pool = Suggestion.objects.exclude(state__in=(State.DRAFT, State.RETURNED))
    if exclude_pk is not None:
        pool = pool.exclude(pk=exclude_pk)
    candidates = [
        (pk, f"{title} {title} {content[:2000]}")
        for pk, title, content in pool.values_list("pk", "title", "content")
    ]
    ranked = most_similar(text, candidates, limit=limit)
    by_pk = {
        s.pk: s
        for s in Suggestion.objects.select_related("deputy__person", "category").filter(
            pk__in=[pk for pk, _ in ranked]
        )
    }
    return [(by_pk[pk], score) for pk, score in ranked if pk in by_pk]  # type: ignore[index]


def open_commitments(*, actor: User) -> QuerySet[Commitment]:
    scope = _scope(actor)
    return (
        Commitment.objects.filter(suggestion__in=scope, fulfilled_at__isnull=True)
        .select_related("suggestion")
        .order_by("due_on")
    )


def workbench_summary(*, actor: User) -> dict[str, Any]:
    """Counts by state, 临期/超期 and the actor's to-dos, in a handful of queries."""
    scope = _scope(actor)
    today = timezone.localdate()
    soon = today + dt.timedelta(days=param("DUE_SOON_DAYS"))
    by_state = Counter(dict(_count_by(scope, "state")))
    open_qs = scope.filter(state__in=OPEN_HANDLING_STATES, reply_due__isnull=False)
    due_soon = list(open_qs.filter(reply_due__gte=today, reply_due__lte=soon).order_by("reply_due")[:8])
    overdue = list(open_qs.filter(reply_due__lt=today).order_by("reply_due")[:8])
    return {
        "by_state": by_state,
        "due_soon": due_soon,
        "overdue": overdue,
        "due_soon_count": open_qs.filter(reply_due__gte=today, reply_due__lte=soon).count(),
        "overdue_count": open_qs.filter(reply_due__lt=today).count(),
        "commitments": open_commitments(actor=actor).count(),
        "key_open": scope.filter(is_key=True).exclude(state=State.CLOSED).count(),
    }


def _count_by(qs: QuerySet, field: str) -> list[tuple[Any, int]]:
    from django.db.models import Count

    return list(qs.order_by().values_list(field).annotate(n=Count("id")))


@dataclass(frozen=True)
class TodoItem:
    """One thing the actor is to do next on a suggestion (the workbench's to-do list)."""

    suggestion: Suggestion
    kind: str  # review | assign | revise | cosign | rate | reply (with accept/opinion: unit_todo)
    due: dt.date | None = None


TODO_LIMIT = 8


def role_todo(*, actor: User) -> list[TodoItem]:
    """待办: what waits for the actor's own act, whatever its deadline — the office reviews and
    assigns, a deputy revises, co-signs and rates, a lead unit replies. (A unit's acceptance and
    co-opinions: :func:`unit_todo`; deadlines: :func:`workbench_summary`.)"""
    scope = _scope(actor).select_related("deputy__person")
    items: list[TodoItem] = []
    if can(actor, "suggestions.view_all"):
        for state, kind in ((State.SUBMITTED, "review"), (State.REGISTERED, "assign")):
            rows = scope.filter(state=state).order_by("submitted_at", "pk")[:TODO_LIMIT]
            items += [TodoItem(s, kind) for s in rows]
    elif actor.role == Role.DEPUTY:
        seats = seat_ids_of(actor)
        if not seats:
            return []
        own = scope.filter(deputy_id__in=seats)
        items += [TodoItem(s, "revise") for s in own.filter(state=State.RETURNED)[:TODO_LIMIT]]
        items += [TodoItem(s, "rate") for s in own.filter(state=State.REPLIED)[:TODO_LIMIT]]
        invited = CoSign.objects.filter(deputy_id__in=seats, signed_at__isnull=True).values("suggestion_id")
        cosign = scope.filter(pk__in=invited, state__in=COSIGN_STATES).exclude(deputy_id__in=seats)
        items += [TodoItem(s, "cosign") for s in cosign[:TODO_LIMIT]]
    elif actor.organisation_id:
        leading = Assignment.objects.filter(
            unit_id=actor.organisation_id,
            role=Assignment.Role.LEAD,
            ended_at__isnull=True,
            accepted_at__isnull=False,
        ).values("suggestion_id")
        rows = scope.filter(pk__in=leading, state=State.IN_PROGRESS).order_by("reply_due", "pk")
        items += [TodoItem(s, "reply", s.reply_due) for s in rows[:TODO_LIMIT]]
    return items


def unit_todo(*, actor: User) -> list[Assignment]:
    """A unit clerk's assignments waiting to be accepted or for the co-unit's opinion."""
    if not actor.organisation_id:
        return []
    return list(
        Assignment.objects.filter(unit_id=actor.organisation_id, ended_at__isnull=True)
        .filter(
            Q(accepted_at__isnull=True)
            | Q(role=Assignment.Role.CO, opinion_at__isnull=True, opinion_waived_at__isnull=True)
        )
        .filter(suggestion__state__in=OPEN_HANDLING_STATES)
        .select_related("suggestion")
        .order_by("accept_due")[:10]
    )


# --- statistics ---------------------------------------------------------------------------------

DIMENSIONS = ("unit", "deputy", "category", "year", "session")


@dataclass
class StatRow:
    key: str
    assigned: int = 0
    accepted_in_time: int = 0
    replied: int = 0
    replied_in_time: int = 0
    classes: dict[str, int] | None = None
    rated: int = 0
    satisfied: int = 0  # 满意 + 基本满意 (the final rating)
    overdue: int = 0

    def share(self, n: int, of: int) -> float:
        return round(100 * n / of, 1) if of else 0.0

    @property
    def class_shares(self) -> dict[str, float]:
        total = sum((self.classes or {}).values())
        return {c: self.share((self.classes or {}).get(c, 0), total) for c in ReplyClass.values}

    @property
    def satisfaction_rate(self) -> float:
        return self.share(self.satisfied, self.rated)

    @property
    def accepted_in_time_rate(self) -> float:
        return self.share(self.accepted_in_time, self.assigned)

    @property
    def replied_in_time_rate(self) -> float:
        return self.share(self.replied_in_time, self.replied)


def suggestion_statistics(
    *, actor: User, by: str = "unit", year: int | None = None, session_id: int | None = None
) -> list[StatRow]:
    """办理统计 by unit (lead), deputy, category, year or session (会议), over assigned suggestions."""
    require(actor, "suggestions.view_statistics")
    if by not in DIMENSIONS:
        by = "unit"
    qs = Suggestion.objects.filter(assigned_on__isnull=False)
    if year:
        qs = qs.filter(year=year)
    if session_id:
        qs = qs.filter(session_id=session_id)
    qs = qs.select_related("deputy__person", "category", "session__term").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("unit").filter(role=Assignment.Role.LEAD),
        ),
        "replies",
        "evaluations",
    )
    today = timezone.localdate()
    rows: dict[str, StatRow] = {}
    for s in qs:
        leads = list(s.assignments.all())
        current = next((a for a in leads if a.ended_at is None), leads[-1] if leads else None)
        if by == "unit":
            key = current.unit.name if current else "—"
        elif by == "deputy":
            key = s.deputy.name
        elif by == "category":
            key = s.category.label
        elif by == "session":
            key = f"{s.session.term.name}{s.session.short_label}" if s.session else "—"
        else:
            key = str(s.year or s.assigned_on.year)  # type: ignore[union-attr]
        row = rows.setdefault(key, StatRow(key=key, classes=defaultdict(int)))
        row.assigned += 1
        if current and current.accepted_in_time:
            row.accepted_in_time += 1
        replies = sorted(s.replies.all(), key=lambda r: (r.round, r.pk))
        if replies:
            row.replied += 1
            row.replied_in_time += 1 if replies[0].in_time else 0
            assert row.classes is not None
            row.classes[replies[-1].reply_class] += 1
        evaluations = sorted(s.evaluations.all(), key=lambda e: (e.rated_at, e.pk))
        if evaluations:
            row.rated += 1
            if evaluations[-1].result in (Satisfaction.SATISFIED, Satisfaction.BASIC):
                row.satisfied += 1
        if s.state in OPEN_HANDLING_STATES and s.reply_due and s.reply_due < today:
            row.overdue += 1
    return sorted(rows.values(), key=lambda r: (-r.assigned, r.key))


def office_signature() -> str:
    """Who signs the office's documents (交办单): the deputy affairs office's organisation, named as
    everywhere else (its organisation row), else the ``OFFICE_SIGNATURE`` parameter."""
    from renda.accounts.models import Organisation

    name = (
        Organisation.objects.filter(code__in=list(param("OFFICE_ORGANISATION_CODES")), is_active=True)
        .order_by("code")
        .values_list("name", flat=True)
        .first()
    )
    return name or str(param("OFFICE_SIGNATURE"))


def sessions() -> QuerySet[Session]:
    """The recorded session periods, newest first (for the filters and the sessions page)."""
    return Session.objects.select_related("term").order_by("-start_date", "-id")


def statistic_years() -> list[int]:
    return sorted(
        {y for y in Suggestion.objects.values_list("year", flat=True).distinct() if y is not None},
        reverse=True,
    )


@dataclass(frozen=True)
class PublicFilter:
    """The public results page's search and filters (公开结果的检索)."""

    q: str = ""
    category_id: int | None = None
    unit_id: int | None = None
    session_id: int | None = None
    year: int | None = None


def _published() -> QuerySet[Suggestion]:
    """What the workflow allows the public to see: a result the office published, while the
    suggestion stands replied or closed (a reply sent back for another round is taken down until
    it is answered again)."""
    return Suggestion.objects.filter(published_at__isnull=False, state__in=PUBLIC_STATES)


def _public_joins(qs: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    return qs.select_related(
        "deputy__person", "category", "session__term", "published_reply__unit"
    ).prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("unit").filter(ended_at__isnull=True),
        ),
        "replies",
    )


def public_results(filters: PublicFilter = PublicFilter()) -> QuerySet[Suggestion]:
    """公开的办理结果: only what staff published, searched and filtered, newest first."""
    qs = _published()
    if filters.q:
        qs = qs.filter(
            Q(title__icontains=filters.q)
            | Q(number__icontains=filters.q)
            | Q(public_summary__icontains=filters.q)
            | Q(deputy__person__name__icontains=filters.q)
        )
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.unit_id:
        qs = qs.filter(
            assignments__unit_id=filters.unit_id,
            assignments__role=Assignment.Role.LEAD,
            assignments__ended_at__isnull=True,
        )
    if filters.session_id:
        qs = qs.filter(session_id=filters.session_id)
    if filters.year:
        qs = qs.filter(year=filters.year)
    return _public_joins(qs).order_by("-published_at", "-id")


def public_result(pk: int) -> Suggestion:
    """One published result (404 when it is not public)."""
    suggestion = (
        _public_joins(_published()).prefetch_related("cosigns__deputy", "commitments").filter(pk=pk).first()
    )
    if suggestion is None:
        raise Http404
    return suggestion


@dataclass(frozen=True)
class PublicChoices:
    """What the public filters offer: only values that published results have."""

    categories: list[tuple[int, str]]
    units: list[tuple[int, str]]
    sessions: list[tuple[int, str]]
    years: list[int]


def public_filter_choices() -> PublicChoices:
    published = _published()
    categories = sorted(set(published.values_list("category_id", "category__name")), key=lambda row: row[1])
    units = sorted(
        set(
            Assignment.objects.filter(
                suggestion__in=published, role=Assignment.Role.LEAD, ended_at__isnull=True
            ).values_list("unit_id", "unit__name")
        ),
        key=lambda row: row[1],
    )
    sessions = [
        (session.pk, f"{session.term.name}{session.short_label}")
        for session in Session.objects.filter(suggestions__in=published)
        .select_related("term")
        .distinct()
        .order_by("-start_date")
    ]
    years = sorted({y for y in published.values_list("year", flat=True) if y}, reverse=True)
    return PublicChoices(categories, units, sessions, years)
