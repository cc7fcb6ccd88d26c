"""服务: reads behind the budget execution reports and the deputies' summary page.

A report covers a month, a quarter or a half-year of a fiscal year; its figures are those of the
year to the period's last day (1—9月 for the third quarter), as the analysis selectors compute
them (:mod:`renda.budget.selectors.analysis`), plus the period's own payments. The findings it
lists are those still open when it is generated.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from renda.accounts.models import User
from renda.budget.amount_units import ShownUnit
from renda.budget.models import (
    BudgetReport,
    BudgetUnit,
    Finding,
    Indicator,
    Payment,
    PaymentSummary,
    Severity,
)
from renda.budget.selectors import analysis
from renda.budget.selectors.analysis import (
    OPEN_STATES,
    DebtRow,
    ExecutionRow,
    Headline,
    MonthRow,
    RevenueTable,
    Slice,
    ThreePublicRow,
)
from renda.budget.warning_rules.registry import RULES, rule_name
from renda.core.module_parameters import current_region_code
from renda.core.permissions import can, require

ZERO = Decimal("0.00")
TENTH = Decimal("0.1")
QUARTERS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
HALVES = {1: "上半年", 2: "下半年"}
PERIOD_COUNT = {"month": 12, "quarter": 4, "half": 2}
NEW_FOR_DAYS = 30  # a report counts as new on the workbench for this many days


# --- periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPeriod:
    """报告期: one month, quarter or half-year of a fiscal year."""

    year: int
    kind: str  # BudgetReport.Period
    number: int

    @property
    def first_month(self) -> int:
        size = {"month": 1, "quarter": 3, "half": 6}[self.kind]
        return (self.number - 1) * size + 1

    @property
    def last_month(self) -> int:
        size = {"month": 1, "quarter": 3, "half": 6}[self.kind]
        return self.number * size

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)

    @property
    def name(self) -> str:
        """2026年10月 · 2026年第三季度 · 2026年上半年."""
        if self.kind == "month":
            return f"{self.year}年{self.number}月"
        if self.kind == "quarter":
            return f"{self.year}年{QUARTERS[self.number]}"
        return f"{self.year}年{HALVES[self.number]}"

    @property
    def span(self) -> str:
        """The months the report's year-to-date figures cover: 1—9月."""
        return "1月" if self.last_month == 1 else f"1—{self.last_month}月"

    @property
    def period_span(self) -> str:
        """The period's own months: 7—9月 (or 10月)."""
        if self.first_month == self.last_month:
            return f"{self.first_month}月"
        return f"{self.first_month}—{self.last_month}月"

    @property
    def title(self) -> str:
        return f"{self.name}预算执行分析报告"


def report_period(*, year: int, kind: str, number: int) -> ReportPeriod:
    """The period, if ``kind`` is a report period and ``number`` one of its numbers; else ValueError
    (the service turns the reasons into messages)."""
    if kind not in PERIOD_COUNT:
        raise ValueError("kind")
    if not 1 <= number <= PERIOD_COUNT[kind]:
        raise ValueError("number")
    if not 1900 < year < 3000:
        raise ValueError("year")
    return ReportPeriod(year=year, kind=kind, number=number)


_region = current_region_code


def year_has_data(year: int) -> bool:
    region = _region()
    return (
        PaymentSummary.objects.filter(region_code=region, year=year).exists()
        or Indicator.objects.filter(region_code=region, year=year).exists()
    )


def last_payment_date(year: int) -> dt.date | None:
    """The latest payment date of the year's data (``None``: no payments)."""
    return Payment.objects.filter(region_code=_region(), year=year).aggregate(d=Max("pay_date"))["d"]


def latest_periods(*, year: int, today: dt.date | None = None) -> dict[str, ReportPeriod]:
    """The latest month, quarter and half-year of ``year`` that have ended (before ``today``) and
    hold payments: the periods a report can be generated for now, newest first per kind."""
    today = today or timezone.localdate()
    last = last_payment_date(year)
    result: dict[str, ReportPeriod] = {}
    if last is None:
        return result
    for kind, count in PERIOD_COUNT.items():
        for number in range(count, 0, -1):
            period = ReportPeriod(year=year, kind=kind, number=number)
            if period.end < today and period.start <= last:
                result[kind] = period
                break
    return result


# --- what a report holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleCount:
    """Open findings of one rule: how many, and how many of them red."""

    rule_code: str
    rule_name: str
    open: int
    red: int


