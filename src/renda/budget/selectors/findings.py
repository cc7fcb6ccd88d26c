"""预警发现: reads of the warning findings, scoped to what the actor may see.

Only budget committee staff and administrators see findings (``budget.view_findings``); deputies
get aggregate summaries on the analysis and report pages instead. A list costs a constant number
of queries whatever its length: the assignee is joined and the unit's name is a subquery.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from renda.accounts.models import User
from renda.budget.models import BudgetUnit, Finding, FindingStep, Indicator, Inquiry, Payment, Severity
from renda.budget.selectors.query import units_under
from renda.budget.services.findings import evidence_numbers
from renda.budget.warning_rules.registry import RULES, rule_name
from renda.core.module_parameters import current_region_code
from renda.core.money import MoneySum
from renda.core.permissions import require

State = Finding.State
EVIDENCE_SHOWN = 200  # vouchers or indicators listed on a finding's page


_region = current_region_code


@dataclass(frozen=True)
class FindingFilter:
    year: int | None = None
    rule: str = ""
    severity: str = ""
    state: str = ""
    unit: str = ""  # a unit code, with its sub-units
    assignee: int | None = None
    mine: bool = False
    active: bool | None = None  # None: found by the latest run or not

    def as_query(self) -> dict[str, str]:
        params = {
            "year": str(self.year or ""),
            "rule": self.rule,
            "severity": self.severity,
            "state": self.state,
            "unit": self.unit,
            "assignee": str(self.assignee or ""),
            "mine": "1" if self.mine else "",
            "active": "" if self.active is None else ("1" if self.active else "0"),
        }
        return {k: v for k, v in params.items() if v}


def finding_years(*, actor: User) -> list[int]:
    """The fiscal years that have findings, newest first."""
    require(actor, "budget.view_findings")
    return sorted(
        set(Finding.objects.filter(region_code=_region()).values_list("year", flat=True).distinct()),
        reverse=True,
    )


def _unit_name() -> Subquery:
    return Subquery(
        BudgetUnit.objects.filter(region_code=OuterRef("region_code"), code=OuterRef("unit_code")).values(
            "name"
        )[:1]
    )


def findings_visible_to(*, actor: User, filters: FindingFilter) -> QuerySet[Finding]:
    """The findings ``actor`` may see, filtered; red before yellow, newest first."""
    require(actor, "budget.view_findings")
    q = Q(region_code=_region())
    if filters.year:
        q &= Q(year=filters.year)
    if filters.rule:
        q &= Q(rule_code=filters.rule)
    if filters.severity:
        q &= Q(severity=filters.severity)
    if filters.state:
        q &= Q(state=filters.state)
    if filters.unit:
        q &= Q(unit_code__in=units_under(filters.unit))
    if filters.mine:
        q &= Q(assignee_id=actor.pk)
    elif filters.assignee:
        q &= Q(assignee_id=filters.assignee)
    if filters.active is not None:
        q &= Q(active=filters.active)
    return (
        Finding.objects.filter(q)
        .select_related("assignee")
        .annotate(unit_name=_unit_name())
        .order_by("-year", "severity", "-last_as_of", "-id")  # "red" sorts before "yellow"
    )


def finding_for(*, actor: User, pk: int) -> Finding:
    """One finding with its history (steps, their actors) and its letters; Finding.DoesNotExist if
    it is not there or not the actor's to see."""
    require(actor, "budget.view_findings")
    return (
        Finding.objects.filter(region_code=_region())
        .select_related("assignee", "first_run", "last_run")
        .annotate(unit_name=_unit_name())
        .prefetch_related(
            Prefetch("steps", queryset=FindingStep.objects.select_related("actor")),
            Prefetch(
                "inquiries",
                queryset=Inquiry.objects.select_related(
                    "sent_by", "organisation", "replied_by"
                ).prefetch_related("attachments"),
            ),
        )
        .get(pk=pk)
    )


def inquiry_for(*, actor: User, pk: int) -> Inquiry:
    """A letter, for the budget staff or the clerk of the unit it is addressed to."""
    inquiry = Inquiry.objects.select_related("finding", "sent_by").get(pk=pk, finding__region_code=_region())
    require(actor, "budget.view_inquiry", inquiry)
    return inquiry


def step_for(*, actor: User, pk: int) -> FindingStep:
    require(actor, "budget.view_findings")
    return FindingStep.objects.select_related("finding").get(pk=pk, finding__region_code=_region())


# --- evidence ----------------------------------------------------------------------------------


