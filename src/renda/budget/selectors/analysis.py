"""分析: the figures behind the analysis dashboards (and the execution reports built on them).

Every selector is a read for ``budget.view_analysis``, keyword-only, and returns plain
dataclasses with Decimal money and labels ready to show. The paid figures come from the monthly
summary tables (:class:`PaymentRollup` per unit, :class:`PaymentClassSummary` for all units by
classification):
the months the as-of date covers in full are read there, and of a month the as-of date cuts only
what the summary cannot tell is read from the payments, through their date index (see
:func:`_paid`). Each selector runs
a fixed number of queries, whatever the size of the year. The largest payees are read the same
way from their own monthly summary (:class:`PayeeSummary`). What the payments, indicators
and units give is kept in the cache under the version of the loaded data (:func:`data_version`),
so that it is computed once per import; findings, revenue and debt are read each time.

Conventions shared by every selector:

- ``as_of`` cuts payments (``pay_date <= as_of``) and indicators (issued on or before it, or
  without an issue date) — exactly as the 查询 page does, so that a click on a bar lands on a
  query whose total is the bar's value (``query`` on each row holds its parameters).
- Monthly reports (revenue, debt) count up to the month of ``as_of``.
- Time progress (时间进度) is the days elapsed (as-of date included) over the days of the year.
- Rates and shares are percentages rounded to one decimal; ``None`` where the base is zero.
"""

from __future__ import annotations

import calendar
import contextvars
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractMonth, Substr
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from renda.accounts.models import User
from renda.budget.models import (
    BudgetType,
    BudgetUnit,
    ClassificationItem,
    Debt,
    Finding,
    ImportBatch,
    Indicator,
    PayeeSummary,
    Payment,
    PaymentClassSummary,
    PaymentRollup,
    Revenue,
    Severity,
)
from renda.budget.selectors.query import BudgetFilter
from renda.budget.warning_rules.registry import RULES, THREE_PUBLIC_ECON_CODES, rule_name
from renda.core.module_parameters import current_region_code
from renda.core.money import MoneySum, money_sum_sql, money_value
from renda.core.permissions import can, require

T = TypeVar("T")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
PERM = "budget.view_analysis"
CACHE_SECONDS = 7 * 24 * 3600

# Finding states that are still being worked on (not 已销号 and not 误报).
CLOSED_STATES = (Finding.State.CLOSED, Finding.State.FALSE_POSITIVE)
OPEN_STATES = tuple(s for s in Finding.State if s not in CLOSED_STATES)

# 三公经费 categories, in the order they are shown.
THREE_PUBLIC_CATEGORIES = ("travel", "vehicles", "reception")
THREE_PUBLIC_LABELS = {
    "travel": gettext_lazy("Official overseas travel"),
    "vehicles": gettext_lazy("Official vehicles"),
    "reception": gettext_lazy("Official reception"),
}
# What a classification name says about its category (因公出国(境) / 公务用车 / 公务接待).
_CATEGORY_WORDS = (("出国", "travel"), ("公务用车", "vehicles"), ("接待", "reception"))
# The shipped baseline's names, used when a year's classification is not loaded.
_BASELINE_CATEGORIES = {
    "30212": "travel",
    "30217": "reception",
    "30231": "vehicles",
    "30913": "vehicles",
    "31013": "vehicles",
    "50206": "reception",
    "50207": "travel",
    "50208": "vehicles",
    "50303": "vehicles",
    "50403": "vehicles",
}


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    year: int
    as_of: dt.date
    indicator: Decimal  # current indicators issued by as_of
    paid: Decimal  # paid up to as_of
    payments: int
    execution_rate: Decimal | None  # paid / indicator, %
    time_progress: Decimal  # %
    revenue: Decimal  # received, months up to as_of
    revenue_budget: Decimal | None  # annual budget of the items that carry one (None: none does)
    debt_balance: Decimal  # at the latest month ≤ as_of
    debt_limit: Decimal
    debt_month: int | None  # the month the debt figures are of (None: no debt data)
    open_findings: int
    red_findings: int  # open and red

    @property
    def lag(self) -> Decimal | None:
        """Percentage points by which execution lags time progress (negative: ahead)."""
        return None if self.execution_rate is None else self.time_progress - self.execution_rate

    @property
    def revenue_rate(self) -> Decimal | None:
        return _rate(self.revenue, self.revenue_budget)

    @property
    def debt_usage(self) -> Decimal | None:
        return _rate(self.debt_balance, self.debt_limit)


