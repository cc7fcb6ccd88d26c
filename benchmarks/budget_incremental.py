"""Incremental payment imports into a large year (a benchmark, not a test): seconds, the import's
phases, and the longest time another connection waited for the write lock meanwhile.

Usage::

    .venv/bin/python benchmarks/budget_incremental.py --payments 1000000 --work /tmp/incr-1e6

Makes (or reuses, in ``--work``) the synthetic year of ``budget_scale.py`` — units, indicators
and N payments — loads it once into a SQLite database in the work directory and keeps a copy of
that file; then, each from that same copy, imports

- ``--adds`` new payments (default 1,000 and 10,000: fresh vouchers of the same year),
- ``--updates`` stored payments with another amount and unit (default 1,000),
- ``--feeds`` new payments as one finance-feed batch of JSON rows (default 5,000: the API's limit),

through the real import path, and prints the wall time, the import's phases and the lock wait.
The lock wait is measured from outside: a thread with a connection of its own takes and releases
the write lock (``BEGIN IMMEDIATE; ROLLBACK``) every 50 ms while the import runs and records its
longest wait — what a web request that saves its session would have waited.

SQLite only (the embedded default, where one writer at a time is the rule). The base load of
10^6 payments takes a few minutes on a small machine; later runs reuse the copy.

Figures (2 shared cores, load average 2–4; a year of 10^6 payments: 591,354 fine summary rows,
227,221 rollup, 131,881 classification, 12,708 payee; "lock" is the longest wait seen by the
probe):

=====================  =======================================  =========================
run                    before (whole summaries merged/rebuilt)  after (merged by group)
=====================  =======================================  =========================
add 1,000 payments     357.0 s, lock 355.7 s (merges 355 s)     2.7 s, lock 0.5 s
add 10,000 payments    not run (about 1 h at the 1,000's rate)  6.4 s, lock 3.7 s
update 1,000 payments  73.8 s, lock 68.1 s (rebuild 66 s)       2.8 s, lock 1.0 s
feed batch of 5,000    (not run)                                4.9 s, lock 2.4 s
feed batch of 10,000   (not run)                                11.8 s, lock 6.9 s
=====================  =======================================  =========================
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))


class LockProbe:
    """Takes and releases the database's write lock every ``every`` seconds from a connection of
    its own, recording the longest wait."""

    def __init__(self, path: Path, every: float = 0.05):
        self.path, self.every = path, every
        self.longest = 0.0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        db = sqlite3.connect(self.path, timeout=600, isolation_level=None)
        try:
            while not self._stop.is_set():
                start = time.perf_counter()
                try:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute("ROLLBACK")
                except sqlite3.OperationalError:
                    self.failures += 1
                self.longest = max(self.longest, time.perf_counter() - start)
                self._stop.wait(self.every)
        finally:
            db.close()


def base_year(work: Path, args):
    """The synthetic year's CSV files in ``work`` (as budget_scale.py makes them)."""
    from renda.demo.budget_synth import Year, write_year

    marker = work / "sizes.json"
    sizes = {"year": args.year, "units": args.units, "indicators": args.indicators, "payments": args.payments}
    if marker.exists() and json.loads(marker.read_text()) == sizes:
        plan = Year(args.year)
        with (work / "units.csv").open(encoding="utf-8") as f:
            plan.units = [(r["unit_code"], r["unit_name"], r["parent_code"]) for r in csv.DictReader(f)]
        with (work / "indicators.csv").open(encoding="utf-8") as f:
            plan.indicators = [
                (r["indicator_no"], r["unit_code"], r["function_code"], r["econ_code"], r["budget_type"],
                 r["project_code"])
                for r in csv.DictReader(f)
            ]  # fmt: skip
        return plan
    start = time.perf_counter()
    plan = write_year(
        work, year=args.year, seed=2026, units=args.units, indicators=args.indicators, payments=args.payments
    )
    marker.write_text(json.dumps(sizes))
    print(f"generated the year's files in {time.perf_counter() - start:.1f} s")
    return plan


def import_file(kind: str, year: int, path: Path):
    from renda.budget.services.imports import SYSTEM, budget_import

    start = time.perf_counter()
    result = budget_import(actor=SYSTEM, kind=kind, year=year, source=path).result
    assert not result.errors, result.errors[:3]
    return result, time.perf_counter() - start


