"""Reads of 预警: the rule catalogue with each rule's parameters and switch, the latest runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from renda.accounts.models import User
from renda.budget.models import Finding, Payment, WarningRule, WarningRun, default_region
from renda.budget.warning_rules.params import SCHEMAS, Param, display_value, effective_params
from renda.budget.warning_rules.registry import RULES, RuleSpec, rule_name
from renda.core.permissions import require


@dataclass
class ParamView:
    param: Param
    value: Any
    text: str


@dataclass
class RuleView:
    """A rule as the rules page shows it: the catalogue entry, its switch and parameters, what
    the latest run found."""

    spec: RuleSpec
    enabled: bool
    params: list[ParamView] = field(default_factory=list)
    rule: WarningRule | None = None
    last: dict[str, Any] | None = None

    @property
    def code(self) -> str:
        return self.spec.code


def _rule_view(spec: RuleSpec, rule: WarningRule | None, last_run: WarningRun | None) -> RuleView:
    values = effective_params(spec.code, rule.params if rule else None)
    return RuleView(
        spec=spec,
        enabled=rule.enabled if rule else True,
        params=[ParamView(p, values[p.name], display_value(p, values[p.name])) for p in SCHEMAS[spec.code]],
        rule=rule,
        last=(last_run.per_rule or {}).get(spec.code) if last_run else None,
    )


def warning_rules_overview(*, actor: User) -> list[RuleView]:
    """Every rule of the catalogue with its switch, parameters and what the latest run found
    (rules never saved show their defaults)."""
    require(actor, "budget.view_warning_rules")
    region = default_region()
    rules = {r.code: r for r in WarningRule.objects.filter(region_code=region).select_related("updated_by")}
    last = latest_run(actor=actor)
    return [_rule_view(spec, rules.get(code), last) for code, spec in RULES.items()]


def warning_rule_for_edit(*, actor: User, code: str) -> RuleView:
    """One rule for its edit page (administrators)."""
    require(actor, "budget.edit_warning_rules")
    spec = RULES.get(code)
    if spec is None:
        raise Http404(code)
    rule = WarningRule.objects.filter(region_code=default_region(), code=code).first()
    return _rule_view(spec, rule, None)


def latest_run(*, actor: User, year: int | None = None) -> WarningRun | None:
    require(actor, "budget.view_warning_rules")
    runs = WarningRun.objects.filter(region_code=default_region()).select_related("actor")
    if year is not None:
        runs = runs.filter(year=year)
    return runs.first()


@dataclass(frozen=True)
class RunNotice:
    """What a run wants read beside its findings: a rule that ran without codes of its
    parameters that the classification lacks (``missing_codes``), or one that failed (``failed``)."""

    code: str
    kind: str
    text: str


def run_notices(run: WarningRun | None) -> list[RunNotice]:
    """The notices of ``run`` (stored in its ``per_rule``), in the catalogue's order, in the
    language of the request."""
    if run is None:
        return []
    out: list[RunNotice] = []
    per_rule = run.per_rule or {}
    for code in [*RULES, *sorted(set(per_rule) - set(RULES))]:
        result = per_rule.get(code)
        if not isinstance(result, dict):
            continue
        rule = f"{rule_name(code)}{pgettext('opening bracket', ' (')}{code}{pgettext('closing bracket', ')')}"
        missing = result.get("missing_codes") or {}
        codes = [str(c) for values in missing.values() for c in values]
        if codes:
            out.append(
                RunNotice(
                    code,
                    "missing_codes",
                    _(
                        "%(rule)s ran without the economic codes %(codes)s of its parameters: "
                        "the classification has no such code."
                    )
                    % {"rule": rule, "codes": pgettext("list separator", ", ").join(codes)},
                )
            )
        if result.get("error"):
            out.append(
                RunNotice(
                    code,
                    "failed",
                    _(
                        "%(rule)s failed and found nothing this time; its earlier findings are "
                        "unchanged. (%(error)s)"
                    )
                    % {"rule": rule, "error": result["error"]},
                )
            )
    return out


def recent_runs(*, actor: User, limit: int = 5) -> list[WarningRun]:
    require(actor, "budget.view_warning_rules")
    return list(WarningRun.objects.filter(region_code=default_region()).select_related("actor")[:limit])


def warning_years(*, actor: User) -> list[int]:
    """Fiscal years with payments, latest first (the years a run can be made for)."""
    require(actor, "budget.view_warning_rules")
    return list(
        Payment.objects.filter(region_code=default_region())
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )


def last_payment_day(*, year: int) -> dt.date | None:
    """The latest payment date of ``year`` (the natural as-of date of a run), or None."""
    return (
        Payment.objects.filter(region_code=default_region(), year=year)
        .order_by("-pay_date")
        .values_list("pay_date", flat=True)
        .first()
    )


def run_findings(*, run: WarningRun) -> list[Finding]:
    """What ``run`` found (new or found again), in the catalogue's order, red first, largest
    amount first. A system read for the command: the caller decides who sees it."""
    order = {code: i for i, code in enumerate(RULES)}
    found = list(Finding.objects.filter(region_code=run.region_code, year=run.year, last_run=run))
    found.sort(key=lambda f: (order.get(f.rule_code, len(order)), f.severity != "red", -f.amount, f.key))
    return found
