"""Budget data at scale (a benchmark, not a test): import rate, query latency, peak memory.

Usage::

    .venv/bin/python benchmarks/budget_scale.py --payments 1000000
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/renda_bench \\
        .venv/bin/python benchmarks/budget_scale.py --payments 10000000 --work /tmp/scale-1e7

Makes a deterministic synthetic year (2,000 units, 10^5 indicators, N payments with skew: a few
indicators and payees take most payments; revenue with its annual budget and debt by month),
imports it through the real import path into a throw-away SQLite database (``RENDA_DATA_DIR``,
a new temporary directory unless set) or ``DATABASE_URL``, imports the payments a second time
(everything unchanged), runs the standard 查询 queries, a voucher search and the voucher list of
a 主管部门 as its page does it, and prints rows/s per kind (with the phases of the payments
import), query p50/p95 and peak resident memory — and, in the same run, a baseline: the time the
duckdb package takes to read the same payments CSV and group it by unit and functional code, so
that the figures read as a ratio. When the warning rules' and the dashboards' benchmarks are
present (``benchmarks/budget_rules.py``, ``benchmarks/budget_dashboards.py``) their figures are
printed too.

``--work DIR`` keeps the generated CSV files there and reuses them when the same sizes are asked
again (10^7 payments take a minute to write); ``--skip-import`` times the queries (and rules and
dashboards) on what the database already holds.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def peak_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, rounds: int) -> tuple[float, float]:
    """p50 and p95 of ``rounds`` calls (ms). Each call opens a new database connection, as each
    web request does: SQLite's page cache then starts empty, as the site's queries see it."""
    from django.db import connection

    samples = []
    for n in range(rounds):
        connection.close()
        start = time.perf_counter()
        fn(n)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    cores = os.cpu_count()
    return (
        f"{cores} CPU cores (shared with other work: load average {load}), Python {platform.python_version()}"
    )


def generate(work: Path, args) -> tuple[object, float]:
    """The synthetic year's CSV files in ``work`` (reused when made with the same sizes)."""
    from renda.demo.budget_synth import write_year

    marker = work / "sizes.json"
    sizes = {"year": args.year, "units": args.units, "indicators": args.indicators, "payments": args.payments}
    start = time.perf_counter()
    if marker.exists() and json.loads(marker.read_text()) == sizes:
        from renda.demo.budget_synth import Year

        plan = Year(args.year)  # only the codes the queries pick from are needed: read them back
        import csv

        with (work / "units.csv").open(encoding="utf-8") as f:
            plan.units = [(r["unit_code"], r["unit_name"], r["parent_code"]) for r in csv.DictReader(f)]
        with (work / "indicators.csv").open(encoding="utf-8") as f:
            plan.indicators = [
                (r["indicator_no"], r["unit_code"], r["function_code"], r["econ_code"], 0, r["project_code"])
                for r in csv.DictReader(f)
            ]
        return plan, 0.0
    plan = write_year(
        work, year=args.year, seed=2026, units=args.units, indicators=args.indicators, payments=args.payments
    )
    marker.write_text(json.dumps(sizes))
    return plan, time.perf_counter() - start


def run_imports(work: Path, year: int) -> None:
    from renda.budget.services.imports import SYSTEM, budget_import

    def one(kind: str, label: str) -> None:
        start = time.perf_counter()
        result = budget_import(actor=SYSTEM, kind=kind, year=year, source=work / f"{kind}.csv").result
        seconds = time.perf_counter() - start
        assert not result.errors, result.errors[:3]
        print(
            f"  {label:<22} {result.rows:>10} rows in {seconds:7.1f} s = "
            f"{result.rows / seconds:>9,.0f} rows/s "
            f"(inserted {result.inserted}, updated {result.updated}, unchanged {result.unchanged}); "
            f"peak memory so far {peak_mib():.0f} MiB"
        )
        if kind == "payments":
            phases = ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items() if v >= 0.05)
            print(f"      phases (s): {phases}")

    print("import (wall time; the database server shares the same cores):")
    for kind in ("units", "indicators", "payments"):
        one(kind, kind)
    one("payments", "payments again")
    for kind in ("revenue", "debt"):
        one(kind, kind)