@dataclass(frozen=True)
class ExecutionRow:
    code: str
    name: str
    indicator: Decimal
    paid: Decimal
    rate: Decimal | None  # %
    time_progress: Decimal  # %
    lag: Decimal | None  # time progress − rate, percentage points
    query: dict[str, str] = field(default_factory=dict)  # the 查询 behind the row

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}".strip()


@dataclass(frozen=True)
class MonthRow:
    month: int
    label: str
    amount: Decimal | None  # None for months after as_of
    previous: Decimal  # the same month of the previous year (whole month)
    cumulative: Decimal | None
    previous_cumulative: Decimal
    query: dict[str, str] = field(default_factory=dict)

    @property
    def change(self) -> Decimal | None:
        """Change on the same month of the previous year, %."""
        if self.amount is None or not self.previous:
            return None
        return ((self.amount - self.previous) / self.previous * 100).quantize(TENTH)


@dataclass(frozen=True)
class Slice:
    code: str
    name: str
    amount: Decimal
    share: Decimal | None  # % of the total
    query: dict[str, str] | None = None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}".strip()


@dataclass(frozen=True)
class ThreePublicRow:
    year: int
    travel: Decimal  # 因公出国(境)
    vehicles: Decimal  # 公务用车购置及运行维护
    reception: Decimal  # 公务接待
    total: Decimal
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PayeeRow:
    rank: int
    name: str  # masked for individuals unless the actor may see payee accounts
    payee_type: str
    amount: Decimal
    payments: int
    share: Decimal | None  # % of all paid to as_of
    query: dict[str, str] | None = None  # None where the name is masked (names never in URLs)


@dataclass(frozen=True)
class RevenueRow:
    code: str
    name: str
    budget_type: int
    budget_type_label: str
    budget: Decimal | None  # annual budget (年度预算数); None where the data carries none
    received: Decimal
    rate: Decimal | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}".strip()


@dataclass(frozen=True)
class RevenueTable:
    rows: list[RevenueRow]
    budget: Decimal | None  # sum of the budgets given (None: no item has one)
    received: Decimal  # all items
    rate: Decimal | None  # received by the items with a budget, over their budgets
    months: int  # months counted (1 … month of as_of)


@dataclass(frozen=True)
class DebtRow:
    month: int
    label: str
    debt_type: str
    debt_type_label: str
    limit: Decimal
    balance: Decimal

    @property
    def usage(self) -> Decimal | None:
        return _rate(self.balance, self.limit)


@dataclass(frozen=True)
class FindingRuleRow:
    rule_code: str
    rule_name: str
    counts: dict[str, int]  # state → findings, every state present
    total: int
    open: int

    @property
    def false_positive_share(self) -> Decimal | None:
        return _rate(Decimal(self.counts.get(Finding.State.FALSE_POSITIVE, 0)), Decimal(self.total))


# --- helpers -----------------------------------------------------------------------------------


_region = current_region_code


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _rate(part: Decimal, whole: Decimal | None) -> Decimal | None:
    if not whole:
        return None
    return (part / whole * 100).quantize(TENTH)


def default_as_of(year: int, today: dt.date | None = None) -> dt.date:
    """Today within the year; the year's last day otherwise."""
    today = today or timezone.localdate()
    return today if today.year == year else dt.date(year, 12, 31)