def feed_rows(year: int, path: Path):
    """The rows of ``path`` pushed as one finance-feed batch (JSON rows, checked cell by cell)."""
    from renda.budget.services.imports import SYSTEM, budget_import

    with path.open(encoding="utf-8", newline="") as f:
        rows: list[dict] = list(csv.DictReader(f))
    start = time.perf_counter()
    result = budget_import(actor=SYSTEM, kind="payments", year=year, source=rows).result
    assert not result.errors, result.errors[:3]
    return result, time.perf_counter() - start


def updates_file(work: Path, n: int, plan) -> Path:
    """The first ``n`` stored payments with another amount and another indicator's unit and codes."""
    path = work / f"updates-{n}.csv"
    rng = random.Random(11)
    with (
        (work / "payments.csv").open(encoding="utf-8", newline="") as f,
        path.open("w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.DictReader(f), None
        for i, row in enumerate(reader):
            if i >= n:
                break
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
                writer.writeheader()
            indicator = plan.indicators[rng.randrange(len(plan.indicators))]
            row.update(
                indicator_no=indicator[0],
                unit_code=indicator[1],
                function_code=indicator[2],
                econ_code=indicator[3],
                budget_type=indicator[4],
                project_code=indicator[5],
                amount=f"{rng.randint(1000, 5_000_000) / 100:.2f}",
            )
            writer.writerow(row)
    return path


def adds_file(work: Path, n: int, plan, payments: int) -> Path:
    from renda.demo.budget_synth import write_payments

    path = work / f"adds-{n}.csv"
    if not path.exists():
        write_payments(path, random.Random(f"adds:{n}"), n, plan, start=payments)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--adds", default="1000,10000", help="comma-separated sizes of the added files")
    parser.add_argument("--updates", default="1000", help="comma-separated numbers of stored rows changed")
    parser.add_argument(
        "--feeds",
        default="5000",
        help="comma-separated sizes of finance-feed batches (JSON rows, as the API)",
    )
    parser.add_argument("--work", type=Path, help="directory for the files and the databases (kept)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="renda-budget-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    data.mkdir(exist_ok=True)
    db_path = data / "renda.sqlite3"
    base_copy = work / f"base-{args.payments}.sqlite3"
    os.environ["RENDA_DATA_DIR"] = str(data)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("renda.budget.import").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from renda.budget.services.imports import classification_ensure_baseline

    print(f"machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.2f}; work dir {work}")
    if not base_copy.exists():
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
    plan = base_year(work, args)  # (the working-day calendar it draws dates from is in the database)
    if not base_copy.exists():
        classification_ensure_baseline(year=args.year)
        for kind in ("units", "indicators", "payments"):
            result, seconds = import_file(kind, args.year, work / f"{kind}.csv")
            print(f"base load: {kind} {result.rows} rows in {seconds:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.copyfile(db_path, base_copy)

    runs = [
        *(("add", int(n)) for n in args.adds.split(",") if n),
        *(("update", int(n)) for n in args.updates.split(",") if n),
        *(("feed", int(n)) for n in args.feeds.split(",") if n),
    ]
    print(f"into a year of {args.payments:,} payments (SQLite; each run from the same copy):")
    for what, n in runs:
        connection.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(base_copy, db_path)
        call_command("migrate", verbosity=0)  # (a copy made by older code)
        path = updates_file(work, n, plan) if what == "update" else adds_file(work, n, plan, args.payments)
        connection.close()
        with LockProbe(db_path) as probe:
            if what == "feed":
                result, seconds = feed_rows(args.year, path)
            else:
                result, seconds = import_file("payments", args.year, path)
        phases = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items() if v >= 0.01)
        print(
            f"  {what} {n:>6,} rows: {seconds:7.2f} s "
            f"(inserted {result.inserted}, updated {result.updated}, unchanged {result.unchanged}); "
            f"longest write-lock wait of another connection {probe.longest:.2f} s"
            + (f" ({probe.failures} gave up)" if probe.failures else "")
        )
        print(f"      phases (s): {phases}")


if __name__ == "__main__":
    main()
