"""预警规则目录: the thirteen rule codes of the warning engine, their names, default severity and
default parameters. The codes are part of the interface (``budget_warnings --json``); the
parameters are defaults that administrators override per region (``WarningRule.params``).

Each rule's set-based SQL lives beside this registry, one module per topic; this file is only
the catalogue that every page and report shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.budget.models import Severity

# 三公经费: 因公出国(境)费用, 公务接待费, 公务用车运行维护费, 公务用车购置 — department (30x/31x)
# and government (50x) economic codes, as in the shipped classification baseline.
THREE_PUBLIC_ECON_CODES = (
    "30212",
    "30217",
    "30231",
    "30913",
    "31013",
    "50206",
    "50207",
    "50208",
    "50303",
    "50403",
)
# Economic codes of payments to individuals and families (对个人和家庭的补助).
INDIVIDUAL_ECON_PREFIXES = ("303", "509")


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str | Promise
    severity: str  # the default (lowest) severity; a rule may raise a finding to red
    defaults: dict[str, Any] = field(default_factory=dict)
    description: str | Promise = ""


RULES: dict[str, RuleSpec] = {
    spec.code: spec
    for spec in (
        RuleSpec(
            "EXEC_LAG",
            _("Execution lagging behind time progress"),
            Severity.YELLOW,
            {"lag_points": 15, "red_points": 30, "min_indicator": 100000},
            _("A unit's or project's payments over its current indicator lag time progress."),
        ),
        RuleSpec(
            "YEAR_END_RUSH",
            _("Year-end spending rush"),
            Severity.YELLOW,
            {"december_share": 50, "jan_nov_execution": 50, "fourth_quarter_share": 40, "min_annual": 100000},
            _(
                "A unit spends most of its year's money in December (red, when January to November "
                "paid under half of its indicator) or in the fourth quarter (yellow)."
            ),
        ),
        RuleSpec(
            "NO_INDICATOR",
            _("Spending without a budget indicator"),
            Severity.RED,
            {},
            _("A payment whose indicator number is empty or matches no indicator of the year."),
        ),
        RuleSpec(
            "OVER_INDICATOR",
            _("Spending over the indicator"),
            Severity.RED,
            {},
            _("The payments charged to an indicator exceed its current amount."),
        ),
        RuleSpec(
            "THREE_PUBLIC_OVER",
            _("Three public expenses over budget"),
            Severity.RED,
            {"econ_codes": list(THREE_PUBLIC_ECON_CODES)},
            _("A unit's payments in the three-public-expense codes exceed what was budgeted in them."),
        ),
        RuleSpec(
            "LARGE_PAYMENT",
            _("Large payment"),
            Severity.YELLOW,
            {"threshold": {"1": 5000000, "2": 5000000, "3": 5000000, "4": 5000000}},
            _("One payment at or above the threshold of its budget type."),
        ),
        RuleSpec(
            "SPLIT_PAYMENT",
            _("Split payments"),
            Severity.RED,
            {"min_payments": 3, "window_days": 30, "procurement_threshold": 1000000},
            _(
                "Several payments by one unit to one payee, each under the procurement threshold, "
                "together reaching it."
            ),
        ),
        RuleSpec(
            "DUPLICATE_PAYMENT",
            _("Duplicate payment"),
            Severity.YELLOW,
            {"window_days": 7},
            _(
                "Payments by one unit to one payee of the same amount within a few days "
                "under different vouchers."
            ),
        ),
        RuleSpec(
            "INDIVIDUAL_LARGE",
            _("Large payment to an individual"),
            Severity.YELLOW,
            {"threshold": 50000, "exempt_econ_prefixes": list(INDIVIDUAL_ECON_PREFIXES)},
            _(
                "A payment to an individual outside the economic codes for payments to "
                "individuals and families."
            ),
        ),
        RuleSpec(
            "NON_WORKDAY",
            _("Payment on a non-working day"),
            Severity.YELLOW,
            {},
            _(
                "A payment dated on a weekend or public holiday of the working-day calendar "
                "(adjusted working weekends are working days)."
            ),
        ),
        RuleSpec(
            "PROJECT_IDLE",
            _("Project idle for a long time"),
            Severity.YELLOW,
            {"min_indicator": 500000, "idle_days": 90, "max_execution": 30},
            _("A project indicator with no payment in the last days and low execution."),
        ),
        RuleSpec(
            "BIG_ADJUSTMENT",
            _("Large budget adjustment"),
            Severity.YELLOW,
            {"max_change": 30},
            _("An indicator's current amount differs from its original amount by more than the limit."),
        ),
        RuleSpec(
            "OUTLIER",
            _("Statistical outlier"),
            Severity.YELLOW,
            {"sigmas": 3, "min_group": 30},
            _(
                "A payment far above the usual payments of its unit and economic class: "
                "a signal, not a verdict."
            ),
        ),
    )
}


def rule_name(code: str) -> str:
    spec = RULES.get(code)
    return str(spec.name) if spec else code
