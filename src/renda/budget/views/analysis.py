"""Pages of the budget module: 分析 (the analysis dashboards).

One page, one card per dashboard: an ECharts chart drawn from the data embedded with
``json_script`` (``static/renda/budget-charts.js`` draws it, in ECharts' Chinese locale when the
page is Chinese) and the same figures as a table, which is in the HTML so that it reads without
JavaScript. A click on a bar or slice opens the filtered 查询.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renda.accounts.http import AuthedRequest
from renda.budget.selectors import analysis as selectors
from renda.budget.selectors.reading import reader_amount_unit
from renda.budget.views import analysis_charts as charts
from renda.core.forms import StyledForm


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


def _selection(request: AuthedRequest) -> tuple[AnalysisForm, int, dt.date]:
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


@login_required
@never_cache
@require_GET
def analysis(request: AuthedRequest) -> HttpResponse:
    """分析: the dashboards of a year as of a date."""
    form, year, as_of = _selection(request)
    d = selectors.analysis_dashboard(actor=request.user, year=year, as_of=as_of, years=form.years)
    debt_types = list(dict.fromkeys((r.debt_type, r.debt_type_label) for r in d.debt))
    context = {
        "form": form,
        "year": year,
        "as_of": as_of,
        "head": d.head,
        "by_department": d.by_department,
        "by_function": d.by_function,
        "months": d.months,
        "functions": d.functions,
        "econ": d.econ,
        "three_public": d.three_public,
        "three_public_labels": [
            str(selectors.THREE_PUBLIC_LABELS[c]) for c in selectors.THREE_PUBLIC_CATEGORIES
        ],
        "payees": [{"row": p, "url": charts.query_url(p.query)} for p in d.payees],
        "revenue": d.revenue,
        "debt": d.debt,
        "debt_types": debt_types,
        "findings": charts.finding_rows(d),
        "states": d.states,
        "findings_links": d.findings_links,
        "charts": charts.dashboard_charts(d, unit=reader_amount_unit(actor=request.user)),
    }
    return render(request, "budget/analysis/index.html", context)


urlpatterns: list[URLPattern] = [path("analysis/", analysis, name="analysis")]
