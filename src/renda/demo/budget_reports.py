"""演示数据: the demo year's latest monthly and quarterly execution reports (预算执行分析报告).

``reports_demo(ctx)`` is a demo step that runs after the budget year and its
warnings are loaded, so that the reports list the findings still open. It generates, as the demo
budget committee member (``budget``), the report of the latest month and of the latest quarter of
the demo year that have ended and hold payments — reckoned from the last day of the demo's data
(:data:`renda.demo.budget.DEMO_UNTIL`), so that a partial month is never reported. A report that
already exists for the period is kept: running the seed again adds none.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from renda.budget.models import BudgetReport
from renda.budget.selectors.reports import latest_periods
from renda.budget.services.reports import budget_report_generate
from renda.demo.budget import DEMO_UNTIL, DEMO_YEAR
from renda.demo.county import DemoContext, register_demo_step


@register_demo_step(name="budget.reports", order=320)
def reports_demo(ctx: DemoContext, *, year: int = DEMO_YEAR, data_until: dt.date = DEMO_UNTIL) -> None:
    """Generate the latest month's and quarter's report of ``year`` (files made at once)."""
    actor = ctx.users.get("budget")
    if actor is None:
        ctx.notes.append("预算执行分析报告未生成：缺少演示账号 budget。")
        return
    today = min(timezone.localdate(), data_until)
    periods = latest_periods(year=year, today=today)
    for kind in ("month", "quarter"):
        period = periods.get(kind)
        if period is None:
            continue
        exists = BudgetReport.objects.filter(
            region_code=settings.RENDA_REGION_CODE, year=year, period_kind=kind, period=period.number
        ).exists()
        if not exists:
            budget_report_generate(
                actor=actor, year=year, period_kind=kind, period=period.number, run_now=True
            )
    ctx.count(
        "budget_reports",
        BudgetReport.objects.filter(region_code=settings.RENDA_REGION_CODE, year=year).count(),
        "预算执行分析报告 budget reports",
    )
