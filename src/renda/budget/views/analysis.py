"""Pages of the budget module: 分析 (the analysis dashboards).

One page, one card per dashboard: an ECharts chart drawn from the data embedded with
``json_script`` (``static/renda/budget-charts.js`` draws it, in ECharts' Chinese locale when the
page is Chinese) and the same figures as a table, which is in the HTML so that it reads without
JavaScript. A click on a bar or slice opens the filtered 查询.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renda.budget.selectors import analysis as selectors
from renda.core.forms import StyledForm
from renda.core.permissions import can

THREE_PUBLIC_YEARS = 5  # the three public expenses: the selected year and up to four before it with data


class AnalysisForm(StyledForm):
    year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int)
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.years = years or [dt.date.today().year]
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(y, str(y)) for y in self.years]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year, as_of = data.get("year"), data.get("as_of")
        if year and as_of and as_of.year != year:
            self.add_error("as_of", _("The as-of date must fall within the fiscal year."))
        return data


def _selection(request: HttpRequest) -> tuple[AnalysisForm, int, dt.date]:
    years = selectors.analysis_years(actor=request.user)
    form = AnalysisForm(request.GET or None, years=years)
    year = form.years[0]
    as_of = selectors.default_as_of(year)
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"]
        as_of = form.cleaned_data.get("as_of") or selectors.default_as_of(year)
    if not form.is_bound:
        form = AnalysisForm(initial={"year": year, "as_of": as_of}, years=years)
    return form, year, as_of


def _url(name: str, query: dict[str, str] | None) -> str:
    return f"{reverse(name)}?{urlencode(query)}" if query else ""


def _findings_url(year: int, rule: str, state: str = "") -> str:
    try:
        base = reverse("budget:findings")
    except NoReverseMatch:  # the findings pages are not installed
        return ""
    query = {"year": str(year), "rule": rule, **({"state": state} if state else {})}
    return f"{base}?{urlencode(query)}"


def _s(value: Any) -> str | None:
    """Money and percentages travel as exact decimal strings (the chart formats them)."""
    return None if value is None else str(value)


def _execution_chart(rows: list[selectors.ExecutionRow], progress: Any) -> dict[str, Any]:
    return {
        "kind": "execution",
        "labels": [r.label for r in rows],
        "rate": [_s(r.rate) for r in rows],
        "indicator": [_s(r.indicator) for r in rows],
        "paid": [_s(r.paid) for r in rows],
        "urls": [_url("budget:query", r.query) for r in rows],
        "progress": _s(progress),
        "text": {
            "rate": _("Execution rate (%)"),
            "progress": _("Time progress"),
            "indicator": _("Indicator"),
            "paid": _("Paid"),
        },
    }


@login_required
@never_cache
@require_GET
def analysis(request: HttpRequest) -> HttpResponse:
    """分析: the dashboards of a year as of a date."""
    form, year, as_of = _selection(request)
    actor = request.user
    head = selectors.headline(actor=actor, year=year, as_of=as_of)
    by_department = selectors.execution_by_department(actor=actor, year=year, as_of=as_of)
    by_function = selectors.execution_by_function(actor=actor, year=year, as_of=as_of)
    months = selectors.monthly_payments(actor=actor, year=year, as_of=as_of)
    functions = selectors.structure_by_function(actor=actor, year=year, as_of=as_of)
    econ = selectors.structure_by_econ(actor=actor, year=year, as_of=as_of)
    years_shown = [y for y in form.years if year - THREE_PUBLIC_YEARS < y <= year] or [year]
    three_public = selectors.three_public_by_year(actor=actor, years=years_shown, as_of=as_of)
    payees = selectors.top_payees(actor=actor, year=year, as_of=as_of)
    revenue = selectors.revenue_against_budget(actor=actor, year=year, as_of=as_of)
    debt = selectors.debt_against_limit(actor=actor, year=year, as_of=as_of)
    findings = selectors.findings_by_rule_and_state(actor=actor, year=year)
    states = selectors.finding_states()
    findings_links = can(actor, "budget.view_findings")

    debt_types = list(dict.fromkeys((r.debt_type, r.debt_type_label) for r in debt))
    debt_months = sorted({r.month for r in debt})
    debt_at = {(r.month, r.debt_type): r for r in debt}
    payee_rows = [{"row": p, "url": _url("budget:query", p.query)} for p in payees]
    finding_rows = [
        {
            "row": f,
            "url": _findings_url(year, f.rule_code) if findings_links else "",
            "cells": [
                {
                    "state": s,
                    "n": f.counts[s],
                    "url": _findings_url(year, f.rule_code, s) if findings_links else "",
                }
                for s, _label in states
            ],
        }
        for f in findings
    ]
    charts = {
        "department": _execution_chart(by_department, head.time_progress),
        "function": _execution_chart(by_function, head.time_progress),
        "monthly": {
            "kind": "monthly",
            "labels": [m.label for m in months],
            "amount": [_s(m.amount) for m in months],
            "previous": [_s(m.previous) for m in months],
            "cumulative": [_s(m.cumulative) for m in months],
            "previous_cumulative": [_s(m.previous_cumulative) for m in months],
            "urls": [_url("budget:query", m.query) for m in months],
            "text": {
                "amount": _("%(year)s paid") % {"year": year},
                "previous": _("%(year)s paid") % {"year": year - 1},
                "cumulative": _("%(year)s cumulative") % {"year": year},
                "previous_cumulative": _("%(year)s cumulative") % {"year": year - 1},
                "unit": _("10,000 yuan"),
            },
        },
        "structure_function": {
            "kind": "pie",
            "items": [
                {
                    "name": s.label,
                    "value": _s(s.amount),
                    "share": _s(s.share),
                    "url": _url("budget:query", s.query),
                }
                for s in functions
            ],
            "text": {"series": _("Paid by functional class")},
        },
        "structure_econ": {
            "kind": "treemap",
            "items": [
                {
                    "name": s.label,
                    "value": _s(s.amount),
                    "share": _s(s.share),
                    "url": _url("budget:query", s.query),
                }
                for s in econ
            ],
            "text": {"series": _("Paid by economic class")},
        },
        "three_public": {
            "kind": "stacked",
            "labels": [str(r.year) for r in three_public],
            "series": [
                {
                    "name": str(selectors.THREE_PUBLIC_LABELS[c]),
                    "values": [_s(getattr(r, c)) for r in three_public],
                }
                for c in selectors.THREE_PUBLIC_CATEGORIES
            ],
            "urls": [_url("budget:query", r.query) for r in three_public],
            "text": {"unit": _("10,000 yuan")},
        },
        "payees": {
            "kind": "payees",
            "labels": [p.name for p in payees],
            "amount": [_s(p.amount) for p in payees],
            "urls": [_url("budget:query", p.query) for p in payees],
            "text": {"amount": _("Paid"), "unit": _("10,000 yuan")},
        },
        "revenue": {
            "kind": "revenue",
            "labels": [r.label for r in revenue.rows],
            "budget": [_s(r.budget) for r in revenue.rows],
            "received": [_s(r.received) for r in revenue.rows],
            "rate": [_s(r.rate) for r in revenue.rows],
            "text": {
                "budget": _("Annual budget"),
                "received": _("Revenue received"),
                "rate": _("Collection rate (%)"),
                "unit": _("10,000 yuan"),
            },
        },
        "debt": {
            "kind": "debt",
            "labels": [_("%(year)s-%(month)02d") % {"year": year, "month": m} for m in debt_months],
            "series": [
                {
                    "name": f"{label} {text}",
                    "line": kind,
                    "values": [
                        _s(getattr(debt_at[(m, code)], field)) if (m, code) in debt_at else None
                        for m in debt_months
                    ],
                }
                for code, label in debt_types
                for field, text, kind in (("balance", _("balance"), "solid"), ("limit", _("limit"), "dashed"))
            ],
            "text": {"unit": _("10,000 yuan")},
        },
        "findings": {
            "kind": "stacked",
            "horizontal": True,
            "labels": [f.rule_name for f in findings],
            "series": [
                {
                    "name": label,
                    "values": [str(f.counts[s]) for f in findings],
                    "urls": [_findings_url(year, f.rule_code, s) if findings_links else "" for f in findings],
                }
                for s, label in states
            ],
            "text": {"unit": _("Findings")},
        },
    }
    for chart in charts.values():  # nothing to draw: the card shows its table ("No data.")
        values = chart.get("labels") or chart.get("items") or []
        chart["empty"] = not values
    context = {
        "form": form,
        "year": year,
        "as_of": as_of,
        "head": head,
        "by_department": by_department,
        "by_function": by_function,
        "months": months,
        "functions": functions,
        "econ": econ,
        "three_public": three_public,
        "three_public_labels": [
            str(selectors.THREE_PUBLIC_LABELS[c]) for c in selectors.THREE_PUBLIC_CATEGORIES
        ],
        "payees": payee_rows,
        "revenue": revenue,
        "debt": debt,
        "debt_types": debt_types,
        "findings": finding_rows,
        "states": states,
        "findings_links": findings_links,
        "charts": charts,
    }
    return render(request, "budget/analysis/index.html", context)


urlpatterns: list[URLPattern] = [path("analysis/", analysis, name="analysis")]