def time_progress(year: int, as_of: dt.date) -> Decimal:
    """时间进度: days elapsed (as_of included) over the days of the year, %."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if as_of < start:
        return Decimal("0.0")
    if as_of >= end:
        return Decimal("100.0")
    days = (end - start).days + 1
    return (Decimal((as_of - start).days + 1) / days * 100).quantize(TENTH)


@dataclass(frozen=True)
class _Cut:
    """How ``as_of`` cuts a year: whole months read from a summary, then a run of days."""

    months: int  # months 1..months are covered in full
    days: tuple[dt.date, dt.date] | None  # the days of the next month up to as_of
    month: int  # the last month counted at all (0: none)


def _cut(year: int, as_of: dt.date | None) -> _Cut:
    if as_of is None or as_of >= dt.date(year, 12, 31):
        return _Cut(12, None, 12)
    if as_of < dt.date(year, 1, 1):
        return _Cut(0, None, 0)
    last = calendar.monthrange(year, as_of.month)[1]
    if as_of.day == last:
        return _Cut(as_of.month, None, as_of.month)
    return _Cut(as_of.month - 1, (dt.date(year, as_of.month, 1), as_of), as_of.month)


def _same_day(year: int, as_of: dt.date) -> dt.date:
    """``as_of`` moved to ``year`` (29 February becomes the 28th)."""
    day = min(as_of.day, calendar.monthrange(year, as_of.month)[1])
    return dt.date(year, as_of.month, day)


def _parts(
    year: int, as_of: dt.date | None
) -> tuple[int, tuple[dt.date, dt.date] | None, tuple[dt.date, dt.date] | None]:
    """How to read what was paid up to ``as_of`` from a monthly summary: ``(months, head, tail)``
    — the summary's months 1..months, plus the payments of the days ``head``, minus those of
    the days ``tail`` (see :func:`_paid`). One probe query when ``as_of`` cuts a month."""
    cut = _cut(year, as_of)
    months, head, tail = cut.months, None, None
    if cut.days:
        first, day = cut.days
        last = dt.date(year, day.month, calendar.monthrange(year, day.month)[1])
        after = Payment.objects.filter(region_code=_region(), year=year, pay_date__gt=day, pay_date__lte=last)
        if not after.exists():
            months = cut.month
        elif (day - first).days < (last - day).days:
            head = (first, day)
        else:
            months, tail = cut.month, (day + dt.timedelta(days=1), last)
    return months, head, tail


def _paid(
    *,
    year: int,
    as_of: dt.date | None,
    key: Any,
    payment_key: Any = None,
    by_unit: bool = False,
    extra: Q | None = None,
) -> dict[Any, tuple[Decimal, int]]:
    """Paid and payment count up to ``as_of`` per ``key`` (an expression over the common columns
    of the summaries and the payments, or ``None`` for one total; ``payment_key`` where the
    payments need another expression, as for the month; ``by_unit`` where it names the unit).
    Three queries at most.

    Whole months come from the summary. When ``as_of`` cuts a month, one probe on the payments'
    date index asks whether that month holds payments after ``as_of``: usually it does not (the
    data runs to about today), and the month's summary row is exact. Otherwise the shorter side
    of the month is read from the payments: its first days added to the months before, or its
    last days subtracted from the months up to it."""
    base = Q(region_code=_region(), year=year)
    if extra is not None:
        base &= extra
    result: dict[Any, tuple[Decimal, int]] = defaultdict(lambda: (ZERO, 0))

    def add(qs: QuerySet[Any], counted: Any, key: Any, sign: int = 1) -> None:
        if key is None:
            row = qs.order_by().aggregate(s=MoneySum("amount"), n=counted)
            rows = [{"k": None, **row}]
        else:
            rows = list(qs.order_by().annotate(k=key).values("k").annotate(s=MoneySum("amount"), n=counted))
        for row in rows:
            old = result[row["k"]]
            result[row["k"]] = (old[0] + sign * _money(row["s"]), old[1] + sign * int(row["n"] or 0))

    months, head, tail = _parts(year, as_of)
    if months:
        summary = PaymentRollup if by_unit else PaymentClassSummary
        add(summary.objects.filter(base, month__lte=months), Sum("payments"), key)
    for days, sign in ((head, 1), (tail, -1)):
        if days:
            add(
                Payment.objects.filter(base, pay_date__gte=days[0], pay_date__lte=days[1]),
                Count("id"),
                key if payment_key is None else payment_key,
                sign,
            )
    return {k: v for k, v in result.items() if v != (ZERO, 0)}


def _indicators(*, year: int, as_of: dt.date | None, key: Any) -> dict[Any, Decimal]:
    q = Q(region_code=_region(), year=year)
    if as_of:
        q &= Q(issued_date__lte=as_of) | Q(issued_date__isnull=True)
    qs = Indicator.objects.filter(q).order_by()
    if key is None:
        return {None: _money(qs.aggregate(s=MoneySum("current_amount"))["s"])}
    return {
        row["k"]: _money(row["s"])
        for row in qs.annotate(k=key).values("k").annotate(s=MoneySum("current_amount"))
    }


def _class_names(year: int, schemes: list[str], codes: list[str]) -> dict[str, str]:
    return dict(
        ClassificationItem.objects.filter(year=year, scheme__in=schemes, code__in=codes).values_list(
            "code", "name"
        )
    )


def _query(year: int, as_of: dt.date | None, **changes: Any) -> dict[str, str]:
    return BudgetFilter(year=year, as_of=as_of).as_query(**changes)


def _execution_rows(
    keys: list[str],
    names: dict[str, str],
    indicator: dict[str, Decimal],
    paid: dict[str, Decimal],
    progress: Decimal,
    queries: dict[str, dict[str, str]],
) -> list[ExecutionRow]:
    rows = []
    for key in keys:
        ind, pay = indicator.get(key, ZERO), paid.get(key, ZERO)
        rate = _rate(pay, ind)
        rows.append(
            ExecutionRow(
                code=key,
                name=names.get(key, ""),
                indicator=ind,
                paid=pay,
                rate=rate,
                time_progress=progress,
                lag=None if rate is None else progress - rate,
                query=queries.get(key, {}),
            )
        )
    return rows


def _mask_name(name: str) -> str:
    """An individual payee's name as the voucher pages show it: first character, then stars."""
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


