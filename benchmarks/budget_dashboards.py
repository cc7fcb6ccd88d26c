"""The analysis dashboards' latency (a benchmark, not a test), with a duckdb baseline.

``benchmarks/budget_scale.py`` calls :func:`time_dashboards` on its synthetic year and
:func:`duckdb_dashboards` on the same payments CSV. Standalone, on a database that already holds
a year (the demo's, for one)::

    RENDA_DATA_DIR=/tmp/h3var .venv/bin/python benchmarks/budget_dashboards.py [--year 2026]
        [--as-of 2026-11-20] [--rounds 20]

times every dashboard selector at a month's end (summary tables only), in the middle of that
month (half of the month read from the payments) and on the as-of date, then writes the
year's payments to a CSV and times duckdb computing the same aggregates, so that the figures
read as a ratio.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

THREE_PUBLIC_YEARS = 5


def _timed(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def dashboards(actor: Any, year: int, as_of: dt.date) -> dict[str, Callable[[], Any]]:
    """Each dashboard selector of the analysis page, as the page calls it."""
    from renda.budget.selectors import analysis as a

    common = {"actor": actor, "year": year, "as_of": as_of}
    return {
        "headline": lambda: a.headline(**common),
        "execution by department": lambda: a.execution_by_department(**common),
        "execution by function": lambda: a.execution_by_function(**common),
        "monthly payments": lambda: a.monthly_payments(**common),
        "structure by function": lambda: a.structure_by_function(**common),
        "structure by econ": lambda: a.structure_by_econ(**common),
        "three public by year": lambda: a.three_public_by_year(
            actor=actor, years=list(range(year - THREE_PUBLIC_YEARS + 1, year + 1)), as_of=as_of
        ),
        "top payees": lambda: a.top_payees(**common),
        "revenue against budget": lambda: a.revenue_against_budget(**common),
        "debt against limit": lambda: a.debt_against_limit(**common),
        "findings by rule and state": lambda: a.findings_by_rule_and_state(actor=actor, year=year),
    }


def time_dashboards(
    actor: Any, year: int, as_of: dt.date, rounds: int = 20
) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of each dashboard selector over ``rounds`` calls as the page meets them
    (the figures kept in the cache since the last import), then of the same computed afresh
    (``"<name> (uncached)"``, over a quarter of the rounds: what the first call after an import
    costs), and of the whole page's set of selectors both ways (``"all dashboards"``)."""
    from renda.budget.selectors.analysis import uncached

    calls = dashboards(actor, year, as_of)
    for fn in calls.values():  # warm the permission checks and the cache
        fn()
    cold_rounds = max(3, rounds // 4)
    result = {name: _timed(fn, rounds) for name, fn in calls.items()}
    result["all dashboards"] = _timed(lambda: [fn() for fn in calls.values()], rounds)
    with uncached():
        for name, fn in calls.items():
            result[f"{name} (uncached)"] = _timed(fn, cold_rounds)
        result["all dashboards (uncached)"] = _timed(lambda: [fn() for fn in calls.values()], cold_rounds)
    return result


def duckdb_dashboards(
    payments_csv: str | Path, year: int, as_of: dt.date, rounds: int = 5
) -> dict[str, tuple[float, float]]:
    """The same aggregates of the payments, by the duckdb package: ``"load"`` reads the CSV into
    an in-memory table once (p50 = p95 = its time); each other entry times one aggregate over
    that table (paid up to ``as_of`` by unit, by functional class, by month, by economic class,
    the three public codes, the top ten payees), ``rounds`` times."""
    import duckdb

    from renda.budget.warning_rules.registry import THREE_PUBLIC_ECON_CODES

    con = duckdb.connect()
    types = (
        "{'voucher_no': 'VARCHAR', 'unit_code': 'VARCHAR', 'function_code': 'VARCHAR', "
        "'econ_code': 'VARCHAR', 'payee_name': 'VARCHAR', 'payee_type': 'VARCHAR', "
        "'pay_date': 'DATE', 'amount': 'DECIMAL(18,2)'}"
    )
    path = str(payments_csv).replace("'", "''")
    start = time.perf_counter()
    con.execute(
        f"CREATE TABLE p AS SELECT voucher_no, pay_date, unit_code, function_code, econ_code, payee_name, "
        f"payee_type, amount FROM read_csv('{path}', header=true, types={types})"
    )
    load = (time.perf_counter() - start) * 1000
    cut = f"pay_date <= DATE '{as_of.isoformat()}'"
    codes = ", ".join(f"'{c}'" for c in THREE_PUBLIC_ECON_CODES)
    by = f"SELECT {{}}, SUM(amount) FROM p WHERE {cut} GROUP BY 1"
    queries = {
        "execution by department": by.format("unit_code"),
        "execution by function": by.format("substr(function_code, 1, 3)"),
        "monthly payments": by.format("month(pay_date)"),
        "structure by econ": by.format("substr(econ_code, 1, 3)"),
        "three public by year": f"SELECT econ_code, SUM(amount) FROM p "
        f"WHERE {cut} AND econ_code IN ({codes}) GROUP BY 1",
        "top payees": f"SELECT payee_name, payee_type, SUM(amount) s, COUNT(*) FROM p WHERE {cut} "
        f"GROUP BY 1, 2 ORDER BY s DESC LIMIT 10",
    }
    result = {"load": (load, load)}
    for name, sql in queries.items():
        result[name] = _timed(lambda sql=sql: con.execute(sql).fetchall(), rounds)
    con.close()
    return result


def export_payments_csv(year: int, path: Path) -> int:
    """Write the year's payments (the columns duckdb reads) to ``path``; the number of rows."""
    from django.conf import settings

    from renda.budget.models import Payment

    columns = [
        "voucher_no",
        "pay_date",
        "unit_code",
        "function_code",
        "econ_code",
        "payee_name",
        "payee_type",
        "amount",
    ]
    qs = Payment.objects.filter(region_code=settings.RENDA_REGION_CODE, year=year).values_list(*columns)
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in qs.iterator(chunk_size=20000):
            writer.writerow(row)
            n += 1
    return n


def print_table(title: str, figures: dict[str, tuple[float, float]]) -> None:
    print(title)
    for name, (p50, p95) in figures.items():
        print(f"  {name:<40} {p50:9.1f} / {p95:9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int)
    parser.add_argument("--as-of", type=dt.date.fromisoformat)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-duckdb", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    import django

    django.setup()
    from django.db import connection

    from renda.accounts.models import Role, User
    from renda.budget.selectors.analysis import analysis_years, default_as_of

    actor, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
    year = args.year or analysis_years(actor=actor)[0]
    as_of = args.as_of or default_as_of(year)
    # a month's end (the summary tables only), the middle of that month (its later half read from
    # the payments) and the as-of date (about today: the summary, after one probe of the payments)
    month_end = dt.date(year, as_of.month, 1) - dt.timedelta(days=1) if as_of.month > 1 else as_of
    print(f"database: {connection.vendor}; year {year}")
    for when in (month_end, month_end.replace(day=15), as_of):
        print_table(
            f"dashboards as of {when} ({args.rounds} rounds): p50 / p95 ms",
            time_dashboards(actor, year, when, args.rounds),
        )
    if not args.no_duckdb:
        with tempfile.TemporaryDirectory() as work:
            path = Path(work) / "payments.csv"
            rows = export_payments_csv(year, path)
            print_table(
                f"duckdb baseline, {rows} payments as of {as_of}: p50 / p95 ms",
                duckdb_dashboards(path, year, as_of),
            )


if __name__ == "__main__":
    main()
