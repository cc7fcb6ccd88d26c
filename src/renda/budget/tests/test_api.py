"""The finance feed's API: JSON batches of the data interface, all-or-nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from renda.accounts.services import api_token_issue
from renda.budget.models import BudgetUnit, Payment
from renda.budget.tests.conftest import YEAR

pytestmark = pytest.mark.django_db

URL = "/api/v1/budget/{kind}/batches"


@pytest.fixture
def token(admin_user, finance_feed_user):
    return api_token_issue(actor=admin_user, user=finance_feed_user, name="财政局")[1]


def post(token: str, kind: str, body: dict):
    return Client().post(
        URL.format(kind=kind), body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_finance_feed_pushes_units_then_payments(token, loaded_year):
    answer = post(token, "units", {"year": YEAR, "rows": [{"unit_code": "103", "单位名称": "民政局"}]})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "kind": "units",
        "year": YEAR,
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "errors": [],
    }
    rows = [
        {
            "voucher_no": "API1",
            "pay_date": "2025-07-01",
            "unit_code": "103",
            "function_code": "20802",
            "budget_type": "一般公共预算",
            "amount": "1,000.00",
        }
    ]
    assert post(token, "payments", {"year": YEAR, "rows": rows}).json()["inserted"] == 1
    assert post(token, "payments", {"year": YEAR, "rows": rows}).json()["unchanged"] == 1
    assert BudgetUnit.objects.get(code="103").name == "民政局"


def test_a_bad_batch_is_rejected_whole_with_its_lines(token, loaded_year):
    rows = [
        {
            "voucher_no": "API2",
            "pay_date": "2025-07-01",
            "unit_code": "102",
            "function_code": "21004",
            "budget_type": "1",
            "amount": "5.00",
        },
        {
            "voucher_no": "API3",
            "pay_date": "2025-07-01",
            "unit_code": "102",
            "function_code": "21004",
            "budget_type": "9",
            "amount": "5.00",
        },
    ]
    answer = post(token, "payments", {"year": YEAR, "rows": rows})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["line"] == 3 and answer.json()["errors"][0]["column"] == "budget_type"
    assert not Payment.objects.filter(voucher_no__startswith="API").exists()


def test_a_batch_whose_total_would_overflow_is_refused_with_a_message(token, loaded_year):
    """Each amount fits its column; their sum would not (it did: a 500, or on SQLite a summary that
    broke every page reading it). Now a 422 that names the column."""
    rows = [
        {
            "voucher_no": f"API-BIG{n}",
            "pay_date": "2025-07-01",
            "unit_code": "102",
            "function_code": "21004",
            "budget_type": "1",
            "amount": "9,000,000,000,000,000.00",
        }
        for n in range(2)
    ]
    answer = post(token, "payments", {"year": YEAR, "rows": rows})
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert (error["line"], error["column"]) == (1, "amount") and "上限" in error["message"]
    assert not Payment.objects.filter(voucher_no__startswith="API").exists()


def test_people_cannot_push_batches(client_for, budget_staff):
    answer = client_for(budget_staff).post(
        URL.format(kind="units"),
        {"year": YEAR, "rows": [{"unit_code": "1"}]},
        content_type="application/json",
    )
    assert answer.status_code in (401, 403)


def test_without_a_token_the_answer_is_401():
    assert Client().post(URL.format(kind="units"), {}, content_type="application/json").status_code == 401


def test_an_unknown_kind_is_refused(token):
    assert post(token, "secrets", {"year": YEAR, "rows": [{"a": 1}]}).status_code in (404, 422)


def test_odd_json_values_are_rejected_as_rows_not_server_errors(token, loaded_year):
    rows = [
        {
            "voucher_no": ["x"],
            "pay_date": 20250701,
            "unit_code": None,
            "function_code": {"a": 1},
            "budget_type": True,
            "amount": 1e40,
        }
    ]
    answer = post(token, "payments", {"year": YEAR, "rows": rows})
    assert answer.status_code == 422
    assert {e["column"] for e in answer.json()["errors"]} >= {
        "voucher_no",
        "unit_code",
        "function_code",
        "amount",
    }
