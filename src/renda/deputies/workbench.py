"""Workbench panels of the deputies module: the roster for staff, the own record for a deputy."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Role
from renda.core.permissions import can
from renda.core.workbench import Panel, Stat, register
from renda.deputies.selectors import affairs_offices, deputy_counts, person_of, seat_of


@register
def deputies_panels(user) -> list[Panel]:
    if can(user, "deputies.view_deputies") and user.role == Role.STAFF:
        counts = deputy_counts(actor=user)
        url = reverse("deputies:list")
        return [
            Panel(
                title=_("Deputies of the current term"),
                order=20,
                stats=[
                    Stat(_("County deputies"), counts["county"], f"{url}?level=county"),
                    Stat(_("Town deputies"), counts["town"], f"{url}?level=town"),
                    Stat(_("Delegations and groups"), counts["groups"], f"{url}?grouped=1"),
                ],
            )
        ]
    if user.role != Role.DEPUTY:
        return []
    deputy = seat_of(user)
    if deputy is None:
        person = person_of(user)
        return [
            Panel(
                title=_("Your account is not linked to a deputy")
                if person is None
                else _("You hold no serving seat"),
                order=5,
                template="deputies/panels/no_seat.html",
                extra={"person": person, "offices": affairs_offices()},
            )
        ]
    if deputy is not None:
        stations = ", ".join(s.name for s in deputy.stations.all()) or "—"
        return [
            Panel(
                title=_("My deputy record"),
                order=10,
                template="deputies/panels/my_record.html",
                extra={"deputy": deputy, "stations": stations},
            )
        ]
    return []


@register
def archive_review_panels(user) -> list[Panel]:
    """待我审核: a group's reviewer sees the entries awaiting their first review; the office both steps."""
    if user.role not in (Role.STAFF, Role.DEPUTY, Role.ADMIN) or not can(user, "deputies.archive_view_staff"):
        return []
    from renda.deputies.selectors.reviewers import review_queue

    first, final = review_queue(actor=user)
    url = reverse("deputies:archive_review")
    office = can(user, "deputies.archive_view_all")
    waiting = list(first[:5])
    waiting += list(final[: 5 - len(waiting)]) if len(waiting) < 5 else []
    stats = [Stat(_("Awaiting first review"), first.count(), f"{url}?state=submitted")]
    if office:
        stats.append(Stat(_("Awaiting final review"), final.count(), f"{url}?state=checked"))
    return [
        Panel(
            title=_("Archive entries to review"),
            order=15,
            stats=stats,
            todo=[
                {
                    "label": e.title,
                    "url": reverse("deputies:archive_entry", args=[e.pk]),
                    "note": f"{e.seat.name} · {e.date:%Y-%m-%d}",
                }
                for e in waiting
            ],
            empty_text=_("No archive entry awaits your review."),
        )
    ]
