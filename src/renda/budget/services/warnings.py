"""Writes of 预警: evaluating the warning rules as of a date, and editing a rule's parameters."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.accounts.models import User
from renda.budget.models import Indicator, Payment, WarningRule, WarningRun, default_region
from renda.budget.warning_rules.base import Context, Shared
from renda.budget.warning_rules.evaluator import run_rule
from renda.budget.warning_rules.params import resolve_params, validate_params
from renda.budget.warning_rules.registry import RULES
from renda.core.audit import audit, label_actions
from renda.core.permissions import require, service

label_actions(
    {
        "budget.warnings_run": gettext_lazy("Run the budget warning rules"),
        "budget.warning_rule_update": gettext_lazy("Change a budget warning rule"),
        "budget.run_warnings": gettext_lazy("Run the budget warning rules"),
        "budget.edit_warning_rules": gettext_lazy("Change a budget warning rule"),
    }
)

MIN_YEAR, MAX_YEAR = 1990, 2100
ERROR_LENGTH = 300  # how much of a failed rule's error the run keeps

logger = logging.getLogger(__name__)


def warning_rules_ensure(*, region: str | None = None) -> dict[str, WarningRule]:
    """The region's rule rows by code, made from the catalogue's defaults on first use."""
    region = region or default_region()
    rules = {r.code: r for r in WarningRule.objects.filter(region_code=region)}
    missing = [
        WarningRule(region_code=region, code=code, enabled=True, params=dict(spec.defaults))
        for code, spec in RULES.items()
        if code not in rules
    ]
    if missing:
        WarningRule.objects.bulk_create(missing, ignore_conflicts=True)
        rules = {r.code: r for r in WarningRule.objects.filter(region_code=region)}
    return rules


def year_has_data(*, year: int, region: str | None = None) -> bool:
    region = region or default_region()
    return (
        Payment.objects.filter(region_code=region, year=year).exists()
        or Indicator.objects.filter(region_code=region, year=year).exists()
    )


def check_evaluation(*, year: int, as_of: dt.date, region: str | None = None) -> None:
    """Raise ``ValidationError`` (a clear message) unless ``year`` has data and ``as_of`` falls in it
    or after it."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(_("%(year)s is not a fiscal year.") % {"year": year}, code="year")
    if not year_has_data(year=year, region=region):
        raise ValidationError(
            _("There is no budget data for %(year)s: import its indicators and payments first.")
            % {"year": year},
            code="year",
        )
    if as_of < dt.date(year, 1, 1):
        raise ValidationError(
            _("The as-of date %(date)s is before the fiscal year %(year)s.")
            % {"date": as_of.isoformat(), "year": year},
            code="as_of",
        )
    if as_of > dt.date(year + 1, 12, 31):
        raise ValidationError(
            _("The as-of date %(date)s is too long after the fiscal year %(year)s.")
            % {"date": as_of.isoformat(), "year": year},
            code="as_of",
        )


def _run_one(
    code: str, rule: WarningRule, *, run: WarningRun, region: str, year: int, as_of: dt.date, shared: Shared
) -> dict[str, Any]:
    """One rule of a run, in its own savepoint: what it found (``found``, ``new``, ``seconds``),
    the codes of its parameters that the classification lacks (``missing_codes``, by parameter:
    the rule ran without them), or why it failed (``error``: its findings are left as they were
    and the other rules still run)."""
    start = time.perf_counter()
    result: dict[str, Any] = {}
    tables = set(shared.tables)
    try:
        with transaction.atomic():
            resolved = resolve_params(code, rule.params)
            if resolved.missing_codes:
                result["missing_codes"] = resolved.missing_codes
            ctx = Context(region=region, year=year, as_of=as_of, params=resolved.values, shared=shared)
            outcome = run_rule(code, ctx, run)
    except Exception as error:  # noqa: BLE001 - one rule's failure must not stop the others
        logger.exception("warning rule %s failed (year %s, as of %s)", code, year, as_of)
        # A shared table made inside the rolled-back savepoint is gone (or half made): forget it.
        for key in set(shared.tables) - tables:
            name = shared.tables.pop(key)
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        result["error"] = f"{type(error).__name__}: {error}".strip()[:ERROR_LENGTH]
        result["seconds"] = round(time.perf_counter() - start, 3)
        return result
    return {"found": outcome.found, "new": outcome.new, "seconds": round(outcome.seconds, 3), **result}


@service
def warnings_evaluate(
    *, actor: User | None, year: int, as_of: dt.date, codes: Sequence[str] | None = None
) -> WarningRun:
    """预警: evaluate every enabled rule (or those of ``codes``) for ``year`` as of ``as_of``, store
    the findings under their stable keys and record the run. ``actor`` None is the system (the
    command, the demo); a person needs ``budget.run_warnings``."""
    if actor is not None:
        require(actor, "budget.run_warnings")
    region = default_region()
    check_evaluation(year=year, as_of=as_of, region=region)
    rules = warning_rules_ensure(region=region)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    run = WarningRun.objects.create(
        region_code=region, year=year, as_of=as_of, actor=actor if is_person else None
    )
    per_rule: dict[str, dict[str, Any]] = {}
    shared = Shared()  # what several rules read is aggregated once per run
    try:
        for code in RULES:
            rule = rules[code]
            if not rule.enabled or (codes is not None and code not in codes):
                continue
            per_rule[code] = _run_one(
                code, rule, run=run, region=region, year=year, as_of=as_of, shared=shared
            )
    finally:
        shared.close()
    run.per_rule = per_rule
    run.found = sum(r.get("found", 0) for r in per_rule.values())
    run.new = sum(r.get("new", 0) for r in per_rule.values())
    run.finished_at = timezone.now()
    run.save(update_fields=["per_rule", "found", "new", "finished_at"])
    audit(
        actor,
        "budget.warnings_run",
        run,
        after={
            "year": year,
            "as_of": as_of,
            "found": run.found,
            "new": run.new,
            "rules": sorted(per_rule),
            "failed": sorted(c for c, r in per_rule.items() if "error" in r),
        },
        note="" if is_person else "system",
    )
    return run


@service
def warning_rule_update(*, actor: User, code: str, enabled: bool, params: Mapping[str, Any]) -> WarningRule:
    """修改预警规则: switch a rule on or off and set its parameters (checked; audited before/after)."""
    require(actor, "budget.edit_warning_rules")
    if code not in RULES:
        raise ValidationError(_("There is no warning rule %(code)s.") % {"code": code})
    clean = validate_params(code, params)
    rule = warning_rules_ensure()[code]
    before = {"enabled": rule.enabled, "params": rule.params}
    rule.enabled = bool(enabled)
    rule.params = clean
    rule.updated_by = actor
    rule.save()
    audit(
        actor,
        "budget.warning_rule_update",
        rule,
        before=before,
        after={"enabled": rule.enabled, "params": clean},
    )
    return rule
