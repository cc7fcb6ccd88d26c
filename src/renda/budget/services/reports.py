"""服务: the budget execution analysis report (预算执行分析报告), issued as Excel and PDF.

A report is generated on demand for a finished month, quarter or half-year: the figures of the
year to the period's last day (as the analysis dashboards compute them), the period's own
payments beside the same months of the previous year, the tables and charts, and the findings
still open. Both files are kept with the report row and served only through permission-checked
views. The documents are written in Chinese.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from renda.accounts.models import User
from renda.budget import report_charts as charts
from renda.budget.models import BudgetReport
from renda.budget.selectors.reports import (
    PERIOD_COUNT,
    WORKBOOK_UNIT_NOTE,
    ReportData,
    ReportPeriod,
    last_payment_date,
    report_data,
    report_period,
    year_has_data,
)
from renda.core.audit import audit
from renda.core.excel import append_row, new_workbook
from renda.core.permissions import PermissionRefused, require, service

DOCUMENT_LANGUAGE = "zh-hans"
PDF_FINDINGS = 100  # open findings listed in the PDF; the Excel lists them all
CHART_ROWS = 20  # bars in a chart of departments or classes
WAN = Decimal(10000)
CENT = Decimal("0.01")


def check_period(*, year: int, period_kind: str, period: int, today: dt.date | None = None) -> ReportPeriod:
    """The report period if a report can be made for it now; else a ValidationError saying why."""
    today = today or timezone.localdate()
    try:
        wanted = report_period(year=year, kind=period_kind, number=period)
    except ValueError as exc:
        reason = str(exc)
        if reason == "kind":
            message = _("Choose a month, a quarter or a half-year.")
        elif reason == "year":
            message = _("Give a fiscal year such as %(year)s.") % {"year": today.year}
        elif period_kind == "month":
            message = _("A month is numbered 1 to 12.")
        elif period_kind == "quarter":
            message = _("A quarter is numbered 1 to 4.")
        else:
            message = _("A half-year is 1 (the first) or 2 (the second).")
        raise ValidationError(message, code=f"period_{reason}") from None
    if wanted.end >= today:
        raise ValidationError(
            _("%(period)s has not ended yet (it ends on %(end)s): a report covers a finished period.")
            % {"period": wanted.name, "end": wanted.end.isoformat()},
            code="period_not_ended",
        )
    if not year_has_data(year):
        raise ValidationError(
            _("There are no budget data of %(year)s.") % {"year": year}, code="period_no_data"
        )
    last = last_payment_date(year)
    if last is None or last < wanted.start:
        raise ValidationError(
            _("The payments of %(year)s run to %(last)s: there are none in %(period)s yet.")
            % {"year": year, "last": last.isoformat() if last else "—", "period": wanted.name},
            code="period_beyond_data",
        )
    return wanted


@service
def budget_report_generate(
    *, actor: User, year: int, period_kind: str, period: int, run_now: bool = False
) -> BudgetReport:
    """生成报告: the report of ``period`` (month 1–12, quarter 1–4, half 1–2) of ``year``; audited.

    Its figures and files are made in the background (a few seconds on a county's year), once the
    request has committed; ``run_now`` makes them at once instead (the demo seed, the command line).
    """
    require(actor, "budget.generate_report")
    wanted = check_period(year=year, period_kind=period_kind, period=period)
    report = BudgetReport.objects.create(
        year=year,
        period_kind=period_kind,
        period=period,
        period_end=wanted.end,
        title=wanted.title,
        figures={},
        created_by=actor,
    )
    audit(
        actor,
        "budget.report_generate",
        report,
        after={"title": report.title, "year": year, "period_kind": period_kind, "period": period},
    )
    if run_now:
        return budget_report_render(report.pk)
    transaction.on_commit(lambda: report_render_run.enqueue(report.pk))
    return report


def budget_report_render(report_id: int) -> BudgetReport:
    """Compute a report's figures and store its Excel and PDF (the background task's body).

    The figures are read with the permissions of the person who asked for the report. A report
    whose making fails keeps the reason in ``figures["error"]`` and no files.
    """
    report = BudgetReport.objects.select_related("created_by").get(pk=report_id)
    if report.pdf_file and report.excel_file:
        return report
    wanted = report_period(year=report.year, kind=report.period_kind, number=report.period)
    try:
        if report.created_by is None:  # the asker's account is gone: nobody to read the figures as
            raise PermissionRefused(None, "budget.generate_report")
        with translation.override(DOCUMENT_LANGUAGE):
            data = report_data(actor=report.created_by, period=wanted)
            issuer = issuer_name()
            excel = report_workbook(data, issuer=issuer)
            pdf = report_pdf(data, issuer=issuer)
    except Exception as exc:
        BudgetReport.objects.filter(pk=report.pk).update(figures={"error": str(exc)[:500] or repr(exc)})
        raise
    stem = uuid.uuid4().hex
    with transaction.atomic():
        try:
            report.excel_file.save(f"{stem}.xlsx", ContentFile(excel), save=False)
            report.pdf_file.save(f"{stem}.pdf", ContentFile(pdf), save=False)
            report.figures = data.figures()
            report.save(update_fields=["excel_file", "pdf_file", "figures"])
        except BaseException:
            for stored in (report.excel_file, report.pdf_file):
                if stored.name:
                    stored.storage.delete(stored.name)
            raise
    return report


@task()
def report_render_run(report_id: int) -> None:
    """Background: make a report's files; its page follows the report row until they exist."""
    budget_report_render(report_id)


