"""Reads of the liaison module: the public portal's pages and the work lists, scoped to the actor."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from renda.accounts.models import Region
from renda.core.permissions import require
from renda.core.roles import Role
from renda.deputies.models import Deputy
from renda.liaison.models import (
    CODE_ALPHABET,
    OPEN_STATES,
    Appointment,
    Opinion,
    OpinionAttachment,
    ReceptionDay,
    Station,
    normalise_code,
)
from renda.liaison.rules import managed_station_ids, own_deputy

State = Opinion.State

# --- the public portal ---------------------------------------------------------------------------


def public_stations() -> QuerySet[Station]:
    """Open stations with their town, ordered by town (the home first in its town)."""
    return (
        Station.objects.filter(is_active=True)
        .select_related("region")
        .annotate(deputy_count=Count("deputies", filter=Q(deputies__is_active=True), distinct=True))
        .order_by("region__code", "kind", "code")
    )


def stations_by_town() -> list[tuple[Region, list[Station]]]:
    groups: dict[int, tuple[Region, list[Station]]] = {}
    for station in public_stations():
        groups.setdefault(station.region_id, (station.region, []))[1].append(station)
    return list(groups.values())


def public_station(code: str) -> Station:
    return (
        Station.objects.filter(is_active=True)
        .select_related("region")
        .prefetch_related(
            Prefetch(
                "deputies",
                queryset=Deputy.objects.filter(is_active=True).select_related("person", "term", "group"),
            )
        )
        .get(code=code)
    )


def upcoming_reception_days(
    *,
    station: Station | None = None,
    town: Region | None = None,
    start: dt.date | None = None,
    days: int = 92,
) -> QuerySet[ReceptionDay]:
    """Published reception days from ``start`` (today) for ``days`` days, with slots left."""
    start = start or timezone.localdate()
    qs = ReceptionDay.objects.filter(
        status=ReceptionDay.Status.PUBLISHED, date__gte=start, date__lte=start + dt.timedelta(days=days)
    )
    if station is not None:
        qs = qs.filter(station=station)
    if town is not None:
        qs = qs.filter(station__region=town)
    return (
        qs.select_related("station", "station__region")
        .prefetch_related("deputies")
        .annotate(
            taken=Count(
                "appointments",
                filter=Q(appointments__state__in=(Appointment.State.PENDING, Appointment.State.CONFIRMED)),
            )
        )
        .order_by("date", "start_time", "station__code")
    )


def bookable_reception_day(pk: int) -> ReceptionDay | None:
    return (
        ReceptionDay.objects.filter(
            pk=pk, status=ReceptionDay.Status.PUBLISHED, date__gte=timezone.localdate()
        )
        .select_related("station")
        .prefetch_related("deputies")
        .first()
    )


def published_opinions(*, station: Station | None = None) -> QuerySet[Opinion]:
    qs = Opinion.objects.filter(publication=Opinion.Publication.PUBLISHED)
    if station is not None:
        qs = qs.filter(station=station)
    return qs.select_related("station", "town").order_by("-published_at", "-pk")


@dataclass
class StationStats:
    station: Station
    received: int = 0
    handled: int = 0
    answered: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    median_days: float | None = None

    @property
    def on_time_share(self) -> int | None:
        return round(100 * self.on_time / self.answered) if self.answered else None

    @property
    def satisfaction_share(self) -> int | None:
        return round(100 * self.satisfied / self.rated) if self.rated else None


def station_statistics(*, since: dt.date | None = None) -> list[StationStats]:
    """Per station: received, handled, share answered in time, median working days, satisfaction.

    Two queries whatever the number of stations: one aggregate, one list of answer times.
    """
    opinions = Opinion.objects.exclude(state=State.MERGED)
    if since is not None:
        opinions = opinions.filter(submitted_on__gte=since)
    answered_states = (State.ANSWERED, State.CLOSED)
    stations = list(
        Station.objects.filter(is_active=True)
        .select_related("region")
        .annotate(
            received=Count("opinions", filter=Q(opinions__in=opinions)),
            handled=Count(
                "opinions",
                filter=Q(opinions__in=opinions, opinions__state__in=(*answered_states, State.REJECTED)),
            ),
            answered=Count("opinions", filter=Q(opinions__in=opinions, opinions__answered_at__isnull=False)),
            on_time=Count("opinions", filter=Q(opinions__in=opinions, opinions__answered_on_time=True)),
            rated=Count("opinions", filter=Q(opinions__in=opinions) & ~Q(opinions__satisfaction="")),
            satisfied=Count(
                "opinions",
                filter=Q(opinions__in=opinions, opinions__satisfaction=Opinion.Satisfaction.SATISFIED),
            ),
        )
        .order_by("region__code", "kind", "code")
    )
    days: dict[int, list[int]] = defaultdict(list)
    for station_id, value in opinions.filter(working_days_to_answer__isnull=False).values_list(
        "station_id", "working_days_to_answer"
    ):
        if value is not None:
            days[station_id].append(value)
    result = []
    for s in stations:
        stats = StationStats(
            station=s,
            received=s.received,  # type: ignore[attr-defined]
            handled=s.handled,  # type: ignore[attr-defined]
            answered=s.answered,  # type: ignore[attr-defined]
            on_time=s.on_time,  # type: ignore[attr-defined]
            rated=s.rated,  # type: ignore[attr-defined]
            satisfied=s.satisfied,  # type: ignore[attr-defined]
        )
        if days[s.pk]:
            stats.median_days = statistics.median(days[s.pk])
        result.append(stats)
    return result


def followed_item(*, code: str, phone_last4: str) -> Opinion | Appointment | None:
    """The opinion or appointment with this code whose phone ends with these four digits, or None.

    A wrong code and a wrong phone give the same None: nothing tells which one was wrong.
    """
    code = normalise_code(code)
    last4 = "".join(ch for ch in phone_last4 if ch.isascii() and ch.isdigit())
    if len(code) < 12 or len(last4) != 4:
        return None
    opinion = (
        Opinion.objects.filter(code=code)
        .select_related("station", "deputy__person", "department", "merged_into")
        .prefetch_related("events")
        .first()
    )
    if opinion is not None:
        return opinion if opinion.phone.endswith(last4) else None
    appointment = (
        Appointment.objects.filter(code=code).select_related("reception_day__station", "opinion").first()
    )
    if appointment is not None and appointment.phone.endswith(last4):
        return appointment
    return None


# --- the work lists -----------------------------------------------------------------------------


def opinion_scope(actor: Any) -> Q:
    """What ``actor`` may see: their stations', their own (deputy), their department's."""
    if actor is None or not actor.is_authenticated:
        return Q(pk__in=[])
    if actor.role == Role.STAFF:
        return Q(station_id__in=managed_station_ids(actor))
    if actor.role == Role.DEPUTY:
        deputy = own_deputy(actor)
        if deputy is None:
            return Q(pk__in=[])
        from renda.deputies.selectors import seat_ids_of
        from renda.liaison.rules import deputy_station_ids

        return Q(deputy_id__in=seat_ids_of(actor)) | Q(station_id__in=deputy_station_ids(actor))
    if actor.role == Role.UNIT_HANDLER and actor.organisation_id:
        return Q(department_id=actor.organisation_id)
    return Q(pk__in=[])


@dataclass
class OpinionFilter:
    state: str = ""
    station: int | None = None
    overdue: bool = False
    dissatisfied: bool = False  # 不满意 at least once (sent back, or closed unsatisfied)
    q: str = ""
    view: str = ""  # "open" | "done" | "in_hand" | "answered" | "" (the inbox's tabs and tiles)
    category: str = ""
    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None


# A search of at least this many code characters (``CODE_ALPHABET``) also finds codes containing them.
PARTIAL_CODE_MIN = 4


def opinions_visible_to(*, actor: Any, filters: OpinionFilter | None = None) -> QuerySet[Opinion]:
    require(actor, "liaison.view_work")
    filters = filters or OpinionFilter()
    qs = Opinion.objects.filter(opinion_scope(actor))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.view == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif filters.view == "done":
        qs = qs.exclude(state__in=OPEN_STATES)
    elif filters.view == "in_hand":
        qs = qs.filter(state__in=IN_HAND_STATES)
    elif filters.view == "answered":
        qs = qs.filter(state__in=ANSWERED_STATES)
    if filters.station:
        qs = qs.filter(station_id=filters.station)
    if filters.overdue:
        qs = qs.filter(state__in=OPEN_STATES, deadline__lt=timezone.localdate())
    if filters.dissatisfied:
        qs = qs.filter(dissatisfied_at__isnull=False)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.submitted_from:
        qs = qs.filter(submitted_on__gte=filters.submitted_from)
    if filters.submitted_to:
        qs = qs.filter(submitted_on__lte=filters.submitted_to)
    if filters.q:
        qs = qs.filter(Q(content__icontains=filters.q) | _code_matches(filters.q))
    return qs.select_related("station", "deputy__person", "department", "town").order_by(
        "deadline", "-created_at"
    )


def _code_matches(text: str) -> Q:
    """A tracking code as people type it: whole or in part (``7D`` at its end, ``Y3M6-E8``), with or
    without the dashes, in small letters; the 14 characters whole always match."""
    code = normalise_code(text)
    if not code or any(ch not in CODE_ALPHABET for ch in code):
        return Q(pk__in=[])
    if len(code) >= PARTIAL_CODE_MIN:
        return Q(code__contains=code)
    return Q(code=code)


def inbox_stations(*, actor: Any) -> QuerySet[Station]:
    """The stations whose opinions ``actor`` sees (the inbox's station filter)."""
    seen = Opinion.objects.filter(opinion_scope(actor)).values("station_id")
    return Station.objects.filter(pk__in=seen).select_related("region").order_by("region__code", "code")


def opinion_for(*, actor: Any, pk: int) -> Opinion:
    opinion = (
        Opinion.objects.select_related(
            "station", "deputy__person__user", "department", "town", "merged_into", "possible_duplicate_of"
        )
        .prefetch_related("events__actor__organisation", "attachments")
        .get(pk=pk)
    )
    require(actor, "liaison.view_opinion", opinion)
    return opinion


def attachment_for(*, actor: Any, pk: int) -> OpinionAttachment:
    item = OpinionAttachment.objects.select_related("opinion").get(pk=pk)
    require(actor, "liaison.view_opinion", item.opinion)
    return item


def merge_candidates(*, actor: Any, opinion: Opinion) -> QuerySet[Opinion]:
    """Earlier opinions of the same station the actor sees, that this one may be merged into."""
    return (
        Opinion.objects.filter(
            opinion_scope(actor), station=opinion.station, created_at__lt=opinion.created_at
        )
        .exclude(state=State.MERGED)
        .order_by("-created_at")[:50]
    )


def moderation_queue(*, actor: Any) -> QuerySet[Opinion]:
    require(actor, "liaison.view_work")
    return (
        Opinion.objects.filter(
            Q(station_id__in=managed_station_ids(actor)), publication=Opinion.Publication.QUEUED
        )
        .select_related("station")
        .order_by("answered_at")
    )


def managed_stations(*, actor: Any) -> QuerySet[Station]:
    return Station.objects.filter(pk__in=managed_station_ids(actor)).select_related("region")


def reception_days_for(*, actor: Any, include_past: bool = False) -> QuerySet[ReceptionDay]:
    require(actor, "liaison.view_work")
    qs = ReceptionDay.objects.filter(station_id__in=managed_station_ids(actor))
    if not include_past:
        qs = qs.filter(date__gte=timezone.localdate() - dt.timedelta(days=7))
    return (
        qs.select_related("station")
        .prefetch_related("deputies")
        .annotate(
            booked=Count("appointments"),
            pending=Count("appointments", filter=Q(appointments__state=Appointment.State.PENDING)),
        )
        .order_by("date", "start_time")
    )


def appointments_visible_to(*, actor: Any, state: str = "") -> QuerySet[Appointment]:
    require(actor, "liaison.view_work")
    qs = Appointment.objects.filter(reception_day__station_id__in=managed_station_ids(actor))
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("reception_day", "reception_day__station").order_by(
        "reception_day__date", "confirmed_time", "created_at"
    )


def appointment_for(*, actor: Any, pk: int) -> Appointment:
    appointment = (
        Appointment.objects.select_related("reception_day__station", "opinion")
        .prefetch_related("events__actor__organisation")
        .get(pk=pk)
    )
    require(actor, "liaison.handle_appointment", appointment)
    return appointment


IN_HAND_STATES = (State.ACCEPTED, State.REFERRED, State.PROCESSING)
ANSWERED_STATES = (State.ANSWERED, State.CLOSED)


def work_counts(*, actor: Any) -> dict[str, int]:
    """The actor's inbox in numbers (one query): to accept, in hand, overdue, answered, not satisfied,
    to moderate."""
    today = timezone.localdate()
    counts = Opinion.objects.filter(opinion_scope(actor)).aggregate(
        pending=Count("pk", filter=Q(state=State.PENDING)),
        referred=Count("pk", filter=Q(state=State.REFERRED)),
        in_hand=Count("pk", filter=Q(state__in=IN_HAND_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=today)),
        answered=Count("pk", filter=Q(state__in=ANSWERED_STATES)),
        dissatisfied=Count("pk", filter=Q(dissatisfied_at__isnull=False)),
        to_moderate=Count(
            "pk",
            filter=Q(publication=Opinion.Publication.QUEUED, station_id__in=managed_station_ids(actor)),
        ),
    )
    return counts


def deputy_opinion_counts(
    *, deputies: QuerySet[Deputy] | None = None, year: int | None = None
) -> dict[int, dict[str, int]]:
    """For the performance archive (履职档案): per deputy, opinions addressed to them, answered,
    answered by them directly, and reception days on duty. One query each, whatever the number."""
    opinions = Opinion.objects.exclude(deputy__isnull=True).exclude(state=State.MERGED)
    days = ReceptionDay.objects.filter(status=ReceptionDay.Status.PUBLISHED)
    if year is not None:
        opinions = opinions.filter(submitted_on__year=year)
        days = days.filter(date__year=year)
    if deputies is not None:
        opinions = opinions.filter(deputy__in=deputies)
        days = days.filter(deputies__in=deputies)
    result: dict[int, dict[str, int]] = defaultdict(
        lambda: {"opinions": 0, "answered": 0, "answered_directly": 0, "reception_days": 0}
    )
    for row in opinions.values("deputy_id").annotate(
        n=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        direct=Count("pk", filter=Q(answered_by_deputy=True, answered_at__isnull=False)),
    ):
        entry = result[row["deputy_id"]]
        entry["opinions"], entry["answered"], entry["answered_directly"] = (
            row["n"],
            row["answered"],
            row["direct"],
        )
    for deputy_id, n in days.values_list("deputies").annotate(n=Count("pk", distinct=True)):
        if deputy_id is not None:
            result[deputy_id]["reception_days"] = n
    return dict(result)


def register_station_invitees() -> None:
    """Offer the deputies module's activities "a station's deputies" as one choice of invitees
    (the deputies module is below liaison and cannot read stations itself)."""
    from renda.deputies.services.activities import InviteeSource, register_invitee_source

    def choices() -> list[tuple[int, str]]:
        return list(
            Station.objects.filter(is_active=True).order_by("region__code", "code").values_list("pk", "name")
        )

    def deputies(station_id: int) -> QuerySet[Deputy]:
        return Deputy.objects.filter(stations__pk=station_id, is_active=True)

    register_invitee_source(
        InviteeSource("station", gettext_lazy("A liaison station's deputies"), choices, deputies)
    )
