"""Workbench panels of the budget module: counts and latest imports for the budget committee,
the findings to verify, the replies to review and the inquiry letters due or overdue (in working
days), and the latest execution reports — marked new for 30 days after they are issued (a deputy
sees a new report here); for a unit clerk, the letters their unit is to answer."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.budget.models import Finding
from renda.budget.selectors.findings import finding_years, findings_state_counts
from renda.budget.selectors.inquiries import InquiryRow, inquiries_due, inquiries_of_own_unit
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


State = Finding.State


def _letter_row(row: InquiryRow) -> dict[str, str]:
    q = row.inquiry
    return {
        "label": f"{q.number} {q.recipient}",
        "url": reverse("budget:inquiry", args=[q.pk]),
        "note": row.due_text or row.status_label,
        "kind": "overdue" if row.overdue else "soon" if row.due_soon else "",
    }


@register
def budget_inquiry_panels(user) -> list[Panel]:
    """The unit clerk's panel: the budget committee's letters to answer, with their deadlines."""
    if not can(user, "budget.view_own_inquiries"):
        return []
    rows = inquiries_of_own_unit(actor=user)
    letters = reverse("budget:inquiries")
    open_rows = [r for r in rows if r.open]
    return [
        Panel(
            title=_("Budget inquiry letters"),
            order=5 if open_rows else 35,  # a letter to answer comes first
            stats=[
                Stat(_("Letters to answer"), len(open_rows), f"{letters}?due=open"),
                Stat(_("Overdue"), sum(1 for r in open_rows if r.overdue), f"{letters}?due=overdue"),
                Stat(_("Replies under review"), sum(1 for r in rows if r.status == "review"), letters),
            ],
            todo=[_letter_row(r) for r in open_rows],
            empty_text=_("No letter awaits your reply."),
            template="budget/inquiries/panel.html",
        )
    ]


@register
def budget_panels(user) -> list[Panel]:
    if not can(user, "budget.view_budget"):
        return []
    year = timezone.localdate().year
    counts = budget_counts(actor=user, year=year)
    query = reverse("budget:query")
    stats = [
        Stat(_("Budget units"), counts["units"], f"{query}?year={year}&group=unit"),
        Stat(_("Indicators this year"), counts["indicators"], f"{query}?year={year}"),
        Stat(_("Payments this year"), counts["payments"], f"{reverse('budget:vouchers')}?year={year}"),
    ]
    due_rows: list[dict[str, str]] = []
    if can(user, "budget.view_findings"):
        findings = _url("budget:findings")
        # The findings' own year: the latest with findings (last year's, early in a new year).
        finding_year = next(iter(finding_years(actor=user)), year)
        by_rule = findings_open_by_rule(actor=user, year=finding_year)
        state = findings_state_counts(actor=user, year=finding_year)
        listed = f"{findings}?year={finding_year}"
        stats += [
            Stat(_("Open warning findings"), sum(c.open for c in by_rule), listed),
            Stat(_("Red warning findings"), sum(c.red for c in by_rule), f"{listed}&severity=red"),
            Stat(_("Findings to verify"), state[State.NEW], f"{listed}&state={State.NEW}"),
            Stat(_("Being verified"), state[State.VERIFYING], f"{listed}&state={State.VERIFYING}"),
            Stat(_("Replies to review"), state[State.REPLIED], f"{listed}&state={State.REPLIED}"),
        ]
        due = inquiries_due(actor=user)
        letters = _url("budget:inquiries")
        stats += [
            Stat(_("Inquiries due soon"), sum(1 for r in due if r.due_soon), f"{letters}?due=soon"),
            Stat(_("Inquiries overdue"), sum(1 for r in due if r.overdue), f"{letters}?due=overdue"),
        ]
        due_rows = [_letter_row(r) for r in due]
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
                "due_letters": due_rows,
            },
        )
    ]
