"""Workbench panels of the budget module: counts and latest imports for the budget committee,
open warning findings, and the latest execution reports — marked new for 30 days after they are
issued (a deputy sees a new report here)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.budget.selectors.query import budget_counts, recent_batches
from renda.budget.selectors.reports import findings_open_by_rule, is_new, ready_reports
from renda.core.audit import label_actions
from renda.core.permissions import can
from renda.core.workbench import Panel, Stat, register

label_actions(
    {
        "budget.report_generate": _("Generate a budget report"),
        "budget.generate_report": _("Generate a budget report"),
        "budget.view_reports": _("View budget reports"),
        "budget.view_summary": _("View the budget summary"),
    }
)


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page of the module not in service in this deployment
        return ""


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
    if can(user, "budget.view_findings"):
        by_rule = findings_open_by_rule(actor=user, year=year)
        findings = _url("budget:findings")
        stats += [
            Stat(_("Open warning findings"), sum(c.open for c in by_rule), findings),
            Stat(_("Red warning findings"), sum(c.red for c in by_rule), findings),
        ]
    todo = None
    if can(user, "budget.view_imports"):
        todo = [
            {
                "label": f"{b.get_kind_display()} {b.year}",
                "url": reverse("budget:import_detail", args=[b.pk]),
                "note": _("%(status)s · %(inserted)s added, %(updated)s changed, %(unchanged)s unchanged")
                % {
                    "status": b.get_status_display(),
                    "inserted": f"{b.inserted:,}",
                    "updated": f"{b.updated:,}",
                    "unchanged": f"{b.unchanged:,}",
                },
            }
            for b in recent_batches(actor=user, limit=5)
        ]
    reports = []
    if can(user, "budget.view_reports"):
        now = timezone.now()
        reports = [
            {"report": r, "url": reverse("budget:report", args=[r.pk]), "new": is_new(r, now)}
            for r in ready_reports(actor=user, limit=3)
        ]
    return [
        Panel(
            title=_("Budget supervision"),
            order=30,
            stats=stats,
            todo=todo,
            empty_text=_("No imports yet."),
            template="budget/reports/panel.html",
            extra={
                "reports": reports,
                "reports_url": _url("budget:reports") if can(user, "budget.view_reports") else "",
                "summary_url": _url("budget:summary") if can(user, "budget.view_summary") else "",
            },
        )
    ]