def issuer_name() -> str:
    """Who signs a report: the budget committee, named as its letters name it (one source,
    :func:`renda.budget.services.findings.committee_name` — its organisation, else the parameter)."""
    from renda.budget.services.findings import committee_name

    return committee_name()


def report_filename(report: BudgetReport, suffix: str) -> tuple[str, str]:
    """The download's UTF-8 name and its ASCII fallback."""
    fallback = f"budget-report-{report.year}-{report.period_kind}-{report.period}.{suffix}"
    return f"{report.title}.{suffix}", fallback


# --- numbers as the documents show them ---------------------------------------------------------


def wan(value: Decimal | None) -> str:
    """Yuan as 万元 with two decimals and thousands separators (— for none)."""
    if value is None:
        return "—"
    return f"{(value / WAN).quantize(CENT):,}"


def pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _change_words(change: Decimal | None) -> str:
    if change is None:
        return "上年同期无可比数据"
    if change > 0:
        return f"比上年同期增长{change}%"
    if change < 0:
        return f"比上年同期下降{-change}%"
    return "与上年同期持平"


def narrative(data: ReportData) -> list[str]:
    """The report's opening paragraphs (总体情况), from its figures."""
    h, p = data.headline, data.period
    paragraphs = []
    text = f"{p.span}，全县累计支出{wan(h.paid)}万元，共{h.payments}笔，"
    if h.execution_rate is None:
        text += "尚无可比的预算指标；"
    else:
        text += f"占调整后预算指标{wan(h.indicator)}万元的{h.execution_rate}%，"
    text += f"时间进度为{h.time_progress}%"
    if h.lag is not None:
        if h.lag > 0:
            text += f"，执行进度落后时间进度{h.lag}个百分点。"
        else:
            text += f"，执行进度快于时间进度{-h.lag}个百分点。"
    else:
        text += "。"
    paragraphs.append(text)
    paragraphs.append(
        f"本期（{p.period_span}）支出{wan(data.period_paid)}万元，{_change_words(data.period_change)}。"
    )
    if h.revenue or h.revenue_budget:
        revenue = f"{p.span}累计收入{wan(h.revenue)}万元"
        if h.revenue_rate is not None:
            revenue += f"，完成年度预算{wan(h.revenue_budget)}万元的{h.revenue_rate}%"
        paragraphs.append(revenue + "。")
    if h.debt_month:
        paragraphs.append(
            f"截至{h.debt_month}月末，政府债务余额{wan(h.debt_balance)}万元，"
            f"债务限额{wan(h.debt_limit)}万元，余额占限额的{pct(h.debt_usage)}。"
        )
    lagging = data.lagging_departments
    if lagging:
        names = "、".join(r.name or r.code for r in lagging[:5])
        more = f"等{len(lagging)}个" if len(lagging) > 5 else f"{len(lagging)}个"
        paragraphs.append(f"执行进度落后时间进度15个百分点以上的主管部门有{names}{more}。")
    if h.open_findings:
        paragraphs.append(
            f"截至报告生成日，尚未办结的预警发现{h.open_findings}条，其中红色预警{h.red_findings}条。"
        )
    else:
        paragraphs.append("截至报告生成日，没有尚未办结的预警发现。")
    return paragraphs