@dataclass(frozen=True)
class OpenFinding:
    rule_code: str
    rule_name: str
    severity: str
    severity_label: str
    unit_code: str
    unit_name: str
    subject: str
    amount: Decimal
    state: str
    state_label: str
    first_as_of: dt.date


@dataclass(frozen=True)
class ReportData:
    period: ReportPeriod
    headline: Headline
    period_paid: Decimal  # paid within the period's own months
    previous_period_paid: Decimal  # the same months of the previous year
    departments: list[ExecutionRow]
    functions: list[ExecutionRow]
    econ: list[Slice]
    months: list[MonthRow]  # months 1 … the period's last month
    three_public: list[ThreePublicRow]  # the year and the two before, each to the same day
    revenue: RevenueTable
    debt: list[DebtRow]  # the debt types at the latest month reported (≤ period end)
    debt_months: list[DebtRow]  # every month up to the period's end
    findings_by_rule: list[RuleCount]
    open_findings: list[OpenFinding]
    generated_on: dt.date

    @property
    def period_change(self) -> Decimal | None:
        if not self.previous_period_paid:
            return None
        change = (self.period_paid - self.previous_period_paid) / self.previous_period_paid * 100
        return change.quantize(TENTH)

    @property
    def lagging_departments(self) -> list[ExecutionRow]:
        """Departments whose execution lags time progress by more than 15 points, worst first."""
        rows = [r for r in self.departments if r.lag is not None and r.lag > 15 and r.indicator > 0]
        return sorted(rows, key=lambda r: (-(r.lag or 0), r.code))

    def figures(self) -> dict[str, Any]:
        """The headline snapshot kept on the report row (JSON: money as strings)."""
        h = self.headline

        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "as_of": h.as_of.isoformat(),
            "indicator": text(h.indicator),
            "paid": text(h.paid),
            "payments": h.payments,
            "execution_rate": text(h.execution_rate),
            "time_progress": text(h.time_progress),
            "period_paid": text(self.period_paid),
            "previous_period_paid": text(self.previous_period_paid),
            "revenue": text(h.revenue),
            "revenue_budget": text(h.revenue_budget),
            "revenue_rate": text(h.revenue_rate),
            "debt_balance": text(h.debt_balance),
            "debt_limit": text(h.debt_limit),
            "debt_month": h.debt_month,
            "open_findings": h.open_findings,
            "red_findings": h.red_findings,
            "lagging_departments": len(self.lagging_departments),
        }