def clear_year(year: int) -> None:
    """Empty a database kept from an earlier run (set-based deletes)."""
    from django.db import connection

    from renda.budget.models import (
        BudgetUnit,
        Debt,
        Indicator,
        IndicatorAdjustment,
        PayeeSummary,
        Payment,
        PaymentClassSummary,
        PaymentRollup,
        PaymentSummary,
        Project,
        Revenue,
    )

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # mapped pages of the old rows would count as this
            cursor.execute("PRAGMA mmap_size = 0")  # process's memory (the import maps none)
        cursor.execute(
            f"DELETE FROM {IndicatorAdjustment._meta.db_table} WHERE indicator_id IN "  # noqa: S608
            f"(SELECT id FROM {Indicator._meta.db_table} WHERE year = %s)",
            [year],
        )
        for model in (
            Payment,
            PaymentSummary,
            PaymentRollup,
            PaymentClassSummary,
            PayeeSummary,
            Indicator,
            Project,
            Revenue,
            Debt,
        ):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE year = %s", [year])  # noqa: S608
        cursor.execute(f"DELETE FROM {BudgetUnit._meta.db_table}")  # noqa: S608


def run_queries(plan, args, actor) -> None:
    from renda.budget.selectors.query import BudgetFilter, budget_table, payments_list, payments_total

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
        "summary by econ 类, as of a date": lambda n: budget_table(
            actor=actor, filters=BudgetFilter(year=year, group="econ1", as_of=dt.date(year, 9, 30))
        ),
        "days of a month (payments)": lambda n: budget_table(
            actor=actor, filters=month_of(rng.choice(departments), rng.randint(1, 12))
        ),
    }
    print(f"queries ({args.rounds} rounds each): p50 / p95 ms")
    for name, fn in queries.items():
        p50, p95 = timed(lambda n, fn=fn: len(fn(n).rows), args.rounds)
        print(f"  {name:<40} {p50:8.1f} / {p95:8.1f}")

    def voucher_search(n: int) -> None:
        number = f"PZ{year}{rng.randint(1, args.payments):08d}"
        qs = payments_list(actor=actor, filters=BudgetFilter(year=year, voucher=number))
        assert len(list(qs[:50])) == 1

    def voucher_page(filters: BudgetFilter, page: int = 1) -> None:
        """What the voucher page does: the total and count of the list, then one page of it."""
        qs = payments_list(actor=actor, filters=filters)
        payments_total(qs, filters=filters)
        newest = payments_list(actor=actor, filters=filters, depth=page * 50)
        list(newest[(page - 1) * 50 : page * 50])

    for name, fn in (
        ("voucher search (by number)", voucher_search),
        (
            "voucher list of a 主管部门, page 1",
            lambda n: voucher_page(BudgetFilter(year=year, unit=rng.choice(departments))),
        ),
        (
            "voucher list of a 主管部门, page 20",
            lambda n: voucher_page(BudgetFilter(year=year, unit=rng.choice(departments)), 20),
        ),
        (
            "voucher list, payee contains",
            lambda n: voucher_page(BudgetFilter(year=year, unit=rng.choice(departments), payee="建设")),
        ),
        (
            "voucher list of one day (all units)",
            lambda n: voucher_page(
                BudgetFilter(
                    year=year, date_from=dt.date(year, 6, 1 + n % 28), date_to=dt.date(year, 6, 1 + n % 28)
                )
            ),
        ),
    ):
        p50, p95 = timed(fn, args.rounds)
        print(f"  {name:<40} {p50:8.1f} / {p95:8.1f}")


