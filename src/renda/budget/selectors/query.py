"""查询: reads of the budget facts, scoped to what the actor may see.

Summaries read :class:`PaymentSummary` (paid per unit × functional × economic code × budget type
× project × month) unless a filter needs the payments themselves (payee, amount range, a date
range that does not follow whole months, grouping by day).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from renda.accounts.models import User
from renda.budget.models import (
    BudgetType,
    BudgetUnit,
    ClassificationItem,
    ImportBatch,
    Indicator,
    Payment,
    PaymentClassSummary,
    PaymentRollup,
    PaymentSummary,
    Project,
)
from renda.core.module_parameters import current_region_code
from renda.core.money import MoneySum
from renda.core.permissions import can, require

ZERO = Decimal("0.00")

# Groupings: how the rows of a table are keyed, and where a click on a row leads.
GROUPS = (
    "function1",
    "function2",
    "function3",
    "econ1",
    "econ2",
    "department",
    "unit",
    "month",
    "day",
    "budget_type",
    "project",
)
NEXT_GROUP = {
    "function1": "function2",
    "function2": "function3",
    "econ1": "econ2",
    "department": "unit",
    "month": "day",
    "budget_type": "function1",
}
CODE_LENGTH = {"function1": 3, "function2": 5, "function3": 7, "econ1": 3, "econ2": 5}


def group_labels() -> dict[str, str]:
    return {
        "function1": _("Functional classification: class"),
        "function2": _("Functional classification: section"),
        "function3": _("Functional classification: item"),
        "econ1": _("Economic classification: class"),
        "econ2": _("Economic classification: section"),
        "department": _("Competent department"),
        "unit": _("Budget unit"),
        "month": _("Month"),
        "day": _("Day"),
        "budget_type": _("Budget type"),
        "project": _("Project"),
    }


@dataclass(frozen=True)
class BudgetFilter:
    year: int
    as_of: dt.date | None = None
    budget_type: int | None = None
    unit: str = ""
    function: str = ""
    econ: str = ""
    project: str = ""
    payee: str = ""
    voucher: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    group: str = "function1"

    def as_query(self, **changes: Any) -> dict[str, str]:
        """The filter as query parameters (for links), with ``changes`` applied."""
        data = replace(self, **changes) if changes else self
        params = {
            "year": str(data.year),
            "as_of": data.as_of.isoformat() if data.as_of else "",
            "budget_type": str(data.budget_type or ""),
            "unit": data.unit,
            "function": data.function,
            "econ": data.econ,
            "project": data.project,
            "payee": data.payee,
            "voucher": data.voucher,
            "amount_min": "" if data.amount_min is None else str(data.amount_min),
            "amount_max": "" if data.amount_max is None else str(data.amount_max),
            "date_from": data.date_from.isoformat() if data.date_from else "",
            "date_to": data.date_to.isoformat() if data.date_to else "",
            "group": data.group,
        }
        return {k: v for k, v in params.items() if v}

    @property
    def paid_until(self) -> dt.date | None:
        dates = [d for d in (self.as_of, self.date_to) if d]
        return min(dates) if dates else None

    @property
    def needs_payments(self) -> bool:
        """Whether the paid figures must come from the payments rather than the summary."""
        if self.payee or self.voucher or self.amount_min is not None or self.amount_max is not None:
            return True
        if self.group == "day":
            return True
        if self.date_from and self.date_from.day != 1:
            return True
        until = self.paid_until
        return bool(until and until.day != calendar.monthrange(until.year, until.month)[1])


@dataclass
class Row:
    key: str
    label: str
    indicator: Decimal | None
    paid: Decimal
    payments: int
    drill: dict[str, str] | None = None  # query of the next table
    vouchers: dict[str, str] = field(default_factory=dict)  # query of the voucher list
    # Booked on the level above (a 款 code at the 项 level): not broken down further.
    unrefined: bool = False

    @property
    def balance(self) -> Decimal | None:
        return None if self.indicator is None else self.indicator - self.paid

    @property
    def rate(self) -> Decimal | None:
        if not self.indicator:
            return None
        return (self.paid / self.indicator * 100).quantize(Decimal("0.1"))


@dataclass
class Table:
    filters: BudgetFilter
    rows: list[Row]
    total: Row
    source: str  # "summary" or "payments"


# --- helpers -----------------------------------------------------------------------------------


_region = current_region_code


def units_under(code: str) -> list[str]:
    """A unit's code and the codes of all its sub-units."""
    children: dict[str, list[str]] = defaultdict(list)
    for unit_code, parent in BudgetUnit.objects.filter(region_code=_region()).values_list(
        "code", "parent_code"
    ):
        if parent:
            children[parent].append(unit_code)
    found, stack = [], [code]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.append(current)
        stack.extend(children.get(current, ()))
    return found


