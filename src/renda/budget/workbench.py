"""Workbench panels of the budget module: latest imports and counts for the budget committee."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.budget.selectors.query import budget_counts, recent_batches
from renda.core.permissions import can
from renda.core.workbench import Panel, Stat, register


@register
def budget_panels(user) -> list[Panel]:
    if not can(user, "budget.view_budget"):
        return []
    year = timezone.localdate().year
    counts = budget_counts(actor=user, year=year)
    query = reverse("budget:query")
    stats = [
        Stat(_("Budget units"), counts["units"]),
        Stat(_("Indicators this year"), counts["indicators"], f"{query}?year={year}"),
        Stat(_("Payments this year"), counts["payments"], f"{reverse('budget:vouchers')}?year={year}"),
    ]
    todo = None
    if can(user, "budget.view_imports"):
        todo = [
            {
                "label": f"{b.get_kind_display()} {b.year}",
                "url": reverse("budget:import_detail", args=[b.pk]),
                "note": f"{b.get_status_display()} · +{b.inserted} ~{b.updated} ={b.unchanged}",
            }
            for b in recent_batches(actor=user, limit=5)
        ]
    return [
        Panel(
            title=_("Budget supervision"), order=30, stats=stats, todo=todo, empty_text=_("No imports yet.")
        )
    ]
