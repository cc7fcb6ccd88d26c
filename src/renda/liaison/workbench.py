"""Workbench panel of the liaison module: the actor's inbox of citizens' opinions."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from renda.core.permissions import can
from renda.core.roles import Role
from renda.core.workbench import Panel, Stat, register
from renda.liaison import selectors


@register
def liaison_panels(user) -> list[Panel]:
    if getattr(user, "role", "") == Role.CITIZEN:
        return [
            Panel(
                title=_("Online deputy homes and stations"),
                order=30,
                todo=[
                    {"label": _("Write an opinion"), "url": reverse("liaison:write")},
                    {"label": _("Book a reception"), "url": reverse("liaison:calendar")},
                    {"label": _("Follow by code"), "url": reverse("liaison:follow")},
                ],
            )
        ]
    if not can(user, "liaison.view_work"):
        return []
    counts = selectors.work_counts(actor=user)
    url = reverse("liaison:work")
    stats = [
        Stat(_("To accept"), counts["pending"], f"{url}?state=pending&view=all"),
        Stat(_("In hand"), counts["in_hand"], f"{url}?view=in_hand"),
        Stat(_("Overdue"), counts["overdue"], f"{url}?view=overdue"),
    ]
    if can(user, "liaison.manage_station"):
        stats.append(Stat(_("To moderate"), counts["to_moderate"], reverse("liaison:moderation")))
    todo = [
        {
            "label": f"{o.code_display} · {o.content[:24]}",
            "url": reverse("liaison:opinion", args=[o.pk]),
            "note": f"{o.get_state_display()} · {o.deadline:%m-%d}" if o.deadline else o.get_state_display(),
        }
        for o in selectors.opinions_visible_to(actor=user, filters=selectors.OpinionFilter(view="open"))[:5]
    ]
    title = _("My opinions inbox") if user.role == Role.DEPUTY else _("Citizens' opinions")
    return [Panel(title=title, order=30, stats=stats, todo=todo, empty_text=_("No open opinion."))]
