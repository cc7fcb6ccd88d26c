"""The finance feed's API: JSON batches of the data interface, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from renda.accounts.services import api_token_issue
from renda.budget.models import BudgetUnit, Payment
from renda.budget.selectors.query import BudgetFilter, budget_table
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


# One good row of each kind, and its key cell for the i-th row of a batch; the fuzz below changes
# up to two cells of each row it sends.
ROW_KEYS = {
    "payments": ("voucher_no", "FZ{}"),
    "indicators": ("indicator_no", "FZ{}"),
    "units": ("unit_code", "FZ{}"),
    "revenue": ("item_code", "1019{}"),
    "debt": ("month", "{}"),
    "classification": ("code", "29{}"),
}
GOOD_ROWS = {
    "payments": {
        "voucher_no": "FZ",
        "pay_date": "2025-07-01",
        "unit_code": "102",
        "function_code": "21004",
        "econ_code": "30201",
        "budget_type": "1",
        "project_code": "P1",
        "indicator_no": "ZB003",
        "payee_name": "县医院",
        "payee_type": "单位",
        "amount": "5.00",
        "pay_method": "直接支付",
    },
    "indicators": {
        "indicator_no": "FZ",
        "unit_code": "102",
        "function_code": "21004",
        "econ_code": "30201",
        "budget_type": "1",
        "project_code": "P9",
        "project_name": "设备购置",
        "original_amount": "100.00",
        "adjusted_amount": "5",
        "issued_date": "2025-01-02",
    },
    "units": {"unit_code": "FZ", "unit_name": "民政局", "parent_code": "102"},
    "revenue": {"month": "3", "item_code": "101", "item_name": "税收收入", "budget_type": "1", "amount": "5"},
    "debt": {"month": "3", "debt_type": "一般债务", "limit_amount": "100", "balance": "50"},
    "classification": {"scheme": "function", "code": "299", "name": "其他支出", "parent_code": ""},
}
ODD_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(
        ["9999999999999999.99", "-0", "(5)", "1e5", "NaN", "１２", "2025年2月30日", "20250301", "13", "个人"]
    ),
)


@pytest.mark.parametrize("kind", list(GOOD_ROWS))
def test_no_batch_gets_a_server_error(token, loaded_year, budget_staff, kind):
    """Rows near a good one, with odd cells: each batch is applied (and the query page still
    reads the year) or refused with a 4xx answer; never a 500."""
    good, (key, numbered) = GOOD_ROWS[kind], ROW_KEYS[kind]
    changes = st.dictionaries(st.sampled_from(list(good)), ODD_CELLS, max_size=2)
    batches = st.lists(changes, min_size=1, max_size=4).map(
        lambda rows: [{**good, key: numbered.format(i + 1), **row} for i, row in enumerate(rows)]
    )
    client = Client(raise_request_exception=False)

    @hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(batches)
    def batch_answered(rows):
        answer = client.post(
            URL.format(kind=kind),
            {"year": YEAR, "rows": rows},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert answer.status_code < 500, (rows, answer.content[:300])
        if answer.status_code == 200:
            budget_table(actor=budget_staff, filters=BudgetFilter(year=YEAR, group="unit"))

    batch_answered()


@pytest.mark.parametrize("kind", list(GOOD_ROWS))
def test_the_fuzzs_good_rows_are_applied(token, loaded_year, kind):
    key, numbered = ROW_KEYS[kind]
    rows = [{**GOOD_ROWS[kind], key: numbered.format(i + 1)} for i in range(4)]
    answer = post(token, kind, {"year": YEAR, "rows": rows})
    assert answer.status_code == 200, answer.content


# --- a batch's size is bounded up front; a busy database is a 503 to retry ---------------------


def _feed_payment(n: int) -> dict[str, str]:
    """A payment as the finance bureau's system sends it (its longest usual texts)."""
    return {
        "voucher_no": f"PZ2025{n:08d}",
        "pay_date": "2025-07-01",
        "unit_code": "101001",
        "function_code": "2050201",
        "econ_code": "30201",
        "budget_type": "1",
        "project_code": "P1",
        "indicator_no": "ZB001",
        "payee_name": "示范县城关建设工程有限公司",
        "payee_account": "6222020000001234567",
        "payee_type": "单位",
        "amount": "1234567.89",
        "pay_method": "直接支付",
        "purpose": "校舍维修工程款（第二期）",
    }


def test_the_row_limit_and_the_body_limit_agree(settings):
    import json

    from renda.budget.api import MAX_ROWS

    body = json.dumps({"year": YEAR, "rows": [_feed_payment(n) for n in range(MAX_ROWS)]}).encode()
    # a full batch of payments (Chinese as \u escapes, as most JSON libraries send it) fits the
    # body limit with room to spare, and the limit leaves 1 KiB to each of the rows
    assert len(body) < 0.6 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert MAX_ROWS * 1024 <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    doc = (Path(__file__).resolve().parents[4] / "docs" / "data-interface.md").read_text(encoding="utf-8")
    assert f"at most {MAX_ROWS:,} rows and {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20} MiB" in doc


def test_a_batch_over_the_row_limit_is_refused_before_any_import(token, loaded_year, settings):
    from renda.budget.api import MAX_ROWS
    from renda.budget.models import ImportBatch

    batches = ImportBatch.objects.count()
    rows = [{"voucher_no": f"V{n}"} for n in range(MAX_ROWS + 1)]
    answer = post(token, "payments", {"year": YEAR, "rows": rows})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"
    # a body over the limit: 413, whatever its rows
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    answer = post(token, "payments", {"year": YEAR, "rows": [_feed_payment(n) for n in range(40)]})
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    assert ImportBatch.objects.count() == batches and not Payment.objects.filter(voucher_no="V1").exists()


def test_a_full_batch_is_applied(token, loaded_year):
    from renda.budget.api import MAX_ROWS

    rows = [_feed_payment(n) for n in range(MAX_ROWS)]
    answer = post(token, "payments", {"year": YEAR, "rows": rows})
    assert answer.status_code == 200, answer.content[:500]
    assert answer.json()["inserted"] == MAX_ROWS


def test_a_batch_that_finds_the_database_locked_is_a_503_to_send_again(token, loaded_year, monkeypatch):
    from django.db import OperationalError

    from renda.budget import api

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(api, "budget_import", locked)
    answer = post(token, "payments", {"year": YEAR, "rows": [_feed_payment(1)]})
    assert answer.status_code == 503
    assert answer["Retry-After"] == str(api.RETRY_AFTER_SECONDS)
    assert answer.json()["code"] == "database_busy"


def test_an_indicator_whose_current_amount_overflows_is_refused_naming_the_line(token, loaded_year):
    """Each amount in range, their sum not: the current amount cannot be stored (numeric(18, 2)).
    Found by the fuzz above on PostgreSQL, where it was a 500."""
    row = {**GOOD_ROWS["indicators"], "original_amount": "9999999999999999.99", "adjusted_amount": "100"}
    answer = post(token, "indicators", {"year": YEAR, "rows": [row]})
    assert answer.status_code == 422, answer.content
    errors = answer.json()["errors"]
    assert errors[0]["line"] == 2 and errors[0]["column"] == "adjusted_amount", errors  # the first row
