"""The warning rules at scale (a benchmark, not a test): seconds per rule, and duckdb's time for the
same aggregates over the payments CSV, so the figures read as a ratio.

Used by ``benchmarks/budget_scale.py`` (``time_rules`` and ``duckdb_rules``) after it has loaded
its synthetic year; also runs on its own against the configured database::

    RENDA_DATA_DIR=/tmp/scale .venv/bin/python benchmarks/budget_rules.py --year 2025 --as-of 2025-12-31 \\
        [--store] [--payments-csv payments.csv --indicators-csv indicators.csv]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def time_rules(
    year: int, as_of: dt.date, *, store: bool = False, found: dict[str, int] | None = None
) -> dict[str, float]:
    """Evaluate every rule of the catalogue once for ``year`` as of ``as_of`` (the region's stored
    parameters, the defaults otherwise; switched-off rules too) and return the seconds per rule.

    Each rule runs its SQL and builds its findings (messages, capped evidence); with ``store`` the
    findings are also upserted under a new :class:`WarningRun`, as ``warnings_evaluate`` does.
    ``found``, when given, receives the number of findings per rule."""
    from django.conf import settings
    from django.db import transaction

    from renda.budget.models import WarningRule, WarningRun
    from renda.budget.warning_rules.base import Context, Shared
    from renda.budget.warning_rules.evaluator import RULE_FUNCTIONS, store_findings
    from renda.budget.warning_rules.params import effective_params

    region = settings.RENDA_REGION_CODE
    stored = dict(WarningRule.objects.filter(region_code=region).values_list("code", "params"))
    seconds: dict[str, float] = {}
    with transaction.atomic():
        run = WarningRun.objects.create(region_code=region, year=year, as_of=as_of) if store else None
        shared = Shared()  # as in a run: the per-indicator sums are made once (by NO_INDICATOR)
        try:
            for code, rule in RULE_FUNCTIONS.items():
                params = effective_params(code, stored.get(code))
                ctx = Context(region=region, year=year, as_of=as_of, params=params, shared=shared)
                start = time.perf_counter()
                result = rule(ctx)
                if run is not None:
                    store_findings(code=code, region=region, year=year, as_of=as_of, run=run, found=result)
                seconds[code] = time.perf_counter() - start
                if found is not None:
                    found[code] = len(result)
        finally:
            shared.close()
    return seconds


def duckdb_rules(
    payments_csv: str | Path,
    *,
    year: int,
    as_of: dt.date,
    indicators_csv: str | Path | None = None,
    threads: int | None = None,
) -> dict[str, float]:
    """The same aggregates in duckdb over the data-interface CSV files: seconds per rule, plus
    ``load`` (reading the CSV into duckdb's columnar table). Without ``indicators_csv`` the rules
    that compare with the indicators only aggregate the payments' side."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    out: dict[str, float] = {}
    start = time.perf_counter()
    con.execute(
        "CREATE TABLE p AS SELECT * FROM read_csv(?, header = true, types = {'voucher_no': 'VARCHAR', "
        "'pay_date': 'DATE', 'unit_code': 'VARCHAR', 'function_code': 'VARCHAR', 'econ_code': 'VARCHAR', "
        "'budget_type': 'INTEGER', 'project_code': 'VARCHAR', 'indicator_no': 'VARCHAR', "
        "'payee_name': 'VARCHAR', "
        "'payee_account': 'VARCHAR', 'payee_type': 'VARCHAR', 'amount': 'DECIMAL(18,2)'})",
        [str(payments_csv)],
    )
    con.execute("DELETE FROM p WHERE pay_date > ?", [as_of])
    has_indicators = indicators_csv is not None
    if has_indicators:
        con.execute(
            "CREATE TABLE i AS SELECT *, original_amount + COALESCE(adjusted_amount, 0) AS current_amount "
            "FROM read_csv(?, header = true, types = {'indicator_no': 'VARCHAR', 'unit_code': 'VARCHAR', "
            "'econ_code': 'VARCHAR', 'project_code': 'VARCHAR', 'original_amount': 'DECIMAL(18,2)', "
            "'adjusted_amount': 'DECIMAL(18,2)', 'issued_date': 'DATE'})",
            [str(indicators_csv)],
        )
    out["load"] = time.perf_counter() - start
    three = "('30212','30217','30231','30913','31013','50206','50207','50208','50303','50403')"
    progress = ((min(as_of, dt.date(year, 12, 31)) - dt.date(year, 1, 1)).days + 1) / (
        366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
    )
    cutoff = as_of - dt.timedelta(days=90)
    queries = {
        "EXEC_LAG": (
            f"SELECT i.unit_code FROM (SELECT unit_code, SUM(current_amount) b FROM i GROUP BY 1) i "
            f"LEFT JOIN (SELECT unit_code, SUM(amount) paid FROM p GROUP BY 1) a USING (unit_code) "
            f"WHERE b >= 100000 AND COALESCE(paid, 0) < b * {progress - 0.15}"
            if has_indicators
            else "SELECT unit_code, SUM(amount) FROM p GROUP BY 1"
        ),
        "YEAR_END_RUSH": "SELECT unit_code, SUM(amount) a, "
        "SUM(amount) FILTER (WHERE month(pay_date) = 12) d, "
        "SUM(amount) FILTER (WHERE month(pay_date) >= 10) q FROM p GROUP BY 1 HAVING q > 0.4 * a",
        "NO_INDICATOR": (
            "SELECT voucher_no FROM p ANTI JOIN i USING (indicator_no)"
            if has_indicators
            else "SELECT voucher_no FROM p WHERE indicator_no IS NULL"
        ),
        "OVER_INDICATOR": (
            "SELECT indicator_no FROM (SELECT indicator_no, SUM(amount) paid FROM p GROUP BY 1) a "
            "JOIN i USING (indicator_no) WHERE paid > current_amount"
            if has_indicators
            else "SELECT indicator_no, SUM(amount) FROM p GROUP BY 1"
        ),
        "THREE_PUBLIC_OVER": f"SELECT unit_code, SUM(amount) FROM p WHERE econ_code IN {three} GROUP BY 1",
        "LARGE_PAYMENT": "SELECT voucher_no FROM p WHERE amount >= 5000000",
        "SPLIT_PAYMENT": "SELECT * FROM (SELECT voucher_no, COUNT(*) OVER w n, SUM(amount) OVER w s FROM p "
        "WHERE amount < 1000000 WINDOW w AS (PARTITION BY unit_code, payee_name, payee_account "
        "ORDER BY pay_date "
        "RANGE BETWEEN CURRENT ROW AND INTERVAL 30 DAYS FOLLOWING)) WHERE n >= 3 AND s >= 1000000",
        "DUPLICATE_PAYMENT": "SELECT * FROM (SELECT voucher_no, pay_date - LAG(pay_date) OVER w g FROM p "
        "WINDOW w AS (PARTITION BY unit_code, payee_name, payee_account, amount ORDER BY pay_date)) "
        "WHERE g <= 7",
        "INDIVIDUAL_LARGE": "SELECT voucher_no FROM p WHERE payee_type = '个人' AND amount >= 50000 "
        "AND NOT (econ_code LIKE '303%' OR econ_code LIKE '509%')",
        "NON_WORKDAY": "SELECT unit_code, pay_date, COUNT(*), SUM(amount) FROM p "
        "WHERE dayofweek(pay_date) IN (0, 6) "
        "GROUP BY 1, 2",
        "PROJECT_IDLE": (
            f"SELECT i.indicator_no FROM i LEFT JOIN (SELECT indicator_no, SUM(amount) paid, "
            f"MAX(pay_date) last FROM p GROUP BY 1) a USING (indicator_no) WHERE project_code IS NOT NULL "
            f"AND current_amount >= 500000 AND (last IS NULL OR last <= DATE '{cutoff.isoformat()}') "
            f"AND COALESCE(paid, 0) < 0.3 * current_amount"
            if has_indicators
            else "SELECT indicator_no, SUM(amount), MAX(pay_date) FROM p GROUP BY 1"
        ),
        "BIG_ADJUSTMENT": (
            "SELECT indicator_no FROM i WHERE original_amount > 0 "
            "AND abs(current_amount - original_amount) > 0.3 * original_amount"
            if has_indicators
            else "SELECT 1"
        ),
        "OUTLIER": "SELECT p.voucher_no FROM p JOIN (SELECT unit_code, left(econ_code, 3) c, avg(amount) m, "
        "stddev_pop(amount) s, COUNT(*) n FROM p GROUP BY 1, 2 HAVING COUNT(*) >= 30) g "
        "ON g.unit_code = p.unit_code AND g.c = left(p.econ_code, 3) WHERE p.amount > m + 3 * s",
    }
    for code, sql in queries.items():
        start = time.perf_counter()
        con.execute(sql).fetchall()
        out[code] = time.perf_counter() - start
    con.close()
    return out


def _print(title: str, seconds: dict[str, float], found: dict[str, int] | None = None) -> None:
    print(title)
    for code, value in seconds.items():
        extra = f"  {found[code]:>8} findings" if found and code in found else ""
        print(f"  {code:<20} {value:8.3f} s{extra}")
    print(f"  {'total':<20} {sum(v for k, v in seconds.items() if k != 'load'):8.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--as-of", dest="as_of", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--store", action="store_true", help="also store the findings (a warning run)")
    parser.add_argument("--payments-csv", help="time duckdb on this payments file as well")
    parser.add_argument("--indicators-csv")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    import django

    django.setup()
    from django.db import connection

    found: dict[str, int] = {}
    seconds = time_rules(args.year, args.as_of, store=args.store, found=found)
    _print(f"rules on {connection.vendor} ({'stored' if args.store else 'evaluated'}):", seconds, found)
    if args.payments_csv:
        _print(
            "duckdb, the same aggregates:",
            duckdb_rules(
                args.payments_csv, year=args.year, as_of=args.as_of, indicators_csv=args.indicators_csv
            ),
        )


if __name__ == "__main__":
    main()
