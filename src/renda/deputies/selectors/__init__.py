"""Reads on deputies, scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from renda.accounts.models import Organisation, User
from renda.core.permissions import can, require
from renda.deputies.models import Deputy, DeputyGroup, Level, Person, Term
from renda.deputies.params import param
from renda.deputies.selectors.seats import forget_seat, person_of, seat_ids_of, seat_of

__all__ = ["forget_seat", "person_of", "seat_ids_of", "seat_of"]


@dataclass(frozen=True)
class DeputyFilter:
    term_id: int | None = None
    level: str = ""
    group_id: int | None = None
    q: str = ""
    # 现任: by default the serving seats of the current terms; a chosen term shows all its seats.
    former: bool = False
    # 按代表团（组）: only the seats in a delegation or group, listed group by group.
    grouped: bool = False


def current_terms() -> QuerySet[Term]:
    return Term.objects.filter(is_current=True)


def deputies_visible_to(*, actor: User, filters: DeputyFilter | None = None) -> QuerySet[Deputy]:
    """代表名册: staff and admins see every deputy; a deputy sees only their own record."""
    filters = filters or DeputyFilter()
    if can(actor, "deputies.view_deputies"):
        qs = Deputy.objects.all()
    else:
        require(actor, "deputies.view_deputy", seat_of(actor))
        qs = Deputy.objects.filter(person__user=actor)
    if filters.term_id:
        qs = qs.filter(term_id=filters.term_id)
    elif not filters.former:
        qs = qs.filter(term__is_current=True)
    if not filters.former:
        qs = qs.filter(is_active=True)
    if filters.level:
        qs = qs.filter(term__level=filters.level)
    if filters.group_id:
        qs = qs.filter(group_id=filters.group_id)
    if filters.grouped:
        qs = qs.filter(group__isnull=False)
    if filters.q:
        qs = qs.filter(
            Q(person__name__contains=filters.q)
            | Q(number__contains=filters.q)
            | Q(person__workplace__contains=filters.q)
        )
    qs = qs.select_related("person", "term", "group", "region")
    if filters.grouped:
        return qs.order_by("term__level", "group__name", "number")
    return qs.order_by("term__level", "number")


def deputy_counts(*, actor: User) -> dict[str, int]:
    """Serving deputies of the current terms, by level, and their groups."""
    require(actor, "deputies.view_deputies")
    by_level = dict(
        Deputy.objects.filter(term__is_current=True, is_active=True)
        .values("term__level")
        .annotate(n=Count("id"))
        .values_list("term__level", "n")
    )
    return {
        "county": by_level.get(Level.COUNTY, 0),
        "town": by_level.get(Level.TOWN, 0),
        "groups": Term.objects.filter(is_current=True).aggregate(n=Count("groups"))["n"] or 0,
    }


def person_history(*, actor: User, person: Person) -> list[Deputy]:
    """一人的履职经历: every seat the person held, latest term first."""
    seats = list(
        Deputy.objects.filter(person=person)
        .select_related("person", "term", "group", "region")
        .order_by("-term__start_date", "term__level")
    )
    if not can(actor, "deputies.view_deputies"):
        require(actor, "deputies.view_deputy", seats[0] if seats else None)
    return seats


def groups_for(*, actor: User, term_id: int | None = None) -> QuerySet[DeputyGroup]:
    """The groups a roster filter offers: of the chosen term, else of the current terms."""
    require(actor, "deputies.view_deputies")
    qs = DeputyGroup.objects.select_related("term")
    return qs.filter(term_id=term_id) if term_id else qs.filter(term__is_current=True)


def affairs_offices() -> list[Organisation]:
    """代表工委: the office(s) a deputy asks about their account and record (see params)."""
    codes = param("AFFAIRS_OFFICE_CODES")
    words = param("AFFAIRS_OFFICE_WORDS")
    q = Q(code__in=codes)
    for word in words:
        q |= Q(name__contains=word)
    return list(
        Organisation.objects.filter(q, is_active=True, kind=Organisation.Kind.CONGRESS).order_by("code")
    )