def findings_open_by_rule(*, actor: User, year: int) -> list[RuleCount]:
    """Open findings of the year counted per rule, with the red ones (catalogue order): counts
    only, which deputies may read."""
    require(actor, "budget.view_summary")
    rows = (
        Finding.objects.filter(region_code=_region(), year=year, state__in=OPEN_STATES)
        .order_by()
        .values("rule_code", "severity")
        .annotate(n=Count("id"))
    )
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[row["rule_code"]][0] += row["n"]
        if row["severity"] == Severity.RED:
            counts[row["rule_code"]][1] += row["n"]
    order = {code: i for i, code in enumerate(RULES)}
    return [
        RuleCount(code, rule_name(code), open_, red)
        for code, (open_, red) in sorted(counts.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    ]


def open_findings(*, actor: User, year: int) -> list[OpenFinding]:
    """The findings of the year still open (not closed, not false positives): red first, then by
    amount. (The warning rules write an individual payee's name masked into a finding's subject.)"""
    require(actor, "budget.view_findings")
    findings = list(
        Finding.objects.filter(region_code=_region(), year=year, state__in=OPEN_STATES).order_by(
            "rule_code", "id"
        )
    )
    units = dict(
        BudgetUnit.objects.filter(
            region_code=_region(), code__in={f.unit_code for f in findings if f.unit_code}
        ).values_list("code", "name")
    )
    severities = dict(Severity.choices)
    states = dict(Finding.State.choices)
    result = []
    for f in findings:
        result.append(
            OpenFinding(
                rule_code=f.rule_code,
                rule_name=rule_name(f.rule_code),
                severity=f.severity,
                severity_label=str(severities.get(f.severity, f.severity)),
                unit_code=f.unit_code,
                unit_name=units.get(f.unit_code, ""),
                subject=f.subject,
                amount=f.amount,
                state=f.state,
                state_label=str(states.get(f.state, f.state)),
                first_as_of=f.first_as_of,
            )
        )
    result.sort(key=lambda r: (r.severity != Severity.RED, -r.amount, r.rule_code, r.subject))
    return result


def report_data(*, actor: User, period: ReportPeriod, today: dt.date | None = None) -> ReportData:
    """Everything a report shows, for ``period`` (figures of the year to the period's end)."""
    require(actor, "budget.generate_report")
    year, as_of = period.year, period.end
    months = analysis.monthly_payments(actor=actor, year=year, as_of=as_of)[: period.last_month]
    own = [m for m in months if m.month in period.months]
    debt_months = analysis.debt_against_limit(actor=actor, year=year, as_of=as_of)
    latest_debt = max((d.month for d in debt_months), default=None)
    return ReportData(
        period=period,
        headline=analysis.headline(actor=actor, year=year, as_of=as_of),
        period_paid=sum((m.amount or ZERO for m in own), ZERO),
        previous_period_paid=sum((m.previous for m in own), ZERO),
        departments=analysis.execution_by_department(actor=actor, year=year, as_of=as_of),
        functions=analysis.execution_by_function(actor=actor, year=year, as_of=as_of),
        econ=analysis.structure_by_econ(actor=actor, year=year, as_of=as_of),
        months=months,
        three_public=analysis.three_public_by_year(
            actor=actor, years=[year - 2, year - 1, year], as_of=as_of
        ),
        revenue=analysis.revenue_against_budget(actor=actor, year=year, as_of=as_of),
        debt=[d for d in debt_months if d.month == latest_debt],
        debt_months=debt_months,
        findings_by_rule=findings_open_by_rule(actor=actor, year=year),
        open_findings=open_findings(actor=actor, year=year),
        generated_on=today or timezone.localdate(),
    )


# --- lists, one report, the summary page --------------------------------------------------------


def reports_visible(*, actor: User, year: int | None = None) -> QuerySet[BudgetReport]:
    """The reports issued in the region, newest first."""
    require(actor, "budget.view_reports")
    qs = BudgetReport.objects.filter(region_code=_region()).select_related("created_by")
    if year:
        qs = qs.filter(year=year)
    return qs


def report_for(*, actor: User, pk: int) -> BudgetReport:
    """One report (``BudgetReport.DoesNotExist`` if there is none in the region)."""
    require(actor, "budget.view_reports")
    return BudgetReport.objects.select_related("created_by").get(pk=pk, region_code=_region())


def is_new(report: BudgetReport, now: dt.datetime | None = None) -> bool:
    """A report is new on the workbench for :data:`NEW_FOR_DAYS` days after it was issued."""
    now = now or timezone.now()
    return report.created_at >= now - dt.timedelta(days=NEW_FOR_DAYS)


def ready_reports(*, actor: User, year: int | None = None, limit: int = 3) -> list[BudgetReport]:
    """The newest reports whose files are made (those being generated are left out)."""
    qs = reports_visible(actor=actor, year=year).exclude(excel_file="").exclude(pdf_file="")
    return list(qs[:limit])


def report_years(*, actor: User) -> list[int]:
    """Fiscal years with budget data, newest first (the years a report can be made for)."""
    require(actor, "budget.view_reports")
    return _data_years()


@dataclass(frozen=True)
class Summary:
    year: int
    headline: Headline
    top: list[ExecutionRow]  # the departments furthest ahead
    bottom: list[ExecutionRow]  # the departments furthest behind
    findings: list[RuleCount]
    reports: list[BudgetReport]


def summary(*, actor: User, year: int, limit: int = 5) -> Summary:
    """The deputies' summary: the year-to-date headline, 主管部门 ahead and behind, open findings
    by rule, the latest reports — aggregates only (no payee, no account, no finding detail)."""
    require(actor, "budget.view_summary")
    as_of = analysis.default_as_of(year, timezone.localdate())
    departments = [
        r
        for r in analysis.execution_by_department(actor=actor, year=year, as_of=as_of)
        if r.indicator > 0 and r.rate is not None
    ]
    ranked = sorted(departments, key=lambda r: (-(r.rate or 0), r.code))
    top = ranked[:limit]
    return Summary(
        year=year,
        headline=analysis.headline(actor=actor, year=year, as_of=as_of),
        top=top,
        bottom=[r for r in reversed(ranked) if r not in top][:limit],
        findings=findings_open_by_rule(actor=actor, year=year),
        reports=ready_reports(actor=actor, year=year, limit=limit)
        if can(actor, "budget.view_reports")
        else [],
    )


def summary_years(*, actor: User) -> list[int]:
    """Fiscal years with budget data, newest first (the years the summary can show)."""
    require(actor, "budget.view_summary")
    return _data_years()


def _data_years() -> list[int]:
    region = _region()
    years = set(PaymentSummary.objects.filter(region_code=region).values_list("year", flat=True).distinct())
    years |= set(Indicator.objects.filter(region_code=region).values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)


def report_state(report: BudgetReport) -> str:
    """``ready`` (both files stored), ``failed`` (the reason in ``figures["error"]``) or ``pending``."""
    if report.excel_file and report.pdf_file:
        return "ready"
    if isinstance(report.figures, dict) and report.figures.get("error"):
        return "failed"
    return "pending"


WORKBOOK_UNIT_NOTE = "金额单位：元"  # the note under each sheet's heading (services.reports.report_workbook)


@dataclass(frozen=True)
class SheetTable:
    """One table of a report as issued: a sheet of its workbook, its cells ready to show."""

    name: str
    heading: str
    note: str
    headers: list[tuple[str, bool]]  # (text, a column of numbers)
    rows: list[list[tuple[str, bool]]]  # (text, a column of numbers)
    more: int = 0  # rows of the sheet not shown (the workbook holds them)


def _cell_text(value: Any, number_format: str, unit: ShownUnit | None = None) -> tuple[str, bool]:
    if value is None:
        return "", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), False
    if isinstance(value, dt.date):
        return value.isoformat(), False
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        if number_format == "#,##0.00":  # an amount in 元 (the workbook's unit), shown in ``unit``
            return f"{(unit.convert(number) if unit else number):,.2f}", True
        if number_format == "0.0":
            return f"{number:.1f}", True
        return f"{number:,}", True
    return str(value), False