def _common_q(filters: BudgetFilter, units: list[str] | None) -> Q:
    q = Q(region_code=_region(), year=filters.year)
    if filters.budget_type:
        q &= Q(budget_type=filters.budget_type)
    if units is not None:
        q &= Q(unit_code__in=units)
    if filters.function:
        q &= Q(function_code__startswith=filters.function)
    if filters.econ:
        q &= Q(econ_code__startswith=filters.econ)
    if filters.project:
        q &= Q(project_code=filters.project)
    return q


def payments_q(filters: BudgetFilter, units: list[str] | None) -> Q:
    q = _common_q(filters, units)
    if filters.date_from:
        q &= Q(pay_date__gte=filters.date_from)
    if filters.paid_until:
        q &= Q(pay_date__lte=filters.paid_until)
    if filters.payee:
        q &= Q(payee_name__contains=filters.payee)
    if filters.voucher:  # a prefix as a range, so that the unique index serves it
        q &= Q(voucher_no__gte=filters.voucher, voucher_no__lt=filters.voucher + "\U0010ffff")
    if filters.amount_min is not None:
        q &= Q(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        q &= Q(amount__lte=filters.amount_max)
    return q


def _summary_of(
    filters: BudgetFilter, units: list[str] | None, group: str = ""
) -> type[PaymentClassSummary | PaymentRollup | PaymentSummary]:
    """The smallest summary that holds what a query needs (all three give the same figures): the
    classification summary when no unit or project is named or grouped by, the rollup when no
    economic code or project is, else the fine summary."""
    by_project = bool(filters.project) or group == "project"
    if units is None and not by_project and group not in ("department", "unit"):
        return PaymentClassSummary
    if not filters.econ and not by_project and not group.startswith("econ"):
        return PaymentRollup
    return PaymentSummary


def _summary_q(filters: BudgetFilter, units: list[str] | None) -> Q:
    q = _common_q(filters, units)
    if filters.date_from:
        q &= Q(month__gte=filters.date_from.month)
    if filters.paid_until:
        q &= Q(month__lte=filters.paid_until.month)
    return q


def _indicator_q(filters: BudgetFilter, units: list[str] | None) -> Q:
    q = _common_q(filters, units)
    if filters.as_of:
        q &= Q(issued_date__lte=filters.as_of) | Q(issued_date__isnull=True)
    return q


def _key_expression(group: str, date_field: str) -> Any:
    if group.startswith("function"):
        return Substr("function_code", 1, CODE_LENGTH[group])
    if group.startswith("econ"):
        return Substr("econ_code", 1, CODE_LENGTH[group])
    if group in ("department", "unit"):
        return F("unit_code")
    if group == "budget_type":
        return F("budget_type")
    if group == "project":
        return F("project_code")
    if group == "month":
        return F("month") if date_field == "month" else F("pay_date__month")
    return F("pay_date")


def _grouped(qs: QuerySet[Any], group: str, date_field: str, amount: str) -> dict[str, tuple[Decimal, int]]:
    counted = Sum("payments") if date_field == "month" else Count("id")
    if amount == "current_amount":
        counted = Count("id")
    rows = (
        qs.annotate(k=_key_expression(group, date_field)).values("k").annotate(s=MoneySum(amount), n=counted)
    )
    result: dict[str, tuple[Decimal, int]] = {}
    for row in rows.order_by():
        key = "" if row["k"] is None else str(row["k"])
        result[key] = (Decimal(row["s"] or 0).quantize(Decimal("0.01")), int(row["n"] or 0))
    return result


def _roll_up(
    values: dict[str, tuple[Decimal, int]], mapping: dict[str, str]
) -> dict[str, tuple[Decimal, int]]:
    rolled: dict[str, tuple[Decimal, int]] = {}
    for key, (amount, n) in values.items():
        target = mapping.get(key, key)
        old = rolled.get(target, (ZERO, 0))
        rolled[target] = (old[0] + amount, old[1] + n)
    return rolled


def _labels(group: str, year: int, keys: Iterable[str]) -> dict[str, str]:
    keys = list(keys)
    if group.startswith("function") or group.startswith("econ"):
        schemes = ["function"] if group.startswith("function") else ["econ_gov", "econ_dept"]
        names = dict(
            ClassificationItem.objects.filter(year=year, scheme__in=schemes, code__in=keys).values_list(
                "code", "name"
            )
        )
        return {k: f"{k} {names.get(k, '')}".strip() for k in keys}
    if group in ("department", "unit"):
        names = dict(
            BudgetUnit.objects.filter(region_code=_region(), code__in=keys).values_list("code", "name")
        )
        return {k: f"{k} {names.get(k, '')}".strip() for k in keys}
    if group == "project":
        names = dict(
            Project.objects.filter(region_code=_region(), year=year, code__in=keys).values_list(
                "code", "name"
            )
        )
        return {k: (f"{k} {names.get(k, '')}".strip() if k else _("(no project)")) for k in keys}
    if group == "budget_type":
        labels = dict(BudgetType.choices)
        return {k: str(labels.get(int(k), k)) for k in keys}
    if group == "month":
        return {k: _("%(year)s-%(month)02d") % {"year": year, "month": int(k)} for k in keys}
    return {k: k for k in keys}


def labels_for(group: str, year: int, keys: Iterable[str]) -> dict[str, str]:
    """``code name`` of each key of a grouping (units, classification codes, projects)."""
    return _labels(group, year, keys)


def _drill(filters: BudgetFilter, group: str, key: str) -> tuple[dict[str, str] | None, dict[str, str]]:
    """The query of the next table for a row, and of its voucher list."""
    if group.startswith("function"):
        narrowed = replace(filters, function=key)
    elif group.startswith("econ"):
        narrowed = replace(filters, econ=key)
    elif group in ("department", "unit"):
        narrowed = replace(filters, unit=key)
    elif group == "budget_type":
        narrowed = replace(filters, budget_type=int(key))
    elif group == "project":
        narrowed = replace(filters, project=key)
    elif group == "month":
        month = int(key)
        last = calendar.monthrange(filters.year, month)[1]
        narrowed = replace(
            filters, date_from=dt.date(filters.year, month, 1), date_to=dt.date(filters.year, month, last)
        )
    else:  # day
        day = dt.date.fromisoformat(key)
        narrowed = replace(filters, date_from=day, date_to=day)
    vouchers = narrowed.as_query()
    vouchers.pop("group", None)
    next_group = NEXT_GROUP.get(group)
    return (narrowed.as_query(group=next_group) if next_group else None), vouchers


# --- the selectors -----------------------------------------------------------------------------


def budget_table(*, actor: User, filters: BudgetFilter) -> Table:
    """The 查询 table: indicator, paid, balance and execution rate per group of ``filters.group``."""
    require(actor, "budget.view_budget")
    group = filters.group if filters.group in GROUPS else "function1"
    units = units_under(filters.unit) if filters.unit else None
    use_payments = filters.needs_payments
    if use_payments:
        paid = _grouped(Payment.objects.filter(payments_q(filters, units)), group, "pay_date", "amount")
    else:
        summary = _summary_of(filters, units, group)
        paid = _grouped(summary.objects.filter(_summary_q(filters, units)), group, "month", "amount")
    indicator: dict[str, tuple[Decimal, int]] | None = None
    if group not in ("month", "day"):
        indicator = _grouped(
            Indicator.objects.filter(_indicator_q(filters, units)), group, "", "current_amount"
        )
    if group == "department":
        departments = dict(
            BudgetUnit.objects.filter(region_code=_region()).values_list("code", "department_code")
        )
        mapping = {code: dept or code for code, dept in departments.items()}
        paid = _roll_up(paid, mapping)
        if indicator is not None:
            indicator = _roll_up(indicator, mapping)
    keys = sorted(set(paid) | set(indicator or {}))
    labels = _labels(group, filters.year, keys)
    rows = []
    for key in keys:
        drill, vouchers = _drill(replace(filters, group=group), group, key)
        # A code shorter than the level's (20501 at the 项 level) is money booked on the level
        # above: said so, not offered as one more 项 to drill into (nor as the whole 款's vouchers).
        unrefined = group in CODE_LENGTH and 0 < len(key) < CODE_LENGTH[group]
        if unrefined:
            drill, vouchers = None, {}
        rows.append(
            Row(
                key=key,
                label=(
                    _("%(label)s — booked here, not broken down further") % {"label": labels.get(key, key)}
                    if unrefined
                    else labels.get(key, key)
                ),
                indicator=None if indicator is None else indicator.get(key, (ZERO, 0))[0],
                paid=paid.get(key, (ZERO, 0))[0],
                payments=paid.get(key, (ZERO, 0))[1],
                drill=drill,
                vouchers=vouchers,
                unrefined=unrefined,
            )
        )
    rows.sort(key=lambda r: r.unrefined)  # the level's own rows first
    total_indicator = None if indicator is None else sum((r.indicator or ZERO for r in rows), ZERO)
    total = Row(
        "", _("Total"), total_indicator, sum((r.paid for r in rows), ZERO), sum(r.payments for r in rows)
    )
    return Table(replace(filters, group=group), rows, total, "payments" if use_payments else "summary")


def payments_list(*, actor: User, filters: BudgetFilter, depth: int | None = None) -> QuerySet[Payment]:
    """The voucher list (支付凭证) for ``filters``, newest first.

    ``depth``: only the first ``depth`` payments of the list will be read (a page and the pages
    before it). Where the summary counts the list exactly (whole months, no payee, voucher or
    amount filter), the list is then narrowed to the latest months that hold that many payments,
    so that the database sorts those months' payments rather than all of them; the first
    ``depth`` rows are the same."""
    require(actor, "budget.view_budget")
    units = units_under(filters.unit) if filters.unit else None
    since = _recent_months(filters, units, depth) if depth else None
    recent = Q(pay_date__gte=since) if since else Q()
    if depth and units and 1 < len(units) <= MAX_MERGED_UNITS:
        q = Q(pk__in=_newest_per_unit([payments_q(filters, [unit]) & recent for unit in units], depth))
    else:
        q = payments_q(filters, units) & recent
    return Payment.objects.filter(q).order_by(*VOUCHER_ORDER)


VOUCHER_ORDER = ("-pay_date", "voucher_no")
MAX_MERGED_UNITS = 50


def _newest_per_unit(parts: list[Q], depth: int) -> RawSQL:
    """The ids of the list's first ``depth`` payments, where each part is one unit's payments:
    each part's newest ``depth`` are read in order from the (unit, date) index, stopping early,
    and the newest ``depth`` of those are kept — where one query over all the units would sort
    all their payments."""
    selects: list[str] = []
    params: list[Any] = []
    for n, part in enumerate(parts):
        branch = Payment.objects.filter(part).order_by(*VOUCHER_ORDER).values("id", "pay_date", "voucher_no")
        sql, branch_params = branch[:depth].query.sql_with_params()
        selects.append(f"SELECT * FROM ({sql}) AS u{n}")  # noqa: S608 - compiled by the ORM
        params.extend(branch_params)
    union = " UNION ALL ".join(selects)
    return RawSQL(  # noqa: S611 - compiled by the ORM, every value a parameter
        f"SELECT id FROM ({union}) AS newest ORDER BY pay_date DESC, voucher_no LIMIT %s",  # noqa: S608
        [*params, depth],
    )


def _recent_months(filters: BudgetFilter, units: list[str] | None, depth: int) -> dt.date | None:
    """The first day of the latest month from which on the list holds at least ``depth``
    payments, by the summary's counts; ``None`` when that is not known exactly or no later than
    the list's own start."""
    if replace(filters, group="function1").needs_payments:
        return None
    rows = _summary_of(filters, units).objects.filter(_summary_q(filters, units))
    per_month: dict[int, int] = defaultdict(int)
    if units is None:
        for month, n in rows.values("month").annotate(n=Sum("payments")).values_list("month", "n"):
            per_month[month] += n
    else:  # a few units' rows, summed here: grouped by month in SQL, SQLite would rather read
        for month, n in rows.values_list("month", "payments"):  # the year through the month index
            per_month[month] += n
    seen = 0
    for month in sorted(per_month, reverse=True):
        seen += per_month[month]
        if seen >= depth:
            if month <= 1:
                return None
            since = dt.date(filters.year, month, 1)
            return None if filters.date_from and since <= filters.date_from else since
    return None


def payments_total(qs: QuerySet[Payment], filters: BudgetFilter | None = None) -> tuple[Decimal, int]:
    """The sum and number of the payments of ``qs`` (a :func:`payments_list`). Given the
    ``filters`` that made it, and when those follow whole months without a payee, voucher or
    amount filter, the summary answers (the same figures, without reading every payment)."""
    if filters is not None and not replace(filters, group="function1").needs_payments:
        units = units_under(filters.unit) if filters.unit else None
        summary = _summary_of(filters, units)
        row = summary.objects.filter(_summary_q(filters, units)).aggregate(
            s=MoneySum("amount"), n=Sum("payments")
        )
    else:
        row = qs.order_by().aggregate(s=MoneySum("amount"), n=Count("id"))
    return Decimal(row["s"] or 0).quantize(Decimal("0.01")), int(row["n"] or 0)


def payment_detail(*, actor: User, year: int, voucher_no: str) -> Payment:
    require(actor, "budget.view_budget")
    return Payment.objects.get(region_code=_region(), year=year, voucher_no=voucher_no)


def show_payee_accounts(actor: User) -> bool:
    return can(actor, "budget.view_payee_account")


def fiscal_years(*, actor: User) -> list[int]:
    require(actor, "budget.view_budget")
    years = set(Indicator.objects.filter(region_code=_region()).values_list("year", flat=True).distinct())
    years |= set(
        PaymentSummary.objects.filter(region_code=_region()).values_list("year", flat=True).distinct()
    )
    return sorted(years, reverse=True)


def recent_batches(*, actor: User, limit: int = 20) -> QuerySet[ImportBatch]:
    require(actor, "budget.view_imports")
    return ImportBatch.objects.filter(region_code=_region()).select_related("actor")[:limit]


def import_batch(*, actor: User, pk: int) -> ImportBatch:
    require(actor, "budget.view_imports")
    return ImportBatch.objects.select_related("actor").get(pk=pk, region_code=_region())


def budget_counts(*, actor: User, year: int) -> dict[str, int]:
    require(actor, "budget.view_budget")
    region = _region()
    return {
        "units": BudgetUnit.objects.filter(region_code=region).count(),
        "indicators": Indicator.objects.filter(region_code=region, year=year).count(),
        "payments": int(
            PaymentSummary.objects.filter(region_code=region, year=year).aggregate(n=Sum("payments"))["n"]
            or 0
        ),
    }


# --- the voucher end of the drill-down: names, not bare codes ---------------------------------


@dataclass
class Named:
    """A code with its name and the drill-down it opens (the 查询 filtered to it)."""

    code: str
    label: str
    query: dict[str, str]


@dataclass
class VoucherNames:
    unit: Named | None
    department: Named | None  # the unit's 主管部门, when it is not the unit itself
    functions: list[Named]  # 类 › 款 › 项
    econ: list[Named]  # 类 › 款
    project: Named | None
    indicator: Indicator | None
    indicator_vouchers: dict[str, str]


def voucher_names(*, actor: User, payment: Payment) -> VoucherNames:
    """The names behind a voucher's codes (unit and 主管部门, functional and economic class at each
    level, project, indicator), each with the query of its drill-down; six queries."""
    require(actor, "budget.view_budget")
    year = payment.year
    base = {"year": str(year)}
    unit_row = (
        BudgetUnit.objects.filter(region_code=_region(), code=payment.unit_code)
        .values("name", "department_code")
        .first()
    )
    unit = Named(
        payment.unit_code,
        f"{payment.unit_code} {unit_row['name']}" if unit_row else payment.unit_code,
        {**base, "unit": payment.unit_code, "group": "function1"},
    )
    department = None
    dept_code: str = unit_row["department_code"] if unit_row else ""
    if dept_code and dept_code != payment.unit_code:
        label = _labels("unit", year, [dept_code])[dept_code]
        department = Named(dept_code, label, {**base, "unit": dept_code, "group": "unit"})
    f_codes = [payment.function_code[:n] for n in (3, 5, 7) if len(payment.function_code) >= n]
    f_labels = _labels("function1", year, f_codes)
    next_level = {3: "function2", 5: "function3", 7: "function3"}
    functions = [Named(c, f_labels[c], {**base, "function": c, "group": next_level[len(c)]}) for c in f_codes]
    e_codes = [payment.econ_code[:n] for n in (3, 5) if len(payment.econ_code) >= n]
    e_labels = _labels("econ1", year, e_codes)
    econ = [Named(c, e_labels[c], {**base, "econ": c, "group": "econ2"}) for c in e_codes]
    project = None
    if payment.project_code:
        label = _labels("project", year, [payment.project_code])[payment.project_code]
        project = Named(
            payment.project_code, label, {**base, "project": payment.project_code, "group": "function1"}
        )
    indicator = None
    indicator_vouchers: dict[str, str] = {}
    if payment.indicator_no:
        indicator = Indicator.objects.filter(
            region_code=_region(), year=year, indicator_no=payment.indicator_no
        ).first()
        if indicator is not None:
            indicator_vouchers = {
                k: v
                for k, v in {
                    **base,
                    "unit": indicator.unit_code,
                    "function": indicator.function_code,
                    "econ": indicator.econ_code,
                    "budget_type": str(indicator.budget_type),
                    "project": indicator.project_code,
                }.items()
                if v
            }
    return VoucherNames(unit, department, functions, econ, project, indicator, indicator_vouchers)


def voucher_list_names(*, actor: User, year: int, payments: Iterable[Payment]) -> dict[str, dict[str, str]]:
    """For a page of vouchers: ``{"unit": {code: "code name"}, "function": {...}}`` (two queries)."""
    require(actor, "budget.view_budget")
    rows = list(payments)
    return {
        "unit": _labels("unit", year, {p.unit_code for p in rows}),
        "function": _labels("function1", year, {p.function_code for p in rows if p.function_code}),
    }
