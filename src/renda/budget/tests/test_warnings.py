"""The warning run: stored findings stay single and keep their state, switched-off rules find
nothing, parameters are checked and audited, who may run and edit, the command, the demo."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from renda.budget.models import Finding, WarningRule, WarningRun
from renda.budget.services.warnings import warning_rule_update, warning_rules_ensure, warnings_evaluate
from renda.budget.tests.test_warnings_rules import YEAR, indicator, payment, save, unit
from renda.budget.warning_rules.params import effective_params, validate_params
from renda.budget.warning_rules.registry import RULES
from renda.core.models import AuditEvent
from renda.core.permissions import PermissionRefused

pytestmark = pytest.mark.django_db
AS_OF = dt.date(YEAR, 12, 31)


@pytest.fixture
def planted():
    """A unit overspending one indicator (OVER_INDICATOR) and paying without one (NO_INDICATOR)."""
    unit("101", "教育局")
    indicator("ZB1", "101", 100_000)
    save(
        payment("2025-03-03", "101", 60_000, indicator_no="ZB1", voucher="A1"),
        payment("2025-04-03", "101", 50_000, indicator_no="ZB1", voucher="A2"),
        payment("2025-05-06", "101", 1_000, voucher="NOIND"),
    )


def findings(rule: str) -> list[Finding]:
    return list(Finding.objects.filter(year=YEAR, rule_code=rule).order_by("key"))


def test_rerunning_keeps_findings_single_and_their_state(planted, budget_staff):
    run = warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert run.per_rule["OVER_INDICATOR"]["found"] == 1 and run.per_rule["OVER_INDICATOR"]["new"] == 1
    (over,) = findings("OVER_INDICATOR")
    assert over.key == "OVER_INDICATOR:ZB1" and over.amount == Decimal("10000.00") and over.state == "new"
    assert {k: over.evidence[k] for k in ("vouchers", "indicators")} == {
        "vouchers": ["A2", "A1"],
        "indicators": ["ZB1"],
    }
    assert set(over.evidence["words"]) == {"subject", "message"}  # the texts for every reader's language
    assert over.first_run == run and over.last_run == run and over.first_as_of == AS_OF
    Finding.objects.filter(pk=over.pk).update(state=Finding.State.VERIFYING, assignee=budget_staff)
    total = Finding.objects.count()

    again = warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert again.new == 0 and again.found == run.found
    assert Finding.objects.count() == total
    (over,) = findings("OVER_INDICATOR")
    assert over.state == Finding.State.VERIFYING and over.assignee == budget_staff
    assert over.first_run == run and over.last_run == again

    # New data: the figures follow, the state stays.
    save(payment("2025-06-03", "101", 5_000, indicator_no="ZB1", voucher="A3"))
    later = warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    (over,) = findings("OVER_INDICATOR")
    assert over.amount == Decimal("15000.00") and "A3" in over.evidence["vouchers"]
    assert over.state == Finding.State.VERIFYING and over.last_run == later and over.active


def test_a_finding_not_found_again_becomes_inactive_with_its_state(planted):
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    Finding.objects.filter(rule_code="OVER_INDICATOR").update(state=Finding.State.INQUIRED)
    # As of March only 60,000 of 100,000 was paid: the indicator is no longer over.
    warnings_evaluate(actor=None, year=YEAR, as_of=dt.date(YEAR, 3, 31))
    (over,) = findings("OVER_INDICATOR")
    assert not over.active and over.state == Finding.State.INQUIRED and over.last_as_of == AS_OF
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    (over,) = findings("OVER_INDICATOR")
    assert over.active and over.state == Finding.State.INQUIRED


def test_a_switched_off_rule_finds_nothing_and_leaves_its_findings(planted, admin_user):
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert len(findings("NO_INDICATOR")) == 1
    warning_rule_update(actor=admin_user, code="NO_INDICATOR", enabled=False, params={})
    save(payment("2025-07-01", "101", 2_000, voucher="NOIND2"))
    run = warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert "NO_INDICATOR" not in run.per_rule and "OVER_INDICATOR" in run.per_rule
    (kept,) = findings("NO_INDICATOR")
    assert kept.key == "NO_INDICATOR:NOIND" and kept.active
    Finding.objects.all().delete()
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert findings("NO_INDICATOR") == []


def test_rules_are_made_from_the_defaults_on_first_use():
    assert not WarningRule.objects.exists()
    rules = warning_rules_ensure()
    assert set(rules) == set(RULES)
    assert rules["LARGE_PAYMENT"].params == RULES["LARGE_PAYMENT"].defaults and rules["OUTLIER"].enabled
    assert warning_rules_ensure()["EXEC_LAG"].pk == rules["EXEC_LAG"].pk


def test_a_parameter_changes_what_is_found(planted, admin_user):
    warning_rule_update(
        actor=admin_user,
        code="LARGE_PAYMENT",
        enabled=True,
        params={"threshold": {"1": "50000", "2": "5000000", "3": "5000000", "4": "5000000"}},
    )
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    assert [f.key for f in findings("LARGE_PAYMENT")] == ["LARGE_PAYMENT:A1", "LARGE_PAYMENT:A2"]


def test_parameter_changes_are_audited_before_and_after(admin_user):
    warning_rule_update(
        actor=admin_user,
        code="EXEC_LAG",
        enabled=False,
        params={"lag_points": "20", "red_points": 35, "min_indicator": "200000.50"},
    )
    rule = WarningRule.objects.get(code="EXEC_LAG")
    assert not rule.enabled and rule.updated_by == admin_user
    assert rule.params == {"lag_points": 20, "red_points": 35, "min_indicator": "200000.5"}
    assert effective_params("EXEC_LAG", rule.params)["min_indicator"] == Decimal("200000.5")
    event = AuditEvent.objects.get(action="budget.warning_rule_update")
    assert event.changes["enabled"] == [True, False]
    assert event.changes["params"][0]["lag_points"] == 15 and event.changes["params"][1]["lag_points"] == 20


@pytest.mark.parametrize(
    ("code", "params", "field", "text"),
    [
        (
            "EXEC_LAG",
            {"lag_points": "abc", "red_points": 30, "min_indicator": 0},
            "lag_points",
            "Enter a number",
        ),
        ("EXEC_LAG", {"lag_points": 0, "red_points": 30, "min_indicator": 0}, "lag_points", "above 0"),
        ("EXEC_LAG", {"lag_points": 20, "red_points": 10, "min_indicator": 0}, "red_points", "red limit"),
        ("EXEC_LAG", {"lag_points": 20, "red_points": 30, "min_indicator": -1}, "min_indicator", "from 0"),
        (
            "SPLIT_PAYMENT",
            {"min_payments": 2.5, "window_days": 30, "procurement_threshold": 1},
            "min_payments",
            "whole",
        ),
        (
            "SPLIT_PAYMENT",
            {"min_payments": 3, "window_days": 400, "procurement_threshold": 1},
            "window_days",
            "366",
        ),
        ("THREE_PUBLIC_OVER", {"econ_codes": "30217, 3021x"}, "econ_codes", "3021x"),
        ("THREE_PUBLIC_OVER", {"econ_codes": ""}, "econ_codes", "at least one"),
        (
            "INDIVIDUAL_LARGE",
            {"threshold": "1e3.5", "exempt_econ_prefixes": []},
            "threshold",
            "Enter a number",
        ),
        ("LARGE_PAYMENT", {"threshold": {"1": 1, "2": -5, "3": 1, "4": 1}}, "threshold", "above 0"),
        ("LARGE_PAYMENT", {"threshold": {"1": "1.001", "2": 1, "3": 1, "4": 1}}, "threshold", "decimal"),
        ("OUTLIER", {"sigmas": 3, "min_group": 30, "colour": 1}, "__all__", "colour"),
    ],
)
def test_bad_parameters_are_refused_with_a_message_on_the_parameter(code, params, field, text):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_params(code, params)
    messages = refused.value.message_dict[field]
    assert any(text in m for m in messages), messages


def test_unknown_economic_codes_are_refused_once_the_classification_is_loaded(loaded_year):
    with pytest.raises(ValidationError) as refused:
        validate_params("THREE_PUBLIC_OVER", {"econ_codes": "30217 39999"})
    assert "39999" in refused.value.message_dict["econ_codes"][0]
    assert validate_params("THREE_PUBLIC_OVER", {"econ_codes": "30217、30231，30217"}) == {
        "econ_codes": ["30217", "30231"]
    }


def test_a_bad_update_changes_nothing(admin_user):
    warning_rules_ensure()
    with pytest.raises(ValidationError):
        warning_rule_update(
            actor=admin_user, code="OUTLIER", enabled=False, params={"sigmas": 0, "min_group": 30}
        )
    rule = WarningRule.objects.get(code="OUTLIER")
    assert rule.enabled and rule.params == RULES["OUTLIER"].defaults


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["deputy_user", "unit_user", "citizen_user", "staff_user"])
def test_only_budget_staff_and_admins_run_the_rules(planted, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionRefused):
        warnings_evaluate(actor=actor, year=YEAR, as_of=AS_OF)
    assert not WarningRun.objects.exists() and not Finding.objects.exists()
    assert AuditEvent.objects.filter(action="budget.run_warnings", outcome="refused").exists()


def test_budget_staff_run_the_rules_but_do_not_edit_them(planted, budget_staff, admin_user):
    run = warnings_evaluate(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert run.actor == budget_staff and run.found >= 2
    event = AuditEvent.objects.get(action="budget.warnings_run")
    assert event.actor == budget_staff and event.changes["found"][1] == run.found
    with pytest.raises(PermissionRefused):
        warning_rule_update(
            actor=budget_staff, code="OUTLIER", enabled=False, params={"sigmas": 3, "min_group": 30}
        )
    warning_rule_update(
        actor=admin_user, code="OUTLIER", enabled=False, params={"sigmas": 3, "min_group": 30}
    )


@pytest.mark.parametrize("who", ["deputy_user", "unit_user", "citizen_user", "budget_staff"])
def test_only_admins_edit_rules(who, request):
    with pytest.raises(PermissionRefused):
        warning_rule_update(
            actor=request.getfixturevalue(who),
            code="OUTLIER",
            enabled=False,
            params={"sigmas": 3, "min_group": 30},
        )
    assert not WarningRule.objects.filter(enabled=False).exists()


def test_a_year_without_data_or_a_date_before_it_is_refused_clearly(planted):
    with pytest.raises(ValidationError) as refused:
        warnings_evaluate(actor=None, year=2019, as_of=dt.date(2019, 12, 31))
    assert "2019" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        warnings_evaluate(actor=None, year=YEAR, as_of=dt.date(YEAR - 1, 12, 31))
    assert refused.value.code == "as_of"


# --- the command ----------------------------------------------------------------------------------


def test_the_command_prints_the_findings_as_json(planted):
    out = StringIO()
    call_command("budget_warnings", "--year", str(YEAR), "--as-of", "2025-12-31", "--json", stdout=out)
    listed = json.loads(out.getvalue())
    assert {tuple(sorted(item)) for item in listed} == {
        ("amount", "evidence", "message", "rule", "severity", "subject", "unit_code")
    }
    by_rule = {item["rule"]: item for item in listed}
    assert by_rule["OVER_INDICATOR"] == {
        "rule": "OVER_INDICATOR",
        "severity": "red",
        "unit_code": "101",
        "subject": by_rule["OVER_INDICATOR"]["subject"],
        "amount": "10000.00",
        "evidence": ["A2", "A1", "ZB1"],
        "message": by_rule["OVER_INDICATOR"]["message"],
    }
    assert "超出 10,000.00 元" in by_rule["OVER_INDICATOR"]["message"]
    # The title says what was found (the unit, the overrun with its unit), not the indicator number.
    assert by_rule["OVER_INDICATOR"]["subject"].endswith("超指标支付1.00万元")
    assert by_rule["NO_INDICATOR"]["evidence"] == ["NOIND"] and by_rule["NO_INDICATOR"]["amount"] == "1000.00"
    # A second run lists the same findings and stores no duplicate.
    again = StringIO()
    call_command("budget_warnings", "--year", str(YEAR), "--as-of", "2025-12-31", "--json", stdout=again)
    assert json.loads(again.getvalue()) == listed
    assert Finding.objects.count() == len(listed)


def test_the_command_summary_and_its_refusals(planted):
    out = StringIO()
    call_command("budget_warnings", "--year", str(YEAR), "--as-of", "2025-12-31", stdout=out)
    text = out.getvalue()
    assert "OVER_INDICATOR" in text and "合计：发现" in text
    with pytest.raises(CommandError) as bad_date:
        call_command("budget_warnings", "--year", str(YEAR), "--as-of", "2025-02-30", stdout=StringIO())
    assert bad_date.value.returncode == 2 and "2025-02-30" in str(bad_date.value)
    with pytest.raises(CommandError) as no_data:
        call_command("budget_warnings", "--year", "2019", "--as-of", "2019-12-31", stdout=StringIO())
    assert no_data.value.returncode == 2 and "2019" in str(no_data.value)


# --- the demo -------------------------------------------------------------------------------------


def test_every_rule_fires_on_the_demo_year_and_a_second_seed_keeps_them():
    from renda.demo.budget import DEMO_UNTIL, DEMO_YEAR

    call_command("demo_seed", stdout=StringIO(), stderr=StringIO())
    run = WarningRun.objects.get(year=DEMO_YEAR)
    assert run.as_of == DEMO_UNTIL and run.actor is None
    for code in RULES:
        assert run.per_rule[code]["found"] >= 1, code
    assert run.found < 200  # a plausible number, not a flood
    planted = dict(
        Finding.objects.filter(year=DEMO_YEAR, key__contains="PZX").values_list("key", "rule_code")
    )
    assert planted["SPLIT_PAYMENT:101902|PZX0006"] == "SPLIT_PAYMENT"
    off_days = Finding.objects.filter(year=DEMO_YEAR, rule_code="NON_WORKDAY")
    assert any("PZX0011" in f.evidence["vouchers"] for f in off_days)  # 国庆节
    assert not any("PZX0017" in f.evidence["vouchers"] for f in off_days)  # 调休: a Saturday worked
    assert "INDIVIDUAL_LARGE:PZX0016" not in planted  # 生活补助 to a person: exempt
    first = set(Finding.objects.filter(year=DEMO_YEAR).values_list("key", flat=True))
    call_command("demo_seed", stdout=StringIO(), stderr=StringIO())
    assert set(Finding.objects.filter(year=DEMO_YEAR).values_list("key", flat=True)) == first
    assert WarningRun.objects.filter(year=DEMO_YEAR).latest("id").new == 0