# --- the cache ---------------------------------------------------------------------------------

_caching: contextvars.ContextVar[bool] = contextvars.ContextVar("renda_budget_analysis_cache", default=True)


@contextmanager
def uncached() -> Iterator[None]:
    """Compute the figures afresh within this block (the benchmark's cold figures)."""
    token = _caching.set(False)
    try:
        yield
    finally:
        _caching.reset(token)


def data_version() -> str:
    """What identifies the budget data as loaded: the latest applied import of the region (every
    fact arrives through the import, which rebuilds the payment summaries), with the newest row
    of the summary, the indicators and the units. Empty when nothing was ever imported (facts
    written around the import, as in tests): then nothing is kept."""

    def newest(model: Any) -> Subquery:
        return Subquery(model.objects.order_by("-id").values("id")[:1])

    row = (
        ImportBatch.objects.filter(
            region_code=_region(), status=ImportBatch.Status.APPLIED, finished_at__isnull=False
        )
        .order_by("-finished_at", "-id")
        .annotate(rollup=newest(PaymentRollup), indicator=newest(Indicator), unit=newest(BudgetUnit))
        .values_list("id", "finished_at", "rollup", "indicator", "unit")
        .first()
    )
    if not row or row[1] is None:
        return ""
    batch, finished, rollup, indicator, unit = row
    return f"{batch}@{finished.isoformat() if finished else ''}:{rollup}:{indicator}:{unit}"