def headline_rows(data: ReportData) -> list[tuple[str, Decimal | int | None, str]]:
    """The headline figures: label, value, unit — the first sheet of the workbook."""
    h, p = data.headline, data.period
    debt_at = f"（{h.debt_month}月末）" if h.debt_month else ""
    return [
        ("调整后预算指标", h.indicator, "元"),
        (f"累计支出（{p.span}）", h.paid, "元"),
        ("支付笔数", h.payments, "笔"),
        ("执行进度", h.execution_rate, "%"),
        ("时间进度", h.time_progress, "%"),
        ("执行进度落后时间进度", h.lag, "百分点"),
        (f"本期支出（{p.period_span}）", data.period_paid, "元"),
        ("上年同期支出", data.previous_period_paid, "元"),
        ("同比增减", data.period_change, "%"),
        (f"累计收入（{p.span}）", h.revenue, "元"),
        ("收入年度预算", h.revenue_budget, "元"),
        ("收入完成进度", h.revenue_rate, "%"),
        (f"政府债务余额{debt_at}", h.debt_balance, "元"),
        (f"政府债务限额{debt_at}", h.debt_limit, "元"),
        ("债务余额占限额", h.debt_usage, "%"),
        ("尚未办结的预警发现", h.open_findings, "条"),
        ("其中红色预警", h.red_findings, "条"),
    ]


# --- Excel ---------------------------------------------------------------------------------------

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.0"


