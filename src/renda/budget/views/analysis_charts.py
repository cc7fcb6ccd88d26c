"""分析的图表数据: turns a :class:`~renda.budget.selectors.analysis.Dashboard` into what the page's
charts draw (``static/renda/budget-charts.js``) and the rows of its tables, with the links of every
bar and slice to the filtered 查询 or findings. Figures travel as exact decimal strings.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from renda.budget.amount_units import ShownUnit, shown_unit
from renda.budget.models import AmountUnit
from renda.budget.selectors import analysis as selectors
from renda.budget.selectors.analysis import Dashboard


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


def finding_rows(d: Dashboard) -> list[dict[str, Any]]:
    """The findings table: a row per rule, a cell per state, each a link when the actor may follow it."""
    year = d.year
    return [
        {
            "row": f,
            "url": _findings_url(year, f.rule_code) if d.findings_links else "",
            "cells": [
                {
                    "state": s,
                    "n": f.counts[s],
                    "url": _findings_url(year, f.rule_code, s) if d.findings_links else "",
                }
                for s, _label in d.states
            ],
        }
        for f in d.findings
    ]


def dashboard_charts(d: Dashboard, *, unit: ShownUnit | None = None) -> dict[str, dict[str, Any]]:
    """Each chart's data by its card's name; ``empty`` where there is nothing to draw. Money axes
    are named in the reader's unit (元 / 万元 / 亿元; the page's ``data-divisor`` scales them)."""
    unit = unit or shown_unit(AmountUnit.WAN)
    year, head, findings, states, findings_links = d.year, d.head, d.findings, d.states, d.findings_links
    by_department, by_function, months = d.by_department, d.by_function, d.months
    functions, econ, three_public, payees, revenue, debt = (
        d.functions,
        d.econ,
        d.three_public,
        d.payees,
        d.revenue,
        d.debt,
    )
    debt_types = list(dict.fromkeys((r.debt_type, r.debt_type_label) for r in debt))
    debt_months = sorted({r.month for r in debt})
    debt_at = {(r.month, r.debt_type): r for r in debt}
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
                "unit": unit.label,
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
            "text": {"unit": unit.label},
        },
        "payees": {
            "kind": "payees",
            "labels": [p.name for p in payees],
            "amount": [_s(p.amount) for p in payees],
            "urls": [_url("budget:query", p.query) for p in payees],
            "text": {"amount": _("Paid"), "unit": unit.label},
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
                "unit": unit.label,
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
            "text": {"unit": unit.label},
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
    return charts


def query_url(query: dict[str, str] | None) -> str:
    """The filtered 查询 a bar, slice or row opens."""
    return _url("budget:query", query)
