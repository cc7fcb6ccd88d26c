"""Whose seat is this user: the seat a deputy acts from now, and every seat they ever held.

A user is linked to one person (``Person.user``); the person holds one seat per term. Other
modules ask here instead of following the relation themselves, so the rule "which seat acts"
lives in one place: the serving seat of a current term, the county congress before a town one.
"""

from __future__ import annotations

from typing import Any

from renda.deputies.models import Deputy, Level, Person

_SEAT = "_deputies_seat"
_SEAT_IDS = "_deputies_seat_ids"
_PERSON = "_deputies_person"


def person_of(user: Any) -> Person | None:
    """The person a user account belongs to, or None (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    if hasattr(user, _PERSON):
        return getattr(user, _PERSON)
    person = Person.objects.filter(user_id=user.pk).first()
    setattr(user, _PERSON, person)
    return person


def seat_of(user: Any) -> Deputy | None:
    """The seat a deputy acts from now (代表身份): serving, in a current term, county first."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    if hasattr(user, _SEAT):
        return getattr(user, _SEAT)
    seats = list(
        Deputy.objects.filter(person__user_id=user.pk, is_active=True, term__is_current=True).select_related(
            "person", "term", "group", "region"
        )
    )
    seats.sort(key=lambda d: (d.term.level != Level.COUNTY, -d.term.start_date.toordinal(), d.pk))
    seat = seats[0] if seats else None
    setattr(user, _SEAT, seat)
    return seat


def seat_ids_of(user: Any) -> frozenset[int]:
    """Every seat the user's person ever held (any term, serving or not)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return frozenset()
    cached = getattr(user, _SEAT_IDS, None)
    if cached is not None:
        return cached
    ids = frozenset(Deputy.objects.filter(person__user_id=user.pk).values_list("pk", flat=True))
    setattr(user, _SEAT_IDS, ids)
    return ids


def forget_seat(user: Any) -> None:
    """Drop what this user object remembers (after linking or unlinking an account)."""
    for name in (_SEAT, _SEAT_IDS, _PERSON):
        if hasattr(user, name):
            delattr(user, name)
