"""The evaluator: runs a rule's SQL as of a date and stores what it found under stable keys.

Storing is one bulk upsert per rule (``INSERT … ON CONFLICT (region, year, rule, key) DO UPDATE``
on both databases): a finding found again gets its new figures, message and evidence but keeps
its workflow state and assignee; a finding of the rule not found again is marked inactive
(不再出现), its state untouched.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from renda.budget.models import Finding, WarningRun
from renda.budget.warning_rules import execution, indicators, payments
from renda.budget.warning_rules.base import Context, Found
from renda.budget.warning_rules.registry import RULES

RULE_FUNCTIONS: dict[str, Callable[[Context], list[Found]]] = {
    "EXEC_LAG": execution.exec_lag,
    "YEAR_END_RUSH": execution.year_end_rush,
    "NO_INDICATOR": indicators.no_indicator,
    "OVER_INDICATOR": indicators.over_indicator,
    "THREE_PUBLIC_OVER": indicators.three_public_over,
    "LARGE_PAYMENT": payments.large_payment,
    "SPLIT_PAYMENT": payments.split_payment,
    "DUPLICATE_PAYMENT": payments.duplicate_payment,
    "INDIVIDUAL_LARGE": payments.individual_large,
    "NON_WORKDAY": payments.non_workday,
    "PROJECT_IDLE": execution.project_idle,
    "BIG_ADJUSTMENT": indicators.big_adjustment,
    "OUTLIER": payments.outlier,
}
assert list(RULE_FUNCTIONS) == list(RULES), "one function per rule code, in the catalogue's order"

KEY_LENGTH = Finding._meta.get_field("key").max_length or 200
UPDATED_FIELDS = [
    "severity",
    "unit_code",
    "subject",
    "amount",
    "evidence",
    "message",
    "active",
    "last_as_of",
    "last_run",
    "updated_at",
]


@dataclass(frozen=True)
class Outcome:
    code: str
    found: int
    new: int
    seconds: float


def finding_key(code: str, found: Found) -> str:
    return f"{code}:{found.key}"[:KEY_LENGTH]


def evaluate_rule(code: str, ctx: Context) -> list[Found]:
    """What rule ``code`` finds (nothing is stored)."""
    return RULE_FUNCTIONS[code](ctx)


def store_findings(
    *, code: str, region: str, year: int, as_of: dt.date, run: WarningRun, found: list[Found]
) -> tuple[int, int]:
    """Upsert the findings of one rule's evaluation; returns (found, new)."""
    unique: dict[str, Found] = {}
    for item in found:
        unique.setdefault(finding_key(code, item), item)
    scope = Finding.objects.filter(region_code=region, year=year, rule_code=code)
    existing = set(scope.values_list("key", flat=True))
    objects = [
        Finding(
            region_code=region,
            year=year,
            rule_code=code,
            key=key,
            severity=item.severity,
            unit_code=item.unit_code[:30],
            subject=item.subject[:300],
            amount=item.amount,
            evidence=item.evidence(),
            message=item.message,
            active=True,
            first_as_of=as_of,
            last_as_of=as_of,
            first_run=run,
            last_run=run,
        )
        for key, item in unique.items()
    ]
    if objects:
        Finding.objects.bulk_create(
            objects,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["region_code", "year", "rule_code", "key"],
            update_fields=UPDATED_FIELDS,
        )
    scope.filter(active=True).exclude(last_run=run).update(active=False)
    return len(unique), len(set(unique) - existing)


def run_rule(code: str, ctx: Context, run: WarningRun) -> Outcome:
    """Evaluate rule ``code`` and store its findings; timed."""
    start = time.perf_counter()
    found = evaluate_rule(code, ctx)
    total, new = store_findings(
        code=code, region=ctx.region, year=ctx.year, as_of=ctx.as_of, run=run, found=found
    )
    return Outcome(code, total, new, time.perf_counter() - start)
