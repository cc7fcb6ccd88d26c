"""Reads for the reviewer assignment (初审人) and a reviewer's queue."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from renda.accounts.models import User
from renda.core.permissions import can, require
from renda.deputies.models import DeputyGroup, GroupReviewer
from renda.deputies.models.archive import ArchiveEntry, ReviewState
from renda.deputies.params import param
from renda.deputies.rules import reviewed_group_ids
from renda.deputies.services.reviewers import REVIEWER_ROLES

S = ReviewState


def groups_with_reviewers(*, actor: User) -> QuerySet[DeputyGroup]:
    """The groups of the current terms, each with its reviewers and the entries awaiting a first review."""
    require(actor, "deputies.manage_reviewers")
    today = timezone.localdate()
    return (
        DeputyGroup.objects.filter(term__is_current=True)
        .select_related("term", "region")
        .prefetch_related(
            Prefetch(
                "reviewers",
                queryset=GroupReviewer.objects.select_related("user__organisation").order_by(
                    "user__real_name"
                ),
            )
        )
        .annotate(
            waiting=Count(
                "deputies__archive_entries",
                filter=Q(
                    deputies__archive_entries__is_automatic=False,
                    deputies__archive_entries__state=S.SUBMITTED,
                    deputies__archive_entries__date__lte=today,
                ),
            )
        )
        .order_by("term__level", "region__code", "name")
    )


def reviewer_candidates(*, actor: User) -> QuerySet[User]:
    """Who may be chosen: active staff and deputies, by name."""
    require(actor, "deputies.manage_reviewers")
    return (
        User.objects.filter(is_active=True, role__in=REVIEWER_ROLES)
        .select_related("organisation")
        .order_by("role", "real_name", "username")
    )


def reviewer_assignment_for(*, actor: User, pk: int) -> GroupReviewer:
    require(actor, "deputies.manage_reviewers")
    return GroupReviewer.objects.select_related("group", "user").get(pk=pk)


def review_queue(*, actor: User) -> tuple[QuerySet[ArchiveEntry], QuerySet[ArchiveEntry]]:
    """待我审核: entries awaiting this actor's first review (their groups') and, for the office, the final.

    Never the actor's own entries. Both querysets are empty for who reviews nothing.
    """
    today = timezone.localdate()
    base = (
        ArchiveEntry.objects.filter(is_automatic=False, date__lte=today)
        .exclude(seat__person__user_id=actor.pk)
        .select_related("seat__person", "seat__group")
        .order_by("date", "id")
    )
    office = can(actor, "deputies.archive_view_all")
    if office:
        first = base.filter(state=S.SUBMITTED)
        final = base.filter(state=S.CHECKED)
    else:
        groups = reviewed_group_ids(actor)
        first = (
            base.filter(
                state=S.SUBMITTED,
                seat__group_id__in=groups,
                seat__term__level__in=param("ARCHIVE_TWO_STEP_LEVELS"),
            )
            if groups
            else base.none()
        )
        final = base.none()
    return first, final