def report_tables(
    report: BudgetReport, *, max_rows: int = 200, unit: ShownUnit | None = None
) -> list[SheetTable]:
    """The tables of an issued report, read back from its workbook (what was issued is shown,
    whatever the data have become since). The headline sheet is left to the page. The workbook
    holds amounts in 元; with ``unit`` its amount columns are shown in that unit, their headers
    saying so (金额（万元）)."""
    from openpyxl import load_workbook

    if not report.excel_file:
        return []
    with report.excel_file.open("rb") as handle:
        workbook = load_workbook(handle, read_only=True, data_only=True)
        tables = []
        for sheet in workbook.worksheets[1:]:
            rows = list(sheet.iter_rows(max_row=max_rows + 3))  # heading, note, headers, rows
            if len(rows) < 3:
                continue
            heading = str(rows[0][0].value or sheet.title)
            note = str(rows[1][0].value or "")
            if unit is not None:  # the page names its own unit: drop the workbook's 「金额单位：元」
                note = note.replace(WORKBOOK_UNIT_NOTE, "").rstrip("　 ")
            headers = [str(c.value) for c in rows[2] if c.value is not None]
            width = len(headers)
            filled = [
                row for row in rows[3:] if any(getattr(c, "value", None) not in (None, "") for c in row)
            ]
            cells = [
                [
                    _cell_text(getattr(c, "value", None), getattr(c, "number_format", ""), unit)
                    for c in row[:width]
                ]
                + [("", False)] * (width - len(row))
                for row in filled[:max_rows]
            ]
            if unit is not None:
                money = {  # a column of amounts: its heading or a cell says so (an empty one: its heading)
                    i
                    for row in [rows[2], *filled[:max_rows]]
                    for i, c in enumerate(row[:width])
                    if getattr(c, "number_format", "") == "#,##0.00" and getattr(c, "value", None) is not None
                }
                headers = [unit.heading(h) if i in money else h for i, h in enumerate(headers)]
            numeric = [any(row[i][1] for row in cells) or "%" in headers[i] for i in range(width)]
            body = [
                [(text or ("—" if numeric[i] else ""), numeric[i]) for i, (text, _n) in enumerate(row)]
                for row in cells
            ]
            tables.append(
                SheetTable(
                    sheet.title,
                    heading,
                    note,
                    list(zip(headers, numeric, strict=True)),
                    body,
                    more=max(0, (sheet.max_row or 0) - 3 - len(filled)),
                )
            )
        workbook.close()
    return tables
