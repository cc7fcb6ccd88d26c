"""Pages of the budget module: 服务 — execution reports (list, generate, detail, downloads) and the
deputies' read-only summary."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from renda.accounts.http import AuthedRequest
from renda.budget.forms_reports import ReportForm
from renda.budget.models import BudgetReport
from renda.budget.selectors.reading import reader_amount_unit
from renda.budget.selectors.reports import (
    latest_periods,
    report_for,
    report_state,
    report_tables,
    report_years,
    reports_visible,
    summary,
    summary_years,
)
from renda.budget.services.reports import budget_report_generate, report_filename
from renda.core.excel import XLSX_CONTENT_TYPE, content_disposition
from renda.core.params import ChoiceParam, query_params
from renda.core.permissions import can, require


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def reports(request: AuthedRequest) -> HttpResponseBase:
    """报告: the reports issued, newest first; budget staff generate one for a finished period."""
    listed = list(reports_visible(actor=request.user)[:100])
    years = report_years(actor=request.user)
    form = None
    if can(request.user, "budget.generate_report"):
        latest = latest_periods(year=years[0]).get("quarter") if years else None
        form = ReportForm(request.POST or None, years=years, initial_period=latest)
        if request.method == "POST" and form.is_valid():
            kind, number = form.period_parts()
            try:
                report = budget_report_generate(
                    actor=request.user, year=form.cleaned_data["year"], period_kind=kind, period=number
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The report is being generated."))
                return redirect("budget:report", pk=report.pk)
    elif request.method == "POST":  # refused by the service, so that the refusal is audited
        budget_report_generate(actor=request.user, year=0, period_kind="", period=0)
    rows = [{"report": r, "state": report_state(r)} for r in listed]
    status = 400 if form is not None and form.errors else 200
    return render(
        request, "budget/reports/list.html", {"rows": rows, "form": form, "years": years}, status=status
    )


def _report(request: AuthedRequest, pk: int) -> BudgetReport:
    try:
        return report_for(actor=request.user, pk=pk)
    except BudgetReport.DoesNotExist:
        raise Http404 from None


@login_required
@never_cache
@require_GET
def report(request: AuthedRequest, pk: int) -> HttpResponse:
    """One report: its headline figures and its tables as issued (read from its workbook)."""
    item = _report(request, pk)
    state = report_state(item)
    context = {"report": item, "state": state, "figures": item.figures}
    if request.htmx and request.GET.get("part") == "status":
        response = render(request, "budget/reports/detail.html#status", context)
        if state != "pending":  # made (or failed) meanwhile: show the whole page with its tables
            response["HX-Refresh"] = "true"
        return response
    context["tables"] = (
        report_tables(item, unit=reader_amount_unit(actor=request.user)) if state == "ready" else []
    )
    return render(request, "budget/reports/detail.html", context)


def _download(request: AuthedRequest, pk: int, kind: str) -> HttpResponseBase:
    item = _report(request, pk)
    stored = item.excel_file if kind == "xlsx" else item.pdf_file
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename, fallback = report_filename(item, kind)
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE if kind == "xlsx" else "application/pdf")
    response["Content-Disposition"] = content_disposition(filename, fallback)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@never_cache
@require_GET
def report_excel(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The report's workbook, only after the permission check (never from a media URL)."""
    return _download(request, pk, "xlsx")


@login_required
@never_cache
@require_GET
def report_pdf(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The report's PDF, only after the permission check (never from a media URL)."""
    return _download(request, pk, "pdf")


@login_required
@never_cache
@require_GET
def summary_page(request: AuthedRequest) -> HttpResponse:
    """代表预算监督概览: the year's headline, 主管部门 ahead and behind, open findings by rule and the
    latest reports — aggregates only."""
    require(request.user, "budget.view_summary")
    years = summary_years(actor=request.user)
    year = query_params(request.GET, year=ChoiceParam(years, coerce=int, default=years[0] if years else 0))[
        "year"
    ]
    data = summary(actor=request.user, year=year) if year else None
    return render(request, "budget/reports/summary.html", {"data": data, "years": years, "year": year})


urlpatterns: list[URLPattern] = [
    path("reports/", reports, name="reports"),
    path("reports/<int:pk>/", report, name="report"),
    path("reports/<int:pk>/excel/", report_excel, name="report_excel"),
    path("reports/<int:pk>/pdf/", report_pdf, name="report_pdf"),
    path("summary/", summary_page, name="summary"),
]
