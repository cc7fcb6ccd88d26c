"""查询: each summary the query page reads answers as the payments themselves do."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renda.budget.selectors.query import GROUPS, BudgetFilter, budget_table, payments_list, payments_total
from renda.budget.tests.conftest import PAYMENTS, YEAR, load, write_csv

pytestmark = pytest.mark.django_db

NEXT = YEAR + 1


@pytest.fixture
def varied_year(loaded_year, tmp_path):
    """A year of 120 payments over varied units, codes, budgets, projects and months, loaded in
    two files (the first summed while streaming, the second added to the summaries)."""
    rng = random.Random(11)
    header, sample = PAYMENTS[0], dict(zip(PAYMENTS[0], PAYMENTS[1], strict=True))
    rows = []
    for n in range(120):
        cells = {
            **sample,
            "voucher_no": f"Q{n:04d}",
            "pay_date": f"{NEXT}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "unit_code": rng.choice(["101", "101001", "102"]),
            "function_code": rng.choice(["20502", "2050201", "2100101", "21004"]),
            "econ_code": rng.choice(["", "30201", "30101", "50101"]),
            "budget_type": rng.choice(["1", "2", "4"]),
            "project_code": rng.choice(["", "P1", "P2"]),
            "indicator_no": "",
            "amount": rng.choice(["0.01", "-12.30", "88000.00", f"{n}.50"]),
        }
        rows.append([cells[c] for c in header])
    for name, part in (("first", rows[:80]), ("more", rows[80:])):
        result = load("payments", write_csv(tmp_path / f"{name}.csv", [header, *part]), year=NEXT)
        assert result.errors == [], result.errors
    return NEXT


FILTERS: list[dict[str, Any]] = [
    {},
    {"as_of": dt.date(NEXT, 9, 30)},
    {"budget_type": 2},
    {"function": "205"},
    {"econ": "302"},
    {"unit": "101"},
    {"project": "P1"},
    {"unit": "102", "econ": "30", "as_of": dt.date(NEXT, 6, 30)},
    {"function": "2100101", "budget_type": 1, "date_from": dt.date(NEXT, 4, 1)},
]


@pytest.mark.parametrize("group", [g for g in GROUPS if g != "day"])
def test_every_summary_answers_as_the_payments_do(varied_year, budget_staff, group):
    """The table reads the smallest summary that holds its filters and grouping (the
    classification summary, the rollup or the fine one); a no-op amount filter makes it read the
    payments instead. The figures must be the same, row for row."""
    for changes in FILTERS:
        filters = BudgetFilter(year=varied_year, group=group, **changes)
        summary = budget_table(actor=budget_staff, filters=filters)
        payments = budget_table(actor=budget_staff, filters=replace(filters, amount_min=Decimal(-(10**15))))
        assert (summary.source, payments.source) == ("summary", "payments")
        figures = [(r.key, r.paid, r.payments) for r in summary.rows]
        assert figures == [(r.key, r.paid, r.payments) for r in payments.rows], changes
        assert (summary.total.paid, summary.total.payments) == (payments.total.paid, payments.total.payments)
        assert summary.total.payments > 0, changes


@pytest.mark.parametrize(
    ("changes", "table"),
    [
        ({"group": "econ1", "as_of": dt.date(NEXT, 9, 30)}, "budget_paymentclasssummary"),
        ({"group": "function2", "function": "205", "econ": "30"}, "budget_paymentclasssummary"),
        ({"group": "unit"}, "budget_paymentrollup"),
        ({"group": "function1", "unit": "101"}, "budget_paymentrollup"),
        ({"group": "econ1", "unit": "101"}, "budget_paymentsummary"),
        ({"group": "project"}, "budget_paymentsummary"),
    ],
)
def test_a_table_reads_the_smallest_summary_that_holds_it(varied_year, budget_staff, changes, table):
    with CaptureQueriesContext(connection) as queries:
        budget_table(actor=budget_staff, filters=BudgetFilter(year=varied_year, **changes))
    read = {
        t
        for q in queries
        for t in ("paymentclasssummary", "paymentrollup", "paymentsummary")
        if t in q["sql"]
    }
    assert read == {table.removeprefix("budget_")}


def test_a_voucher_lists_total_from_the_summary_equals_its_payments(varied_year, budget_staff):
    for changes in FILTERS:
        filters = BudgetFilter(year=varied_year, **changes)
        qs = payments_list(actor=budget_staff, filters=filters)
        assert payments_total(qs, filters) == payments_total(qs), changes
