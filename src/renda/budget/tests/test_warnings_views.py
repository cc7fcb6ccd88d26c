"""The rules page, the rule edit page and the run endpoint: who sees what, who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from renda.budget.models import Finding, WarningRule, WarningRun
from renda.budget.services.warnings import warnings_evaluate
from renda.budget.tests.test_warnings_rules import YEAR, indicator, payment, save, unit
from renda.core.navigation import nav_for

pytestmark = pytest.mark.django_db
RULES_URL = reverse("budget:warning_rules")
RUN_URL = reverse("budget:warnings_run")


@pytest.fixture
def planted():
    unit("101", "教育局")
    indicator("ZB1", "101", 100_000)
    save(
        payment("2025-03-03", "101", 60_000, indicator_no="ZB1", voucher="A1"),
        payment("2025-04-03", "101", 50_000, indicator_no="ZB1", voucher="A2"),
    )


def edit_url(code: str) -> str:
    return reverse("budget:warning_rule_edit", args=[code])


def test_budget_staff_see_the_rules_and_the_run_form_but_no_edit(client_for, budget_staff, planted):
    warnings_evaluate(actor=None, year=YEAR, as_of=dt.date(YEAR, 12, 31))
    page = client_for(budget_staff).get(RULES_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="rule-row"') == 13
    assert 'data-testid="warnings-run-form"' in html and 'value="2025-04-03"' in html  # the last payment day
    assert 'data-testid="rule-edit"' not in html
    assert "5,000,000.00" in html  # LARGE_PAYMENT's default threshold
    assert any(item["url"] == RULES_URL for item in nav_for(budget_staff))


def test_admins_see_the_edit_links(client_for, admin_user):
    html = client_for(admin_user).get(RULES_URL).content.decode()
    assert html.count('data-testid="rule-edit"') == 13


@pytest.mark.parametrize("who", ["deputy_user", "unit_user", "citizen_user", "staff_user"])
def test_others_may_not_see_run_or_edit_the_rules(client_for, who, request, planted):
    client = client_for(request.getfixturevalue(who))
    assert client.get(RULES_URL).status_code == 403
    assert client.get(edit_url("OUTLIER")).status_code == 403
    assert (
        client.post(edit_url("OUTLIER"), {"enabled": "", "sigmas": "3", "min_group": "30"}).status_code == 403
    )
    assert client.post(RUN_URL, {"year": YEAR, "as_of": "2025-12-31"}).status_code == 403
    assert client.post(RUN_URL, {"year": "x", "as_of": ""}).status_code == 403
    assert not WarningRun.objects.exists()
    assert not WarningRule.objects.filter(enabled=False).exists()
    assert all(item["url"] != RULES_URL for item in nav_for(request.getfixturevalue(who)))


def test_budget_staff_may_not_edit(client_for, budget_staff):
    client = client_for(budget_staff)
    assert client.get(edit_url("OUTLIER")).status_code == 403
    assert client.post(edit_url("OUTLIER"), {"sigmas": "3", "min_group": "30"}).status_code == 403


def test_running_redirects_to_the_findings_of_the_year(client_for, budget_staff, planted):
    response = client_for(budget_staff).post(RUN_URL, {"year": YEAR, "as_of": "2025-12-31"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('budget:findings')}?year={YEAR}"
    run = WarningRun.objects.get()
    assert run.actor == budget_staff and run.as_of == dt.date(YEAR, 12, 31)
    assert Finding.objects.filter(rule_code="OVER_INDICATOR", key="OVER_INDICATOR:ZB1").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": YEAR, "as_of": "2025-02-30"}, "as_of"),
        ({"year": 2019, "as_of": "2019-12-31"}, "year"),
        ({"year": YEAR, "as_of": "2024-12-31"}, "as_of"),
        ({"year": "", "as_of": "2025-12-31"}, "year"),
    ],
)
def test_a_bad_run_request_shows_the_form_again_with_its_error(
    client_for, budget_staff, planted, data, field
):
    response = client_for(budget_staff).post(RUN_URL, data)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not WarningRun.objects.exists()


def test_the_admin_edits_a_rule_and_sees_it(client_for, admin_user):
    client = client_for(admin_user)
    form = client.get(edit_url("SPLIT_PAYMENT"))
    assert form.status_code == 200 and 'name="procurement_threshold"' in form.content.decode()
    response = client.post(
        edit_url("SPLIT_PAYMENT"),
        {"enabled": "on", "min_payments": "4", "window_days": "20", "procurement_threshold": "2000000"},
    )
    assert response.status_code == 302 and response["Location"] == RULES_URL
    rule = WarningRule.objects.get(code="SPLIT_PAYMENT")
    assert rule.enabled and rule.params == {
        "min_payments": 4,
        "window_days": 20,
        "procurement_threshold": 2000000,
    }
    html = client.get(RULES_URL).content.decode()
    assert "2,000,000.00" in html


def test_bad_parameters_are_shown_on_their_fields(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(
        edit_url("EXEC_LAG"), {"enabled": "on", "lag_points": "20", "red_points": "10", "min_indicator": "-5"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_min_indicator-error"' in html
    response = client.post(
        edit_url("EXEC_LAG"), {"enabled": "on", "lag_points": "20", "red_points": "10", "min_indicator": "5"}
    )
    assert response.status_code == 400 and 'id="id_red_points-error"' in response.content.decode()
    response = client.post(
        edit_url("LARGE_PAYMENT"),
        {"enabled": "on", "threshold_1": "0", "threshold_2": "1", "threshold_3": "1", "threshold_4": "1"},
    )
    assert response.status_code == 400 and 'id="id_threshold_1-error"' in response.content.decode()
    response = client.post(edit_url("THREE_PUBLIC_OVER"), {"enabled": "on", "econ_codes": "30217 abc"})
    assert response.status_code == 400 and 'id="id_econ_codes-error"' in response.content.decode()
    assert not WarningRule.objects.filter(code="EXEC_LAG", params__lag_points=20).exists()


def test_switching_a_rule_off_shows_on_the_list(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(edit_url("OUTLIER"), {"sigmas": "3", "min_group": "30"})  # the box unticked
    assert response.status_code == 302
    html = client.get(RULES_URL).content.decode()
    assert 'data-code="OUTLIER" class="table-secondary"' in html


def test_an_unknown_rule_is_not_found(client_for, admin_user):
    assert client_for(admin_user).get(edit_url("NO_SUCH_RULE")).status_code == 404