def _kept(name: str, args: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``, kept in the cache until the next import changes the data. The figures of
    the dashboards change only at an import, and the page and the reports ask for the same ones
    again and again; the first call after an import computes them (see the benchmark)."""
    version = data_version() if _caching.get() else ""
    if not version:
        return compute()
    digest = hashlib.sha256(f"{args!r}:{get_language()}".encode()).hexdigest()[:20]
    key = f"renda:budget:analysis:{name}:{_region()}:{digest}:{version}"
    kept = cache.get(key)
    if kept is not None:
        return cast(T, kept)
    value = compute()
    cache.set(key, value, CACHE_SECONDS)
    return value


# --- the selectors -----------------------------------------------------------------------------


def analysis_years(*, actor: User) -> list[int]:
    """The fiscal years with indicators or payments, newest first."""
    require(actor, PERM)
    region = _region()
    years = set(Indicator.objects.filter(region_code=region).values_list("year", flat=True).distinct())
    years |= set(PaymentRollup.objects.filter(region_code=region).values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)


def headline(*, actor: User, year: int, as_of: dt.date) -> Headline:
    """The headline figures: budget, execution and time progress, revenue, debt and findings."""
    require(actor, PERM)
    region = _region()
    indicator, paid, payments = _kept(
        "headline",
        (year, as_of),
        lambda: (
            _indicators(year=year, as_of=as_of, key=None)[None],
            *_paid(year=year, as_of=as_of, key=None).get(None, (ZERO, 0)),
        ),
    )
    revenue = revenue_against_budget(actor=actor, year=year, as_of=as_of)
    debt_rows = Debt.objects.filter(region_code=region, year=year, month__lte=_cut(year, as_of).month)
    latest = debt_rows.order_by("-month").values_list("month", flat=True).first()
    debt = (
        debt_rows.filter(month=latest).aggregate(limit=MoneySum("limit_amount"), balance=MoneySum("balance"))
        if latest
        else {"limit": None, "balance": None}
    )
    findings = Finding.objects.filter(region_code=region, year=year, state__in=OPEN_STATES).aggregate(
        open=Count("id"), red=Count("id", filter=Q(severity=Severity.RED))
    )
    return Headline(
        year=year,
        as_of=as_of,
        indicator=indicator,
        paid=paid,
        payments=payments,
        execution_rate=_rate(paid, indicator),
        time_progress=time_progress(year, as_of),
        revenue=revenue.received,
        revenue_budget=revenue.budget,
        debt_balance=_money(debt["balance"]),
        debt_limit=_money(debt["limit"]),
        debt_month=latest,
        open_findings=int(findings["open"] or 0),
        red_findings=int(findings["red"] or 0),
    )


def execution_by_department(*, actor: User, year: int, as_of: dt.date) -> list[ExecutionRow]:
    """执行进度 by 主管部门 (each unit counted under the top of its parent chain)."""
    require(actor, PERM)
    return _kept("execution_by_department", (year, as_of), lambda: _execution_by_department(year, as_of))


def _execution_by_department(year: int, as_of: dt.date) -> list[ExecutionRow]:
    by_unit_paid = _paid(year=year, as_of=as_of, key=F("unit_code"), by_unit=True)
    by_unit_indicator = _indicators(year=year, as_of=as_of, key=F("unit_code"))
    units = {
        code: (dept or code, name)
        for code, dept, name in BudgetUnit.objects.filter(region_code=_region()).values_list(
            "code", "department_code", "name"
        )
    }
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    indicator: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for unit, (amount, _n) in by_unit_paid.items():
        paid[units.get(unit, (unit, ""))[0]] += amount
    for unit, amount in by_unit_indicator.items():
        indicator[units.get(unit, (unit, ""))[0]] += amount
    keys = sorted(set(paid) | set(indicator))
    names = {k: units[k][1] for k in keys if k in units}
    queries = {k: _query(year, as_of, unit=k, group="unit") for k in keys}
    return _execution_rows(keys, names, indicator, paid, time_progress(year, as_of), queries)


def execution_by_function(*, actor: User, year: int, as_of: dt.date) -> list[ExecutionRow]:
    """执行进度 by 功能分类 类 (the first three digits)."""
    require(actor, PERM)
    return _kept("execution_by_function", (year, as_of), lambda: _execution_by_function(year, as_of))


def _execution_by_function(year: int, as_of: dt.date) -> list[ExecutionRow]:
    key = Substr("function_code", 1, 3)
    paid = {k: v[0] for k, v in _paid(year=year, as_of=as_of, key=key).items()}
    indicator = _indicators(year=year, as_of=as_of, key=key)
    keys = sorted(set(paid) | set(indicator))
    names = _class_names(year, ["function"], keys)
    queries = {k: _query(year, as_of, function=k, group="function2") for k in keys}
    return _execution_rows(keys, names, indicator, paid, time_progress(year, as_of), queries)


def monthly_payments(*, actor: User, year: int, as_of: dt.date) -> list[MonthRow]:
    """Paid per month up to ``as_of``, beside the whole same months of the previous year."""
    require(actor, PERM)
    return _kept("monthly_payments", (year, as_of), lambda: _monthly_payments(year, as_of))


def _monthly_payments(year: int, as_of: dt.date) -> list[MonthRow]:
    paid = _paid(year=year, as_of=as_of, key=F("month"), payment_key=ExtractMonth("pay_date"))
    this = {int(k): v[0] for k, v in paid.items()}
    cut = _cut(year, as_of)
    previous_rows = (
        PaymentRollup.objects.filter(region_code=_region(), year=year - 1)
        .order_by()
        .values("month")
        .annotate(s=MoneySum("amount"))
    )
    previous = {row["month"]: _money(row["s"]) for row in previous_rows}
    rows, running, previous_running = [], ZERO, ZERO
    for month in range(1, 13):
        counted = month <= cut.month
        amount = this.get(month, ZERO) if counted else None
        if amount is not None:
            running += amount
        previous_running += previous.get(month, ZERO)
        last = calendar.monthrange(year, month)[1]
        rows.append(
            MonthRow(
                month=month,
                label=_("%(year)s-%(month)02d") % {"year": year, "month": month},
                amount=amount,
                previous=previous.get(month, ZERO),
                cumulative=running if counted else None,
                previous_cumulative=previous_running,
                query=_query(
                    year,
                    as_of,
                    date_from=dt.date(year, month, 1),
                    date_to=dt.date(year, month, last),
                    group="function1",
                )
                if counted
                else {},
            )
        )
    return rows


def _structure(
    *, year: int, as_of: dt.date, key: Any, names: dict[str, str], filter_name: str, group: str
) -> list[Slice]:
    paid = _paid(year=year, as_of=as_of, key=key)
    total = sum((v[0] for v in paid.values()), ZERO)
    slices = []
    for code, (amount, _n) in sorted(paid.items(), key=lambda kv: (-kv[1][0], kv[0] or "")):
        code = code or ""
        slices.append(
            Slice(
                code=code,
                name=names.get(code, "") if code else _("(no economic code)"),
                amount=amount,
                share=_rate(amount, total),
                query=_query(year, as_of, **{filter_name: code}, group=group) if code else None,
            )
        )
    return slices


def structure_by_function(*, actor: User, year: int, as_of: dt.date) -> list[Slice]:
    """支出结构 by 功能分类 类: paid up to ``as_of``, largest first, with its share."""
    require(actor, PERM)
    return _kept("structure_by_function", (year, as_of), lambda: _structure_by_function(year, as_of))


def _structure_by_function(year: int, as_of: dt.date) -> list[Slice]:
    codes = ClassificationItem.objects.filter(year=year, scheme="function", level=1)
    names = dict(codes.values_list("code", "name"))
    return _structure(
        year=year,
        as_of=as_of,
        key=Substr("function_code", 1, 3),
        names=names,
        filter_name="function",
        group="function2",
    )


def structure_by_econ(*, actor: User, year: int, as_of: dt.date) -> list[Slice]:
    """支出结构 by 经济分类 类 (government or department classification, as the payments carry)."""
    require(actor, PERM)
    return _kept("structure_by_econ", (year, as_of), lambda: _structure_by_econ(year, as_of))


def _structure_by_econ(year: int, as_of: dt.date) -> list[Slice]:
    codes = ClassificationItem.objects.filter(year=year, scheme__in=["econ_gov", "econ_dept"], level=1)
    names = dict(codes.values_list("code", "name"))
    return _structure(
        year=year,
        as_of=as_of,
        key=Substr("econ_code", 1, 3),
        names=names,
        filter_name="econ",
        group="econ2",
    )


def three_public_categories() -> dict[str, str]:
    """Each three-public economic code's category, read from the classification names (the
    latest year that names the code), else from the shipped baseline."""
    categories = dict(_BASELINE_CATEGORIES)
    rows = (
        ClassificationItem.objects.filter(
            scheme__in=["econ_gov", "econ_dept"], code__in=THREE_PUBLIC_ECON_CODES
        )
        .order_by("year")
        .values_list("code", "name")
    )
    for code, name in rows:
        for word, category in _CATEGORY_WORDS:
            if word in name:
                categories[code] = category
                break
    return {code: categories.get(code, "vehicles") for code in THREE_PUBLIC_ECON_CODES}


def three_public_by_year(
    *, actor: User, years: list[int], as_of: dt.date | None = None
) -> list[ThreePublicRow]:
    """三公经费 paid per year and category. With ``as_of``, each year is cut at the same day of
    the year (同期), so that the years compare like for like; without it, whole years. At most
    three queries per year."""
    require(actor, PERM)
    years = sorted(set(years))
    return _kept("three_public_by_year", (tuple(years), as_of), lambda: _three_public_by_year(years, as_of))


def _three_public_by_year(years: list[int], as_of: dt.date | None) -> list[ThreePublicRow]:
    categories = three_public_categories()
    sums: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for year in years:
        paid = _paid(
            year=year,
            as_of=_same_day(year, as_of) if as_of else None,
            key=F("econ_code"),
            extra=Q(econ_code__in=THREE_PUBLIC_ECON_CODES),
        )
        for code, (amount, _n) in paid.items():
            sums[(year, categories[code])] += amount
    result = []
    for year in years:
        parts = {c: sums[(year, c)] for c in THREE_PUBLIC_CATEGORIES}
        cut_day = _same_day(year, as_of) if as_of else None
        result.append(
            ThreePublicRow(
                year=year,
                travel=parts["travel"],
                vehicles=parts["vehicles"],
                reception=parts["reception"],
                total=sum(parts.values(), ZERO),
                query=_query(year, cut_day, group="econ2"),
            )
        )
    return result


def _payee_totals(year: int, as_of: dt.date, limit: int) -> list[tuple[str, str, Decimal, int]]:
    """The largest payees up to ``as_of``: name, type, amount, payments. Read as :func:`_paid`
    reads the other summaries: whole months from :class:`PayeeSummary`, and the payments of the
    days that the as-of date cuts off a month added or subtracted; ranked in the database (one
    query, whatever the number of payees)."""
    months, head, tail = _parts(year, as_of)
    region = _region()
    parts = [
        f"SELECT payee_name, payee_type, amount, payments FROM {PayeeSummary._meta.db_table} "  # noqa: S608
        f"WHERE region_code = %s AND year = %s AND month <= %s"
    ]
    params: list[Any] = [region, year, months]
    for days, sign in ((head, 1), (tail, -1)):
        if days:
            parts.append(
                f"SELECT payee_name, payee_type, {sign} * amount, {sign} "  # noqa: S608
                f"FROM {Payment._meta.db_table} "
                f"WHERE region_code = %s AND year = %s AND pay_date >= %s AND pay_date <= %s"
            )
            params += [region, year, *days]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT payee_name, payee_type, {money_sum_sql('amount')} AS s, SUM(payments) AS n FROM "  # noqa: S608
            f"({' UNION ALL '.join(parts)}) p GROUP BY payee_name, payee_type HAVING SUM(payments) > 0 "
            f"ORDER BY s DESC, payee_name, payee_type LIMIT %s",
            [*params, limit],
        )
        rows = cursor.fetchall()
    return [(name, payee_type, _money(money_value(total)), int(n)) for name, payee_type, total, n in rows]


def top_payees(*, actor: User, year: int, as_of: dt.date, limit: int = 10) -> list[PayeeRow]:
    """The payees paid most up to ``as_of``. An individual's name is masked unless the actor may
    see payee accounts, and never put into a link."""
    require(actor, PERM)
    full = can(actor, "budget.view_payee_account")
    payee_types = dict(Payment.PayeeType.choices)
    limit = max(1, min(limit, 100))
    total, rows = _kept(
        "payees",
        (year, as_of, limit),
        lambda: (
            _paid(year=year, as_of=as_of, key=None).get(None, (ZERO, 0))[0],
            _payee_totals(year, as_of, limit),
        ),
    )
    result = []
    for rank, (name, payee_type, amount, n) in enumerate(rows, start=1):
        person = payee_type == Payment.PayeeType.PERSON
        result.append(
            PayeeRow(
                rank=rank,
                name=_mask_name(name) if person and not full else name,
                payee_type=str(payee_types.get(payee_type, payee_type or "")),
                amount=amount,
                payments=n,
                share=_rate(amount, total),
                query=None if person or not name else _query(year, as_of, payee=name, group="function1"),
            )
        )
    return result


def revenue_against_budget(*, actor: User, year: int, as_of: dt.date) -> RevenueTable:
    """收入 per item and budget type: received in the months up to ``as_of`` against the annual
    budget (the latest month's 年度预算数 that is given; ``None`` where none is)."""
    require(actor, PERM)
    months = _cut(year, as_of).month
    rows = (
        Revenue.objects.filter(region_code=_region(), year=year, month__lte=months)
        .order_by("budget_type", "item_code", "month")
        .values_list("item_code", "item_name", "budget_type", "amount", "budget_amount")
    )
    items: dict[tuple[int, str], dict[str, Any]] = {}
    for code, name, budget_type, amount, budget in rows:
        item = items.setdefault((budget_type, code), {"name": name, "received": ZERO, "budget": None})
        item["received"] += _money(amount)
        if name:
            item["name"] = name
        if budget is not None:
            item["budget"] = _money(budget)
    types = dict(BudgetType.choices)
    result = [
        RevenueRow(
            code=code,
            name=item["name"],
            budget_type=budget_type,
            budget_type_label=str(types.get(budget_type, budget_type)),
            budget=item["budget"],
            received=item["received"],
            rate=_rate(item["received"], item["budget"]),
        )
        for (budget_type, code), item in items.items()
    ]
    budgeted = [r for r in result if r.budget is not None]
    budget = sum((r.budget or ZERO for r in budgeted), ZERO) if budgeted else None
    return RevenueTable(
        rows=result,
        budget=budget,
        received=sum((r.received for r in result), ZERO),
        rate=_rate(sum((r.received for r in budgeted), ZERO), budget),
        months=months,
    )


def debt_against_limit(*, actor: User, year: int, as_of: dt.date) -> list[DebtRow]:
    """政府债务: limit and balance per month (up to the month of ``as_of``) and debt type."""
    require(actor, PERM)
    rows = (
        Debt.objects.filter(region_code=_region(), year=year, month__lte=_cut(year, as_of).month)
        .order_by("month", "debt_type")
        .values_list("month", "debt_type", "limit_amount", "balance")
    )
    labels = dict(Debt.DebtType.choices)
    return [
        DebtRow(
            month=month,
            label=_("%(year)s-%(month)02d") % {"year": year, "month": month},
            debt_type=debt_type,
            debt_type_label=str(labels.get(debt_type, debt_type)),
            limit=_money(limit),
            balance=_money(balance),
        )
        for month, debt_type, limit, balance in rows
    ]


def finding_states() -> list[tuple[str, str]]:
    """The workflow states in their order, with their labels."""
    return [(str(value), str(label)) for value, label in Finding.State.choices]


def findings_by_rule_and_state(*, actor: User, year: int) -> list[FindingRuleRow]:
    """Findings of the year counted per rule and state (rules in catalogue order)."""
    require(actor, PERM)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    rows = (
        Finding.objects.filter(region_code=_region(), year=year)
        .order_by()
        .values("rule_code", "state")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["rule_code"]][row["state"]] = int(row["n"])
    order = {code: i for i, code in enumerate(RULES)}
    states = [value for value, _label in Finding.State.choices]
    result = []
    for code in sorted(counts, key=lambda c: (order.get(c, len(order)), c)):
        per_state = {state: counts[code].get(state, 0) for state in states}
        result.append(
            FindingRuleRow(
                rule_code=code,
                rule_name=rule_name(code),
                counts=per_state,
                total=sum(per_state.values()),
                open=sum(per_state[s] for s in OPEN_STATES),
            )
        )
    return result


# --- the whole page ------------------------------------------------------------------------------

THREE_PUBLIC_YEARS = 5  # the three public expenses: the selected year and up to four before it with data


@dataclass(frozen=True)
class Dashboard:
    """分析: every dashboard of a year as of a date, as figures (``views.analysis_charts`` draws them)."""

    year: int
    as_of: dt.date
    head: Headline
    by_department: list[ExecutionRow]
    by_function: list[ExecutionRow]
    months: list[MonthRow]
    functions: list[Slice]
    econ: list[Slice]
    three_public: list[ThreePublicRow]
    payees: list[PayeeRow]
    revenue: RevenueTable
    debt: list[DebtRow]
    findings: list[FindingRuleRow]
    states: list[tuple[str, str]]
    findings_links: bool


def analysis_dashboard(*, actor: User, year: int, as_of: dt.date, years: list[int]) -> Dashboard:
    """The figures of every dashboard the actor may see, for ``year`` as of ``as_of``."""
    shown = [y for y in years if year - THREE_PUBLIC_YEARS < y <= year] or [year]
    return Dashboard(
        year=year,
        as_of=as_of,
        head=headline(actor=actor, year=year, as_of=as_of),
        by_department=execution_by_department(actor=actor, year=year, as_of=as_of),
        by_function=execution_by_function(actor=actor, year=year, as_of=as_of),
        months=monthly_payments(actor=actor, year=year, as_of=as_of),
        functions=structure_by_function(actor=actor, year=year, as_of=as_of),
        econ=structure_by_econ(actor=actor, year=year, as_of=as_of),
        three_public=three_public_by_year(actor=actor, years=shown, as_of=as_of),
        payees=top_payees(actor=actor, year=year, as_of=as_of),
        revenue=revenue_against_budget(actor=actor, year=year, as_of=as_of),
        debt=debt_against_limit(actor=actor, year=year, as_of=as_of),
        findings=findings_by_rule_and_state(actor=actor, year=year),
        states=finding_states(),
        findings_links=can(actor, "budget.view_findings"),
    )
