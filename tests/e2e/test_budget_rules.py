"""The administrator tunes a warning rule and switches one off; budget staff run the rules."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.budget.models import WarningRule, WarningRun
from renda.budget.services.imports import classification_ensure_baseline
from renda.budget.tests.conftest import INDICATORS, PAYMENTS, UNITS, YEAR, load, write_csv
from renda.core.models import AuditEvent

from .conftest import nav_click

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loaded(tmp_path):
    classification_ensure_baseline(year=YEAR)
    for kind, rows in (("units", UNITS), ("indicators", INDICATORS), ("payments", PAYMENTS)):
        load(kind, write_csv(tmp_path / f"{kind}.csv", rows))


def test_admin_tunes_a_rule_and_switches_one_off(page, shot, sign_in, make_user, loaded):
    admin = make_user(Role.ADMIN, real_name="管理员")
    sign_in(page, admin)
    nav_click(page, re.compile("预警规则|Warning rules"))
    expect(page.get_by_test_id("rule-row")).to_have_count(13)
    large = page.locator('[data-testid=rule-row][data-code="LARGE_PAYMENT"]')
    expect(large.locator('[data-testid=rule-param][data-name="threshold"]')).to_contain_text("5,000,000.00")
    shot(page, "rules")

    large.get_by_test_id("rule-edit").click()
    field = page.locator("input[name=threshold_1]")
    field.fill("0")
    page.get_by_test_id("rule-save").click()
    expect(page.locator("#id_threshold_1-error")).to_be_visible()  # above 0: refused on its field
    shot(page, "refused")
    page.locator("input[name=threshold_1]").fill("6000000")
    page.get_by_test_id("rule-save").click()
    large = page.locator('[data-testid=rule-row][data-code="LARGE_PAYMENT"]')
    expect(large.locator('[data-testid=rule-param][data-name="threshold"]')).to_contain_text("6,000,000.00")

    outlier = page.locator('[data-testid=rule-row][data-code="OUTLIER"]')
    expect(outlier.get_by_test_id("rule-status")).to_have_attribute("data-enabled", "1")
    outlier.get_by_test_id("rule-edit").click()
    page.locator("input[name=enabled]").uncheck()
    page.get_by_test_id("rule-save").click()
    outlier = page.locator('[data-testid=rule-row][data-code="OUTLIER"]')
    expect(outlier.get_by_test_id("rule-status")).to_have_attribute("data-enabled", "0")
    shot(page, "switched-off")

    assert WarningRule.objects.get(code="LARGE_PAYMENT").params["threshold"]["1"] == 6000000
    assert not WarningRule.objects.get(code="OUTLIER").enabled
    assert AuditEvent.objects.filter(action="budget.warning_rule_update", actor=admin).count() == 2


def test_budget_staff_run_the_rules_from_the_rules_page(
    page, shot, sign_in, make_user, make_organisation, loaded
):
    committee = make_organisation(kind=Organisation.Kind.CONGRESS, name="预算工作委员会", code="RD003")
    staff = make_user(Role.STAFF, organisation=committee, real_name="周预算")
    sign_in(page, staff)
    page.goto("/budget/warnings/rules/")
    expect(page.get_by_test_id("rule-edit")).to_have_count(0)  # staff read the rules, only admins edit
    expect(page.locator("input[name=as_of]")).to_have_value("2025-05-20")  # the year's last payment day
    shot(page, "run-form")
    page.get_by_test_id("warnings-run-submit").click()
    page.wait_for_url(re.compile(r"/budget/findings/\?year=2025"))
    run = WarningRun.objects.get()
    assert run.actor == staff and run.per_rule["OUTLIER"]["found"] == 0
    shot(page, "after-run")
