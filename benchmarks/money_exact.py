"""Money totals exact to the fen at 10^6 random amounts (a benchmark run of a test).

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/money_exact.py [--rows 1000000]

Runs ``src/renda/budget/tests/test_money_exact.py::test_totals_equal_their_rows_to_the_fen_at_scale``
with ``RENDA_MONEY_ROWS`` set (the normal suite runs it at 10^5): random amounts with fen of up
to 10^9 元 go in through the bulk import, and every total the query page and the voucher list
show must equal the exact ``Decimal`` sum. It runs on the database the settings name (SQLite by
default; PostgreSQL when ``DATABASE_URL`` points at one) and prints the import's time.

Figure (SQLite, 2 shared cores, loaded machine, 2026-12-07): 10^6 payments imported in 54.2 s,
every total exact; about 100 s for the whole test (writing the CSV, the import, the pages' sums
and a rebuild of the summaries) — which is why the normal suite runs 10^5.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

TEST = "src/renda/budget/tests/test_money_exact.py::test_totals_equal_their_rows_to_the_fen_at_scale"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    env = {**os.environ, "RENDA_MONEY_ROWS": str(args.rows), "PYTHONPATH": "src"}
    since = time.perf_counter()
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", TEST]
    code = subprocess.call(command, env=env)  # noqa: S603 - our own test, our interpreter
    print(
        f"{args.rows:,} amounts: {'exact' if code == 0 else 'FAILED'} in {time.perf_counter() - since:.1f} s"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