@dataclass
class IndicatorEvidence:
    number: str
    indicator: Indicator | None
    paid: Decimal
    payments: int

    @property
    def rate(self) -> Decimal | None:
        if self.indicator is None or not self.indicator.current_amount:
            return None
        return (self.paid / self.indicator.current_amount * 100).quantize(Decimal("0.1"))

    def vouchers_query(self) -> dict[str, str]:
        """The 支付凭证 list narrowed to this indicator's line: unit, functional and economic code,
        budget type and project (the query pages filter by these, not by indicator number)."""
        i = self.indicator
        if i is None:
            return {}
        params = {
            "year": str(i.year),
            "unit": i.unit_code,
            "function": i.function_code,
            "econ": i.econ_code,
            "budget_type": str(i.budget_type),
            "project": i.project_code,
        }
        return {k: v for k, v in params.items() if v}


@dataclass
class Evidence:
    payments: list[tuple[str, Payment | None]] = field(default_factory=list)
    indicators: list[IndicatorEvidence] = field(default_factory=list)
    vouchers_total: int = 0
    indicators_total: int = 0
    paid_total: Decimal = Decimal("0.00")

    @property
    def more_vouchers(self) -> int:
        return self.vouchers_total - len(self.payments)

    @property
    def more_indicators(self) -> int:
        return self.indicators_total - len(self.indicators)


def finding_evidence(*, actor: User, finding: Finding) -> Evidence:
    """The payments and indicators behind ``finding``: the first ``EVIDENCE_SHOWN`` of each, in
    three queries (payments, indicators, paid per indicator)."""
    require(actor, "budget.view_findings", finding)
    vouchers, indicators = evidence_numbers(finding)
    scope = {"region_code": finding.region_code, "year": finding.year}
    shown = vouchers[:EVIDENCE_SHOWN]
    found = {p.voucher_no: p for p in Payment.objects.filter(**scope, voucher_no__in=shown)} if shown else {}
    evidence = Evidence(
        payments=[(no, found.get(no)) for no in shown],
        vouchers_total=len(vouchers),
        indicators_total=len(indicators),
        paid_total=sum((p.amount for p in found.values()), Decimal("0.00")),
    )
    shown_ind = indicators[:EVIDENCE_SHOWN]
    if shown_ind:
        rows = {i.indicator_no: i for i in Indicator.objects.filter(**scope, indicator_no__in=shown_ind)}
        paid = {
            r["indicator_no"]: (r["s"] or Decimal("0.00"), r["n"])
            for r in Payment.objects.filter(**scope, indicator_no__in=shown_ind)
            .values("indicator_no")
            .annotate(s=MoneySum("amount"), n=Count("id"))
            .order_by()
        }
        evidence.indicators = [
            IndicatorEvidence(no, rows.get(no), *paid.get(no, (Decimal("0.00"), 0))) for no in shown_ind
        ]
    return evidence


# --- statistics --------------------------------------------------------------------------------


@dataclass
class RuleStat:
    code: str
    name: str
    by_state: dict[str, int]
    total: int

    @property
    def false_positive(self) -> int:
        return self.by_state.get(State.FALSE_POSITIVE, 0)

    @property
    def false_positive_share(self) -> Decimal | None:
        """误报占比: the findings marked false positive over all the rule's findings, in per cent."""
        if not self.total:
            return None
        return (Decimal(self.false_positive) * 100 / self.total).quantize(Decimal("0.1"))

    @property
    def open(self) -> int:
        return sum(n for s, n in self.by_state.items() if s not in (State.CLOSED, State.FALSE_POSITIVE))

    def states(self) -> list[tuple[str, int]]:
        return [(s, self.by_state.get(s, 0)) for s in State.values]


def findings_rule_stats(*, actor: User, year: int) -> list[RuleStat]:
    """Per rule: its findings of ``year`` counted by state, and the share marked 误报 (one query).

    Every rule of the catalogue has a row (zero when it found nothing); a code the catalogue no
    longer lists but that has findings follows at the end."""
    require(actor, "budget.view_findings")
    counts: dict[str, dict[str, int]] = {}
    rows = (
        Finding.objects.filter(region_code=_region(), year=year)
        .values("rule_code", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts.setdefault(row["rule_code"], {})[row["state"]] = row["n"]
    codes = [*RULES, *sorted(c for c in counts if c not in RULES)]
    return [
        RuleStat(code, str(rule_name(code)), counts.get(code, {}), sum(counts.get(code, {}).values()))
        for code in codes
    ]


def findings_state_counts(*, actor: User, year: int) -> dict[str, int]:
    """How many findings of ``year`` are in each state (every state listed)."""
    require(actor, "budget.view_findings")
    counts = dict(
        Finding.objects.filter(region_code=_region(), year=year)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("state", "n")
    )
    return {s: counts.get(s, 0) for s in State.values}


def latest_as_of(*, actor: User, year: int) -> dt.date | None:
    """The as-of date of the year's latest findings (for the run form's default)."""
    require(actor, "budget.view_findings")
    return (
        Finding.objects.filter(region_code=_region(), year=year)
        .order_by("-last_as_of")
        .values_list("last_as_of", flat=True)
        .first()
    )


SEVERITIES = Severity.choices
