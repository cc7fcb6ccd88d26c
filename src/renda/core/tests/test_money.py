"""core.money: what a cursor returns for a money sum, as a Decimal to the fen (the sums themselves
are tested on real amounts in budget/tests/test_money_exact.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from renda.core.money import MoneySum, money_sql, money_sum_sql, money_value


def test_money_value_reads_fen_numeric_and_stored_reals():
    assert money_value(None) is None
    assert money_value(1234550) == Decimal("12345.50")  # SQLite's integer fen
    assert money_value(-3) == Decimal("-0.03")
    assert money_value(9_223_372_036_854_775_807) == Decimal("92233720368547758.07")
    assert money_value(Decimal("12.5")) == Decimal("12.50")  # PostgreSQL's numeric
    assert money_value(0.30000000000000004) == Decimal("0.30")  # a REAL read back
    with pytest.raises(TypeError):
        money_value(True)


def test_the_sql_adds_fen_on_sqlite_and_numeric_on_postgresql(db):
    from django.db import connection

    if connection.vendor == "sqlite":
        assert money_sql("amount") == "CAST(ROUND((amount) * 100) AS INTEGER)"
        assert money_sum_sql("amount") == "SUM(CAST(ROUND((amount) * 100) AS INTEGER))"
        assert money_sum_sql("amount", yuan=True) == "(SUM(CAST(ROUND((amount) * 100) AS INTEGER)) / 100.0)"
    else:
        assert money_sql("amount") == "amount"
        assert money_sum_sql("amount") == money_sum_sql("amount", yuan=True) == "SUM(amount)"


def test_money_sum_takes_no_default():
    with pytest.raises(TypeError):
        MoneySum("amount", default=Decimal(0))
