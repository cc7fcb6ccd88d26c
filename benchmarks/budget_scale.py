"""Budget data at scale (a benchmark, not a test): import rate, query latency, peak memory.

Usage::

    .venv/bin/python benchmarks/budget_scale.py --payments 1000000
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/renda_bench \
        .venv/bin/python benchmarks/budget_scale.py --payments 10000000

Makes a deterministic synthetic year (2,000 units, 10^5 indicators, N payments with skew: a few
indicators and payees take most payments), imports it through the real import path into a
throw-away SQLite database (or ``DATABASE_URL``), runs the standard 查询 queries and a voucher
search, and prints import rows/s, query p50/p95 and peak resident memory — and, as a baseline
in the same run, the time the duckdb package takes to read the same payments CSV and group it
by unit and functional code, so the figures read as a ratio.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, rounds: int) -> tuple[float, float]:
    samples = []
    for n in range(rounds):
        start = time.perf_counter()
        fn(n)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="renda-budget-bench-"))
    os.environ.setdefault("RENDA_DATA_DIR", str(work))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from renda.accounts.models import Role, User
    from renda.budget.importer import import_path, new_batch
    from renda.budget.models import ImportBatch
    from renda.budget.selectors.query import BudgetFilter, budget_table, payments_list
    from renda.budget.services.imports import classification_ensure_baseline
    from renda.budget.synth import write_year

    call_command("migrate", verbosity=0)
    from renda.budget.models import BudgetUnit, Indicator, Payment, PaymentSummary

    for model in (Payment, PaymentSummary, Indicator):  # a database kept from an earlier run
        model.objects.filter(year=args.year).delete()
    BudgetUnit.objects.all().delete()
    print(f"database: {connection.vendor}; work dir: {work}")
    start = time.perf_counter()
    plan = write_year(
        work, year=args.year, seed=2026, units=args.units, indicators=args.indicators, payments=args.payments
    )
    size = (work / "payments.csv").stat().st_size / 1024**2
    print(
        f"generated {args.units} units, {args.indicators} indicators, {args.payments} payments "
        f"({size:.0f} MiB CSV) in {time.perf_counter() - start:.1f} s"
    )

    classification_ensure_baseline(year=args.year)
    for kind in ("units", "indicators", "payments"):
        batch = new_batch(kind=kind, year=args.year, source=ImportBatch.Source.COMMAND, file_name=kind)
        start = time.perf_counter()
        result = import_path(kind=kind, year=args.year, path=work / f"{kind}.csv", batch=batch, track=False)
        seconds = time.perf_counter() - start
        assert not result.errors, result.errors[:3]
        print(
            f"import {kind:<10} {result.rows:>10} rows in {seconds:7.1f} s = "
            f"{result.rows / seconds:>9,.0f} rows/s (inserted {result.inserted})"
        )
    batch = new_batch(kind="payments", year=args.year, source=ImportBatch.Source.COMMAND, file_name="again")
    start = time.perf_counter()
    result = import_path(
        kind="payments", year=args.year, path=work / "payments.csv", batch=batch, track=False
    )
    seconds = time.perf_counter() - start
    print(
        f"re-import payments {result.rows:>10} rows in {seconds:7.1f} s = "
        f"{result.rows / seconds:>9,.0f} rows/s (unchanged {result.unchanged})"
    )
    print(f"peak memory after import: {peak_mib():.0f} MiB")

    actor, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
    rng = random.Random(7)
    departments = [u[0] for u in plan.units if not u[2]]
    functions = sorted({i[2][:3] for i in plan.indicators})
    year = args.year

    def month_of(unit: str, month: int) -> BudgetFilter:
        last = calendar.monthrange(year, month)[1]
        return BudgetFilter(
            year=year,
            group="day",
            unit=unit,
            date_from=dt.date(year, month, 1),
            date_to=dt.date(year, month, last),
        )

    queries = {
        "summary by 类 (whole year)": lambda n: budget_table(actor=actor, filters=BudgetFilter(year=year)),
        "summary 款 under a 类": lambda n: budget_table(
            actor=actor, filters=BudgetFilter(year=year, function=rng.choice(functions), group="function2")
        ),
        "summary by 主管部门": lambda n: budget_table(
            actor=actor, filters=BudgetFilter(year=year, group="department")
        ),
        "summary units of a 主管部门": lambda n: budget_table(
            actor=actor, filters=BudgetFilter(year=year, unit=rng.choice(departments), group="unit")
        ),
        "summary by month, one budget": lambda n: budget_table(
            actor=actor, filters=BudgetFilter(year=year, budget_type=rng.randint(1, 4), group="month")
        ),
        "days of a month (payments)": lambda n: budget_table(
            actor=actor, filters=month_of(rng.choice(departments), rng.randint(1, 12))
        ),
    }
    print(f"queries ({args.rounds} rounds each): p50 / p95 ms")
    for name, fn in queries.items():
        p50, p95 = timed(lambda n, fn=fn: len(fn(n).rows), args.rounds)
        print(f"  {name:<34} {p50:8.1f} / {p95:8.1f}")

    def voucher_search(n: int) -> None:
        number = f"PZ{year}{rng.randint(1, args.payments):08d}"
        qs = payments_list(actor=actor, filters=BudgetFilter(year=year, voucher=number))
        assert len(list(qs[:50])) == 1

    def voucher_page(n: int) -> None:
        qs = payments_list(actor=actor, filters=BudgetFilter(year=year, unit=rng.choice(departments)))
        list(qs[:50])

    for name, fn in (
        ("voucher search (by number)", voucher_search),
        ("voucher list page of a 主管部门", voucher_page),
    ):
        p50, p95 = timed(fn, args.rounds)
        print(f"  {name:<34} {p50:8.1f} / {p95:8.1f}")

    import duckdb

    start = time.perf_counter()
    rows = duckdb.sql(
        f"SELECT unit_code, function_code, SUM(amount), COUNT(*) FROM read_csv('{work / 'payments.csv'}', "
        f"types={{'unit_code': 'VARCHAR', 'function_code': 'VARCHAR', 'amount': 'DECIMAL(18,2)'}}) "
        f"GROUP BY unit_code, function_code"
    ).fetchall()
    duck = time.perf_counter() - start
    print(
        f"duckdb baseline: read + group {args.payments} payments by unit × function in {duck:.2f} s "
        f"({len(rows)} groups) = {args.payments / duck:,.0f} rows/s"
    )
    print(f"peak memory: {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
