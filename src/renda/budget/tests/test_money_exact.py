"""Every total equals its rows to the fen, on SQLite as on PostgreSQL (renda.core.money).

SQLite stores a money column as a REAL and its ``SUM`` adds floats: at 10^6 amounts of up to
10^9 元 the float total is off by whole yuan. The amounts here are random (seeded), with fen, and
go in through the import's bulk path; the totals the pages show — the query table per unit, per
economic class, from the summaries and from the payments, the voucher list's total, the analysis
dashboards' sums — must equal the exact ``Decimal`` sums computed here. Written for both
databases (the lead runs it on PostgreSQL).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from renda.budget.import_engine.summaries import rebuild_payment_summary
from renda.budget.models import Payment, PaymentClassSummary, PaymentRollup, PaymentSummary
from renda.budget.selectors.query import BudgetFilter, budget_table, payments_total
from renda.budget.services.imports import budget_import, classification_ensure_baseline
from renda.budget.tests.conftest import write_csv
from renda.core.module_parameters import current_region_code
from renda.core.money import MoneySum, money_sql, money_sum_sql, money_value

pytestmark = pytest.mark.django_db

YEAR = 2025
# 10^5 in the normal suite (10^6 takes about 100 s on SQLite here: benchmarks/money_exact.py runs
# it); RENDA_MONEY_ROWS sets the size (the test is the same at any size).
ROWS = int(os.environ.get("RENDA_MONEY_ROWS", "100000"))
UNITS = [f"9{n:02d}" for n in range(20)]
FUNCTIONS = ["2010101", "2050201", "2080501", "2100101"]
ECONS = ["30101", "30201", "30211", "31002"]
PAYEES = [f"收款单位{n:04d}" for n in range(1000)]


def fen(amount: Decimal) -> int:
    return int(amount * 100)


def yuan(fen_total: int) -> Decimal:
    return (Decimal(fen_total) / 100).quantize(Decimal("0.01"))


def _payments_file(path: Path, rows: int, seed: int) -> dict[str, dict[str, int]]:
    """A payments CSV of ``rows`` random amounts (fen, up to 10^9 元), and its exact totals (fen)
    per unit, economic code, payee and in all."""
    rng = random.Random(seed)
    totals: dict[str, dict[str, int]] = {
        "all": defaultdict(int),
        "unit": defaultdict(int),
        "econ": defaultdict(int),
    }
    totals["payee"] = defaultdict(int)
    first = dt.date(YEAR, 1, 1).toordinal()
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(
            [
                "voucher_no",
                "pay_date",
                "unit_code",
                "function_code",
                "econ_code",
                "budget_type",
                "payee_name",
                "amount",
            ]
        )
        for n in range(rows):
            cents = rng.randrange(1, 10**11)
            unit, econ = rng.choice(UNITS), rng.choice(ECONS)
            payee = PAYEES[min(int(rng.paretovariate(1.2)) - 1, len(PAYEES) - 1)]
            day = dt.date.fromordinal(first + rng.randrange(365)).isoformat()
            out.writerow(
                [
                    f"M{n:08d}",
                    day,
                    unit,
                    rng.choice(FUNCTIONS),
                    econ,
                    "1",
                    payee,
                    f"{cents // 100}.{cents % 100:02d}",
                ]
            )
            totals["all"][""] += cents
            totals["unit"][unit] += cents
            totals["econ"][econ] += cents
            totals["payee"][payee] += cents
    return totals


@pytest.fixture
def money_units(db, tmp_path):
    classification_ensure_baseline(year=YEAR)
    units = [["unit_code", "unit_name"], *([u, f"测试单位{u}"] for u in UNITS)]
    result = budget_import(
        actor=None, kind="units", year=YEAR, source=write_csv(tmp_path / "u.csv", units)
    ).result
    assert result is not None and result.errors == []


def test_money_sum_is_exact_where_float_addition_is_not(money_units, tmp_path):
    """Ten amounts whose float sum is not their sum: 0.10 ten times, and a large with a small."""
    rows = [["voucher_no", "pay_date", "unit_code", "function_code", "econ_code", "budget_type", "amount"]]
    rows += [[f"F{n}", "2025-02-01", UNITS[0], FUNCTIONS[0], ECONS[0], "1", "0.10"] for n in range(10)]
    rows += [["F10", "2025-02-02", UNITS[1], FUNCTIONS[0], ECONS[0], "1", "9999999999.99"]]
    rows += [["F11", "2025-02-03", UNITS[1], FUNCTIONS[0], ECONS[0], "1", "0.01"]]
    rows += [["F12", "2025-02-03", UNITS[1], FUNCTIONS[0], ECONS[0], "1", "-0.03"]]
    result = budget_import(
        actor=None, kind="payments", year=YEAR, source=write_csv(tmp_path / "p.csv", rows)
    ).result
    assert result is not None and result.errors == []
    total = Payment.objects.aggregate(s=MoneySum("amount"))["s"]
    assert total == Decimal("9999999999.99") + Decimal("1.00") + Decimal("0.01") - Decimal("0.03")
    assert str(total).endswith(".97") and total.as_tuple().exponent == -2
    by_unit = dict(
        Payment.objects.values("unit_code").annotate(s=MoneySum("amount")).values_list("unit_code", "s")
    )
    assert by_unit == {UNITS[0]: Decimal("1.00"), UNITS[1]: Decimal("9999999999.97")}
    assert Payment.objects.filter(unit_code="none").aggregate(s=MoneySum("amount"))["s"] is None
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {money_sum_sql('amount')}, {money_sum_sql('amount', yuan=True)} FROM budget_payment"
        )
        exact, in_yuan = cursor.fetchone()
        cursor.execute(f"SELECT {money_sql('amount')} FROM budget_payment WHERE voucher_no = 'F12'")
        single = cursor.fetchone()[0]
    assert (
        money_value(exact) == total
        and money_value(in_yuan) == total
        and money_value(single) == Decimal("-0.03")
    )
    with pytest.raises(TypeError):
        MoneySum("amount", default=Decimal(0))


def test_totals_equal_their_rows_to_the_fen_at_scale(money_units, tmp_path, budget_staff):
    """10^5 random amounts with fen (up to 10^9 元; 10^6 in benchmarks/money_exact.py), through
    the bulk import: every total the query page and the voucher list show equals the exact sum,
    per group and in all."""
    path = tmp_path / "payments.csv"
    totals = _payments_file(path, ROWS, seed=16)
    since = time.perf_counter()
    result = budget_import(actor=None, kind="payments", year=YEAR, source=path).result
    loaded = time.perf_counter() - since
    assert result is not None and result.errors == [] and result.inserted == ROWS
    exact = yuan(totals["all"][""])

    # the voucher list's total, from the payments and from the summaries
    assert payments_total(Payment.objects.filter(year=YEAR)) == (exact, ROWS)
    assert payments_total(Payment.objects.none(), BudgetFilter(year=YEAR)) == (exact, ROWS)
    for model in (PaymentSummary, PaymentRollup, PaymentClassSummary):
        assert model.objects.filter(year=YEAR).aggregate(s=MoneySum("amount"))["s"] == exact, model.__name__

    # the query table per unit and per economic class (summaries), and per unit from the
    # payments (a payee filter reads them)
    for group, key in (("unit", "unit"), ("econ2", "econ")):
        table = budget_table(actor=budget_staff, filters=BudgetFilter(year=YEAR, group=group))
        assert table.source == "summary"
        assert {r.key: r.paid for r in table.rows} == {k: yuan(v) for k, v in totals[key].items()}
        assert table.total.paid == exact
    payee = max(totals["payee"], key=lambda p: totals["payee"][p])
    table = budget_table(actor=budget_staff, filters=BudgetFilter(year=YEAR, group="unit", payee=payee))
    assert table.source == "payments"
    assert table.total.paid == yuan(totals["payee"][payee])

    # a summary rebuilt from the payments (set-based SQL) is exact too
    rebuild_payment_summary(current_region_code(), YEAR)
    by_unit = dict(
        PaymentRollup.objects.filter(year=YEAR)
        .values("unit_code")
        .annotate(s=MoneySum("amount"))
        .values_list("unit_code", "s")
    )
    assert by_unit == {k: yuan(v) for k, v in totals["unit"].items()}
    print(f"\n{ROWS:,} payments imported in {loaded:.1f} s; totals exact")  # noqa: T201


def test_an_incremental_import_keeps_the_summaries_exact(money_units, tmp_path):
    """Changes summed into the summaries group by group (the staged delta) stay exact."""
    rng = random.Random(3)
    header = ["voucher_no", "pay_date", "unit_code", "function_code", "econ_code", "budget_type", "amount"]

    def row(n: int, cents: int) -> list[str]:
        return [
            f"I{n:06d}",
            "2025-05-05",
            UNITS[n % 3],
            FUNCTIONS[0],
            ECONS[n % 2],
            "1",
            f"{cents // 100}.{cents % 100:02d}",
        ]

    amounts = {n: rng.randrange(1, 10**11) for n in range(3000)}
    first = [header, *(row(n, c) for n, c in amounts.items() if n < 2000)]
    assert budget_import(
        actor=None, kind="payments", year=YEAR, source=write_csv(tmp_path / "a.csv", first)
    ).result
    for n in range(0, 2000, 7):  # change some stored amounts, add the rest
        amounts[n] = rng.randrange(1, 10**11)
    second = [header, *(row(n, c) for n, c in amounts.items())]
    result = budget_import(
        actor=None, kind="payments", year=YEAR, source=write_csv(tmp_path / "b.csv", second)
    ).result
    assert result is not None and result.errors == [] and result.inserted == 1000
    exact = yuan(sum(amounts.values()))
    for model in (PaymentSummary, PaymentRollup, PaymentClassSummary):
        assert model.objects.filter(year=YEAR).aggregate(s=MoneySum("amount"))["s"] == exact, model.__name__
    per_unit: dict[str, int] = defaultdict(int)
    for n, cents in amounts.items():
        per_unit[UNITS[n % 3]] += cents
    stored = PaymentRollup.objects.filter(year=YEAR).values("unit_code").annotate(s=MoneySum("amount"))
    assert {r["unit_code"]: r["s"] for r in stored} == {k: yuan(v) for k, v in per_unit.items()}
