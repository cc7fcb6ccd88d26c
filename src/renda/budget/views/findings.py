"""Pages of the budget module: 预警发现 (findings), their handling, letters and files."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from renda.accounts.http import AuthedRequest
from renda.budget import forms_findings as f
from renda.budget.models import Finding, FindingStep, Inquiry
from renda.budget.selectors import findings as selectors
from renda.budget.selectors.warnings import latest_run, run_notices
from renda.budget.services import findings as services
from renda.budget.views.replies import act_on_finding, file_after_check, visible_or_404
from renda.budget.warning_rules.registry import RULES, rule_name
from renda.budget.workflow import FINDING
from renda.core.params import IntParam, query_params
from renda.core.pdf import pdf_response, render_pdf
from renda.core.permissions import can, require
from renda.core.views.acts import OfferedAct, offered_acts

State = Finding.State
PAGE_SIZE = 30


def _labels(x: Finding) -> dict[str, str]:
    """What the templates call the finding's rule and state."""
    return {"rule": rule_name(x.rule_code), "state": services.state_label(x.state)}


# --- the list -------------------------------------------------------------------------------------


def _run_url() -> str | None:
    """The warning engine's run endpoint, when this deployment has it."""
    try:
        return reverse("budget:warnings_run")
    except NoReverseMatch:
        return None


def _default_as_of(year: int) -> dt.date:
    today = timezone.localdate()
    return min(today, dt.date(year, 12, 31))


@login_required
@never_cache
@require_GET
def findings(request: AuthedRequest) -> HttpResponse:
    """预警发现: the findings, filtered, with each rule's share of false positives."""
    require(request.user, "budget.view_findings")
    years = selectors.finding_years(actor=request.user)
    requested = query_params(request.GET, year=IntParam(min_value=1990, max_value=2100))["year"]
    if requested is not None and requested not in years:
        years = sorted({*years, requested}, reverse=True)  # a year just run, with no findings yet
    form = f.FindingFilterForm(request.GET or None, years=years)
    filters = form.to_filter()
    rows = selectors.findings_visible_to(actor=request.user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = filters.as_query()
    year = filters.year or form.years[0]
    page.object_list = list(page.object_list)
    for x in page.object_list:
        x.labels = _labels(x)  # type: ignore[attr-defined]
    context = {"form": form, "filters": filters, "page": page, "query": urlencode(query), "year": year}
    if getattr(request, "htmx", False):
        return render(request, "budget/findings/list.html#results", context)
    run_url = _run_url() if can(request.user, "budget.run_warnings") else None
    context.update(
        {
            "stats": selectors.findings_rule_stats(actor=request.user, year=year),
            "state_counts": [
                (state, services.state_label(state), n)
                for state, n in selectors.findings_state_counts(actor=request.user, year=year).items()
            ],
            "run_url": run_url,
            "run_as_of": _default_as_of(year),
            "run_notices": (
                run_notices(latest_run(actor=request.user, year=year))
                if can(request.user, "budget.view_warning_rules")
                else []
            ),
        }
    )
    return render(request, "budget/findings/list.html", context)


# --- one finding and its acts ---------------------------------------------------------------------


def _finding(request: AuthedRequest, pk: int) -> Finding:
    return visible_or_404(lambda: selectors.finding_for(actor=request.user, pk=pk), Finding)


def _detail(
    request: AuthedRequest, finding: Finding, forms: list[OfferedAct], *, status: int = 200, failed: str = ""
):
    spec = RULES.get(finding.rule_code)
    finding.labels = _labels(finding)  # type: ignore[attr-defined]
    steps = list(finding.steps.all())
    for step in steps:
        step.labels = {  # type: ignore[attr-defined]
            "from": services.state_label(step.from_state),
            "to": services.state_label(step.to_state),
        }
    evidence = selectors.finding_evidence(actor=request.user, finding=finding)
    context = {
        "x": finding,
        "spec": spec,
        "rule_name": spec.name if spec else finding.rule_code,
        "evidence": evidence,
        "steps": steps,
        "inquiries": list(finding.inquiries.all()),
        "forms": forms,
        "failed": failed,
        "unit_query": urlencode({"year": finding.year, "unit": finding.unit_code})
        if finding.unit_code
        else "",
    }
    return render(request, "budget/findings/detail.html", context, status=status)


@login_required
@never_cache
@require_GET
def finding(request: AuthedRequest, pk: int) -> HttpResponse:
    x = _finding(request, pk)
    return _detail(request, x, offered_acts(request, FINDING, x))


@login_required
@require_POST
def finding_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    x = _finding(request, pk)
    require(request.user, "budget.act_on_finding", x)
    return act_on_finding(
        request,
        x,
        action,
        reload=lambda: _finding(request, pk),
        done=reverse("budget:finding", args=[pk]),
        failed_page=lambda offered, failed: _detail(request, _finding(request, pk), offered, failed=failed),
    )


# --- letters and files ----------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def finding_letter(request: AuthedRequest, pk: int) -> HttpResponse:
    """函询函 (PDF), with the Chinese fonts embedded."""
    inquiry = visible_or_404(lambda: selectors.inquiry_for(actor=request.user, pk=pk), Inquiry)
    pdf = render_pdf(
        "budget/findings/pdf/inquiry_letter.html",
        {
            "inquiry": inquiry,
            "finding": inquiry.finding,
            "title": services.letter_title(inquiry.finding),
            "rule_name": rule_name(inquiry.finding.rule_code),
            "committee": services.committee_name(),
            "sent_on": timezone.localtime(inquiry.sent_at).date(),
        },
    )
    return pdf_response(
        pdf, filename=f"函询函-{inquiry.number}.pdf", fallback=f"inquiry-{inquiry.pk}.pdf", inline=True
    )


@login_required
@never_cache
@require_GET
def finding_reply_file(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The unit's scanned reply letter (复函扫描件)."""
    return file_after_check(
        lambda: selectors.inquiry_for(actor=request.user, pk=pk),
        Inquiry,
        lambda inquiry: (inquiry.reply_file, inquiry.reply_file_name or "reply"),
    )


@login_required
@never_cache
@require_GET
def finding_step_file(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A file attached to a step of the history (an explanation, a closing document)."""
    return file_after_check(
        lambda: selectors.step_for(actor=request.user, pk=pk),
        FindingStep,
        lambda step: (step.attachment, step.attachment_name or "file"),
    )


urlpatterns: list[URLPattern] = [
    path("findings/", findings, name="findings"),
    path("findings/<int:pk>/", finding, name="finding"),
    path("findings/<int:pk>/act/<slug:action>/", finding_act, name="finding_act"),
    path("findings/letters/<int:pk>/", finding_letter, name="finding_letter"),
    path("findings/letters/<int:pk>/reply/", finding_reply_file, name="finding_reply_file"),
    path("findings/steps/<int:pk>/file/", finding_step_file, name="finding_step_file"),
]