def duckdb_baseline(work: Path, payments: int) -> None:
    import duckdb

    start = time.perf_counter()
    rows = duckdb.sql(
        f"SELECT unit_code, function_code, SUM(amount), COUNT(*) FROM read_csv('{work / 'payments.csv'}', "
        f"types={{'unit_code': 'VARCHAR', 'function_code': 'VARCHAR', 'amount': 'DECIMAL(18,2)'}}) "
        f"GROUP BY unit_code, function_code"
    ).fetchall()
    duck = time.perf_counter() - start
    print(
        f"duckdb baseline: read + group {payments} payments by unit × function in {duck:.2f} s "
        f"({len(rows)} groups) = {payments / duck:,.0f} rows/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, help="for rules and dashboards (default 30 Nov)"
    )
    parser.add_argument("--work", type=Path, help="directory for the CSV files (kept and reused)")
    parser.add_argument("--skip-import", action="store_true", help="time queries on the data already loaded")
    parser.add_argument("--no-rules", action="store_true")
    parser.add_argument("--no-dashboards", action="store_true")
    args = parser.parse_args()
    as_of = args.as_of or dt.date(args.year, 11, 30)

    work = args.work or Path(tempfile.mkdtemp(prefix="renda-budget-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("RENDA_DATA_DIR", str(work / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("renda.budget.import").setLevel(logging.WARNING)  # its phases are printed here
    from django.core.management import call_command
    from django.db import connection

    from renda.accounts.models import Role, User
    from renda.budget.services.imports import classification_ensure_baseline

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(f"database: {connection.vendor} {version}; work dir: {work}")
    print(f"machine: {machine()}")
    plan, seconds = generate(work, args)
    if seconds:  # the new files reach the disk now, not while the import writes its own
        os.sync()
    size = (work / "payments.csv").stat().st_size / 1024**2
    print(
        f"{'generated' if seconds else 'reused'} {args.units} units, {args.indicators} indicators, "
        f"{args.payments} payments ({size:.0f} MiB CSV)" + (f" in {seconds:.1f} s" if seconds else "")
    )
    if not args.skip_import:
        clear_year(args.year)
        classification_ensure_baseline(year=args.year)
        run_imports(work, args.year)
        print(f"peak memory after import: {peak_mib():.0f} MiB")

    actor, _ = User.objects.get_or_create(username="bench-admin", defaults={"role": Role.ADMIN})
    run_queries(plan, args, actor)
    duckdb_baseline(work, args.payments)

    # --- hook: the warning rules (benchmarks/budget_rules.py: time_rules(year, as_of)) -----------
    baselines = []
    if not args.no_rules:
        try:
            from budget_rules import duckdb_rules, time_rules
        except ImportError:
            print("warning rules: benchmarks/budget_rules.py not present")
        else:
            found: dict[str, int] = {}
            start = time.perf_counter()
            seconds_per_rule = time_rules(args.year, as_of, found=found)
            total = time.perf_counter() - start
            print(f"warning rules as of {as_of}: {total:.1f} s in all (s per rule, findings)")
            for code, s in seconds_per_rule.items():
                print(f"  {code:<20} {s:7.2f} s  {found.get(code, 0):>7}")
            print(f"peak memory after rules: {peak_mib():.0f} MiB")

            def rules_baseline() -> None:
                duck = duckdb_rules(
                    work / "payments.csv", year=args.year, as_of=as_of, indicators_csv=work / "indicators.csv"
                )
                print("duckdb, the rules' aggregates over the CSV (s): ")
                print("  " + ", ".join(f"{k} {v:.2f}" for k, v in duck.items()))

            baselines.append(rules_baseline)

    # --- hook: the dashboards (benchmarks/budget_dashboards.py: time_dashboards(actor, year, as_of))
    if not args.no_dashboards:
        try:
            from budget_dashboards import duckdb_dashboards, time_dashboards
        except ImportError:
            print("dashboards: benchmarks/budget_dashboards.py not present")
        else:
            print(f"dashboards as of {as_of} ({args.rounds} rounds): p50 / p95 ms")
            for name, (p50, p95) in time_dashboards(actor, args.year, as_of, args.rounds).items():
                print(f"  {name:<40} {p50:8.1f} / {p95:8.1f}")
            print(f"peak memory after dashboards: {peak_mib():.0f} MiB")

            def dashboards_baseline() -> None:
                print("duckdb, the dashboards' aggregates over the CSV: p50 / p95 ms")
                for name, (p50, p95) in duckdb_dashboards(work / "payments.csv", args.year, as_of).items():
                    print(f"  {name:<40} {p50:8.1f} / {p95:8.1f}")

            baselines.append(dashboards_baseline)
    print(f"peak memory (this process, before the duckdb baselines below): {peak_mib():.0f} MiB")
    for baseline in baselines:  # duckdb loads the CSV into this process's memory
        baseline()


if __name__ == "__main__":
    main()