def report_workbook(data: ReportData, *, issuer: str) -> bytes:
    """The report as an Excel workbook: the headline sheet, one sheet per table, native charts."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = new_workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F3F3F3")
    p, h = data.period, data.headline

    def sheet(title: str, heading: str, headers: Sequence[str], widths: Sequence[int], note: str = "") -> Any:
        ws = workbook.create_sheet(title)
        append_row(ws, [heading])
        ws["A1"].font = Font(bold=True, size=13)
        append_row(ws, [note or f"数据截至{_day(h.as_of)}（{p.span}）　{WORKBOOK_UNIT_NOTE}"])
        append_row(ws, list(headers))
        for cell in ws[3]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A4"
        return ws

    def formats(ws: Any, money_cols: Sequence[int], rate_cols: Sequence[int] = ()) -> None:
        for column in money_cols:  # the heading too: a page reading the sheet knows an empty column's kind
            ws.cell(3, column).number_format = MONEY_FORMAT
        for row in ws.iter_rows(min_row=4):
            for cell in row:
                if cell.column in money_cols:
                    cell.number_format = MONEY_FORMAT
                elif cell.column in rate_cols:
                    cell.number_format = RATE_FORMAT

    def total_row(ws: Any) -> None:
        for cell in ws[ws.max_row]:
            cell.font = bold

    def bar_chart(
        ws: Any,
        title: str,
        y_title: str,
        data_cols: tuple[int, int],
        rows: int,
        anchor: str,
        horizontal: bool = False,
    ) -> None:
        if rows < 1:
            return
        chart = BarChart()
        chart.type = "bar" if horizontal else "col"
        chart.title = title
        chart.y_axis.title = y_title
        chart.height = max(7.5, 0.55 * rows + 3) if horizontal else 8
        chart.width = 18
        values = Reference(ws, min_col=data_cols[0], max_col=data_cols[1], min_row=3, max_row=3 + rows)
        chart.add_data(values, titles_from_data=True)
        chart.set_categories(
            Reference(ws, min_col=2 if ws.cell(3, 2).value else 1, min_row=4, max_row=3 + rows)
        )
        ws.add_chart(chart, anchor)

    # 主要指标
    ws = workbook.active
    ws.title = "主要指标"
    append_row(ws, [data.period.title])
    ws["A1"].font = Font(bold=True, size=14)
    append_row(ws, [f"{issuer}　数据截至{_day(h.as_of)}　生成于{_day(data.generated_on)}"])
    append_row(ws, ["项目", "数值", "单位"])
    for cell in ws[3]:
        cell.font = bold
        cell.fill = head_fill
    for label, value, unit in headline_rows(data):
        append_row(ws, [label, value, unit])
        ws.cell(ws.max_row, 2).number_format = (
            MONEY_FORMAT if unit == "元" else (RATE_FORMAT if unit in ("%", "百分点") else "0")
        )
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 8
    append_row(ws, [])
    for paragraph in narrative(data):
        append_row(ws, [paragraph])

    # 按主管部门 / 按功能分类
    for title, heading, rows, label in (
        ("按主管部门", "分主管部门预算执行情况", data.departments, "主管部门"),
        ("按功能分类", "分功能分类（类）预算执行情况", data.functions, "功能分类"),
    ):
        ws = sheet(
            title,
            heading,
            ["编码", label, "预算指标", "累计支出", "执行进度(%)", "时间进度(%)", "落后时间进度(百分点)"],
            [12, 28, 18, 18, 12, 12, 14],
        )
        for r in rows:
            append_row(ws, [r.code, r.name, r.indicator, r.paid, r.rate, r.time_progress, r.lag])
        total_indicator = sum((r.indicator for r in rows), Decimal(0))
        total_paid = sum((r.paid for r in rows), Decimal(0))
        rate = (total_paid / total_indicator * 100).quantize(Decimal("0.1")) if total_indicator else None
        append_row(
            ws,
            [
                "",
                "合计",
                total_indicator,
                total_paid,
                rate,
                h.time_progress,
                None if rate is None else h.time_progress - rate,
            ],
        )
        total_row(ws)
        formats(ws, (3, 4), (5, 6, 7))
        bar_chart(ws, f"{heading}：执行进度", "%", (5, 5), len(rows), "I4", horizontal=True)

    # 按经济分类
    ws = sheet(
        "按经济分类", "支出结构（经济分类·类）", ["编码", "经济分类", "累计支出", "占比(%)"], [12, 30, 18, 10]
    )
    for s in data.econ:
        append_row(ws, [s.code, s.name, s.amount, s.share])
    append_row(
        ws,
        ["", "合计", sum((s.amount for s in data.econ), Decimal(0)), Decimal("100.0") if data.econ else None],
    )
    total_row(ws)
    formats(ws, (3,), (4,))
    bar_chart(ws, "支出结构：占比", "%", (4, 4), len(data.econ), "F4", horizontal=True)

    # 月度支付
    ws = sheet(
        "月度支付",
        "月度支出与上年同期",
        ["月份", "本年支出", "上年同期", "同比增减(%)", "本年累计", "上年同期累计"],
        [10, 18, 18, 12, 18, 18],
    )
    for m in data.months:
        append_row(ws, [f"{m.month}月", m.amount, m.previous, m.change, m.cumulative, m.previous_cumulative])
    formats(ws, (2, 3, 5, 6), (4,))
    if data.months:
        chart = BarChart()
        chart.title = "月度支出与上年同期"
        chart.y_axis.title = "元"
        chart.width, chart.height = 18, 8
        chart.add_data(
            Reference(ws, min_col=2, max_col=3, min_row=3, max_row=3 + len(data.months)),
            titles_from_data=True,
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=3 + len(data.months)))
        ws.add_chart(chart, "H4")

    # 三公经费
    ws = sheet(
        "三公经费",
        f"“三公”经费支出（各年1月1日至{h.as_of.month}月{h.as_of.day}日同期）",
        ["年度", "因公出国(境)", "公务用车购置及运行维护", "公务接待", "合计"],
        [10, 16, 22, 16, 18],
    )
    for t in data.three_public:
        append_row(ws, [f"{t.year}年", t.travel, t.vehicles, t.reception, t.total])
    formats(ws, (2, 3, 4, 5))
    if data.three_public:
        chart = BarChart()
        chart.title = "“三公”经费（同期）"
        chart.y_axis.title = "元"
        chart.width, chart.height = 18, 8
        chart.add_data(
            Reference(ws, min_col=2, max_col=4, min_row=3, max_row=3 + len(data.three_public)),
            titles_from_data=True,
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=3 + len(data.three_public)))
        ws.add_chart(chart, "G4")

    # 收入
    ws = sheet(
        "收入",
        "收入完成情况",
        ["科目编码", "收入科目", "预算类型", "年度预算数", "累计收入", "完成进度(%)"],
        [12, 28, 18, 18, 18, 12],
    )
    for item in data.revenue.rows:
        append_row(ws, [item.code, item.name, item.budget_type_label, item.budget, item.received, item.rate])
    append_row(ws, ["", "合计", "", data.revenue.budget, data.revenue.received, data.revenue.rate])
    total_row(ws)
    formats(ws, (4, 5), (6,))

    # 政府债务
    ws = sheet(
        "政府债务",
        "政府债务余额与限额",
        ["月份", "债务类型", "债务限额", "债务余额", "余额占限额(%)"],
        [10, 14, 18, 18, 14],
    )
    for d in data.debt_months:
        append_row(ws, [f"{d.month}月", d.debt_type_label, d.limit, d.balance, d.usage])
    formats(ws, (3, 4), (5,))

    # 预警统计 / 预警发现
    ws = sheet(
        "预警统计",
        "尚未办结的预警发现（按规则）",
        ["预警规则", "未办结", "其中红色"],
        [30, 10, 10],
        note=f"截至报告生成日（{_day(data.generated_on)}）尚未销号、非误报的预警发现",
    )
    for c in data.findings_by_rule:
        append_row(ws, [c.rule_name, c.open, c.red])
    append_row(
        ws,
        ["合计", sum(c.open for c in data.findings_by_rule), sum(c.red for c in data.findings_by_rule)],
    )
    total_row(ws)
    ws = sheet(
        "预警发现",
        "尚未办结的预警发现（截至报告生成日）",
        ["规则", "等级", "单位编码", "单位名称", "事项", "金额", "状态", "首次发现（数据截至）"],
        [24, 8, 12, 22, 40, 16, 10, 14],
        note=f"截至报告生成日（{_day(data.generated_on)}），红色在前、金额由大到小　金额单位：元",
    )
    for row, f in enumerate(data.open_findings, start=4):
        append_row(
            ws,
            [
                f"{f.rule_name}",
                f.severity_label,
                f.unit_code,
                f.unit_name,
                _text(f.subject),
                f.amount,
                f.state_label,
                f.first_as_of,
            ],
        )
        ws.cell(row, 6).number_format = MONEY_FORMAT
        ws.cell(row, 8).number_format = "yyyy-mm-dd"

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _text(value: str) -> str:
    """Text that a spreadsheet must not take for a formula."""
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


# --- PDF -----------------------------------------------------------------------------------------


def report_charts(data: ReportData) -> dict[str, str]:
    """The charts of the PDF as ``data:`` addresses of SVG images."""
    result = {}
    departments = sorted(
        (r for r in data.departments if r.indicator > 0), key=lambda r: (-r.indicator, r.code)
    )
    if departments:
        shown = departments[:CHART_ROWS]
        suffix = f"（指标额前{CHART_ROWS}个）" if len(departments) > CHART_ROWS else ""
        result["departments"] = charts.execution_chart(
            [(r.name or r.code, r.rate) for r in shown],
            data.headline.time_progress,
            f"各主管部门执行进度{suffix}",
        )
    functions = [r for r in data.functions if r.indicator > 0]
    if functions:
        result["functions"] = charts.execution_chart(
            [(r.name or r.code, r.rate) for r in functions[:CHART_ROWS]],
            data.headline.time_progress,
            "各功能分类（类）执行进度",
        )
    if data.months:
        result["months"] = charts.monthly_chart(
            [m.month for m in data.months],
            [m.amount or Decimal(0) for m in data.months],
            [m.previous for m in data.months],
            data.period.year,
        )
    if data.econ:
        result["econ"] = charts.share_chart(
            [(s.name or s.code, s.amount) for s in data.econ[:12]], "支出结构（经济分类）"
        )
    if any(t.total for t in data.three_public):
        result["three_public"] = charts.grouped_chart(
            [f"{t.year}年" for t in data.three_public],
            {
                "因公出国(境)": [t.travel for t in data.three_public],
                "公务用车": [t.vehicles for t in data.three_public],
                "公务接待": [t.reception for t in data.three_public],
            },
            "“三公”经费（同期）",
        )
    return {key: charts.data_uri(svg) for key, svg in result.items()}


def report_pdf(data: ReportData, *, issuer: str) -> bytes:
    """The report as a PDF (WeasyPrint, Noto CJK embedded): text, figures, tables, charts."""
    from renda.core.pdf import render_pdf

    return render_pdf(
        "budget/reports/pdf.html",
        {
            "data": data,
            "h": data.headline,
            "p": data.period,
            "issuer": issuer,
            "paragraphs": narrative(data),
            "headline": pdf_headline(data),
            "sections": pdf_sections(data),
            "charts": report_charts(data),
            "findings": [(f, wan(f.amount)) for f in data.open_findings[:PDF_FINDINGS]],
            "findings_more": max(0, len(data.open_findings) - PDF_FINDINGS),
            "periods": PERIOD_COUNT,
        },
    )


def _lag_words(lag: Decimal | None) -> str:
    if lag is None:
        return "—"
    return f"落后{lag}" if lag > 0 else f"快{-lag}"


def pdf_sections(data: ReportData) -> list[dict[str, Any]]:
    """The PDF's numbered sections: a heading, an optional chart, a table of display strings."""
    h = data.headline
    sections: list[dict[str, Any]] = []

    def execution(rows: Sequence[Any], label: str) -> dict[str, Any]:
        body = [
            {
                "cells": [r.label, wan(r.indicator), wan(r.paid), pct(r.rate), _lag_words(r.lag)],
                "alert": r.lag is not None and r.lag > 15 and r.indicator > 0,
            }
            for r in rows
        ]
        indicator = sum((r.indicator for r in rows), Decimal(0))
        paid = sum((r.paid for r in rows), Decimal(0))
        rate = (paid / indicator * 100).quantize(Decimal("0.1")) if indicator else None
        return {
            "headers": [label, "预算指标", "累计支出", "执行进度", "较时间进度（百分点）"],
            "rows": body,
            "total": [
                "合计",
                wan(indicator),
                wan(paid),
                pct(rate),
                _lag_words(None if rate is None else h.time_progress - rate),
            ],
            "note": f"时间进度{h.time_progress}%；红色为落后时间进度15个百分点以上。",
        }

    sections.append(
        {
            "title": "月度支出与上年同期",
            "chart": "months",
            "headers": ["月份", "本年支出", "上年同期", "同比增减", "本年累计", "上年同期累计"],
            "rows": [
                {
                    "cells": [
                        f"{m.month}月",
                        wan(m.amount),
                        wan(m.previous),
                        pct(m.change),
                        wan(m.cumulative),
                        wan(m.previous_cumulative),
                    ],
                    "strong": m.month in data.period.months,
                }
                for m in data.months
            ],
            "note": f"加粗为本期（{data.period.period_span}）。",
        }
    )
    sections.append(
        {"title": "分主管部门执行情况", "chart": "departments", **execution(data.departments, "主管部门")}
    )
    sections.append(
        {"title": "分功能分类执行情况", "chart": "functions", **execution(data.functions, "功能分类（类）")}
    )
    econ_total = sum((s.amount for s in data.econ), Decimal(0))
    sections.append(
        {
            "title": "支出结构（经济分类）",
            "chart": "econ",
            "headers": ["经济分类（类）", "累计支出", "占比"],
            "rows": [{"cells": [s.label, wan(s.amount), pct(s.share)]} for s in data.econ],
            "total": ["合计", wan(econ_total), "100.0%" if econ_total else "—"],
        }
    )
    sections.append(
        {
            "title": "“三公”经费支出",
            "chart": "three_public",
            "headers": ["年度（同期）", "因公出国(境)", "公务用车购置及运行维护", "公务接待", "合计"],
            "rows": [
                {"cells": [f"{t.year}年", wan(t.travel), wan(t.vehicles), wan(t.reception), wan(t.total)]}
                for t in data.three_public
            ],
            "note": f"各年均为1月1日至{h.as_of.month}月{h.as_of.day}日同期数。",
        }
    )
    revenue = data.revenue
    sections.append(
        {
            "title": "收入完成情况",
            "headers": ["收入科目", "预算类型", "年度预算数", "累计收入", "完成进度"],
            "text_cols": 2,
            "rows": [
                {"cells": [r.label, r.budget_type_label, wan(r.budget), wan(r.received), pct(r.rate)]}
                for r in revenue.rows
            ],
            "total": ["合计", "", wan(revenue.budget), wan(revenue.received), pct(revenue.rate)],
            "empty": "本年度尚无收入数据。",
        }
    )
    sections.append(
        {
            "title": "政府债务",
            "headers": ["债务类型", "债务限额", "债务余额", "余额占限额"],
            "rows": [
                {"cells": [d.debt_type_label, wan(d.limit), wan(d.balance), pct(d.usage)]} for d in data.debt
            ],
            "total": ["合计", wan(h.debt_limit), wan(h.debt_balance), pct(h.debt_usage)]
            if data.debt
            else None,
            "note": f"{h.debt_month}月末数。" if h.debt_month else "",
            "empty": "本年度尚无债务数据。",
        }
    )
    return sections


def pdf_headline(data: ReportData) -> list[tuple[str, str, str]]:
    """The key figures boxed at the top of the PDF: label, value, unit."""
    h, p = data.headline, data.period
    rows = [
        ("调整后预算指标", wan(h.indicator), "万元"),
        (f"累计支出（{p.span}）", wan(h.paid), "万元"),
        ("执行进度", "—" if h.execution_rate is None else str(h.execution_rate), "%"),
        ("时间进度", str(h.time_progress), "%"),
        (f"本期支出（{p.period_span}）", wan(data.period_paid), "万元"),
        ("同比增减", "—" if data.period_change is None else str(data.period_change), "%"),
        ("收入完成进度", "—" if h.revenue_rate is None else str(h.revenue_rate), "%"),
        ("债务余额占限额", "—" if h.debt_usage is None else str(h.debt_usage), "%"),
        ("未办结预警（红色）", f"{h.open_findings}（{h.red_findings}）", "条"),
    ]
    return [(label, value, "" if value == "—" else unit) for label, value, unit in rows]
