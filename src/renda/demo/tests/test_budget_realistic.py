"""The demo county's budget years look like a county's (issue 16 §3): payees consistent with the
economic class, 三公 in the hundreds of thousands, a 人大事务 line of a county congress's size, a
long tail of payees with a few large contractors."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest

from renda.demo import budget_synth as synth

pytestmark = pytest.mark.django_db


def _payments(tmp_path, year: int, until: dt.date | None) -> list[dict[str, str]]:
    folder = tmp_path / str(year)
    folder.mkdir()
    synth.write_year(
        folder,
        year=year,
        seed=7,
        units=60,
        indicators=600,
        payments=20_000,
        until=until,
        realistic=True,
        demo_year=2026,
    )
    with (folder / "payments.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_payees_follow_the_economic_class(tmp_path):
    rows = _payments(tmp_path, 2025, None)
    for row in rows:
        econ, kind, payee = row["econ_code"], row["payee_type"], row["payee_name"]
        if econ in synth.EQUIPMENT or econ in synth.CAPITAL_WORKS:
            assert kind == "单位", row  # no equipment or works bought from a person
        if econ in synth.INSTITUTIONS:
            assert payee == synth.INSTITUTIONS[econ][0]
        elif econ.startswith("301") or econ.startswith("303"):
            assert kind == "个人", row  # wages and transfers to people
        if econ in synth.UTILITIES:
            assert (payee, row["payee_account"]) in synth.UTILITIES[econ]
        if econ in synth.CAPITAL_WORKS and row["unit_code"] != synth.CONGRESS_UNIT[0]:
            assert payee in {name for name, _account in synth.CONTRACTORS}
    assert {r["payee_type"] for r in rows if r["econ_code"].startswith("302")} == {
        "单位",
        "个人",
    }  # travel, labour


def test_three_public_congress_and_payee_concentration(tmp_path):
    for year, until in ((2024, None), (2026, dt.date(2026, 11, 20))):
        rows = _payments(tmp_path, year, until)
        amount = [Decimal(r["amount"]) for r in rows]
        three = sum(a for a, r in zip(amount, rows, strict=True) if r["econ_code"] in synth.THREE_PUBLIC)
        assert Decimal(200_000) < three < Decimal(1_000_000), three
        congress = sum(a for a, r in zip(amount, rows, strict=True) if r["function_code"].startswith("20101"))
        assert Decimal(5_000_000) < congress < Decimal(10_000_000), congress
        assert {r["unit_code"] for r in rows if r["function_code"].startswith("20101")} == {
            synth.CONGRESS_UNIT[0]
        }
        by_payee: dict[str, Decimal] = {}
        for a, r in zip(amount, rows, strict=True):
            by_payee[r["payee_name"]] = by_payee.get(r["payee_name"], Decimal(0)) + a
        total = sum(amount)
        ranked = sorted(by_payee.values(), reverse=True)
        assert sum(ranked[:10]) / total > Decimal("0.15")  # a few large contractors and suppliers …
        assert len(by_payee) > 1000 and ranked[len(ranked) // 2] * 100 < ranked[0]  # … and a long tail
        assert all(a > 0 for a in amount)
    trips = [r for r in _payments(tmp_path, 2025, None) if r["econ_code"] == "30212"]
    assert len(trips) == 1  # one trip abroad last year
