"""Page latency of the platform foundation on the demo county (a benchmark, not a test).

Usage: ``.venv/bin/python benchmarks/platform_pages.py [--rounds 50]``

Builds a throw-away SQLite database (or uses ``DATABASE_URL``), loads the demo county, then
requests each role's workbench, the deputies' roster, the audit log and the calendar through
Django's test client, and prints p50/p95 latency, queries per page and peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="renda-bench-")
    os.environ.setdefault("RENDA_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "renda.settings")
    os.environ["RENDA_DEMO"] = "1"  # the benchmark measures the demo county
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    from renda.accounts.models import User
    from renda.conftest import sign_in

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo_seed", verbosity=0)
    print(f"demo_seed: {time.perf_counter() - started:.2f} s on {connection.vendor}")

    pages = [
        ("admin", "/"),
        ("staff", "/"),
        ("deputy", "/"),
        ("unit", "/"),
        ("citizen", "/"),
        ("staff", "/deputies/"),
        ("staff", "/deputies/?level=town&page=5"),
        ("admin", "/audit/"),
        ("admin", "/accounts/users/"),
        ("admin", "/accounts/organisations/"),
        ("staff", "/calendar/?year=2026"),
        ("staff", "/suggestions/"),
        ("deputy", "/suggestions/"),
        ("unit", "/suggestions/"),
        ("staff", "/suggestions/statistics/"),
        ("staff", "/liaison/work/"),
        ("unit", "/liaison/work/"),
        ("deputy", "/liaison/work/"),
        (None, "/liaison/"),
        (None, "/liaison/public/"),
        ("budget", "/budget/"),
        ("budget", "/budget/?group=department"),
        ("budget", "/budget/vouchers/"),
    ]
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    print(f"{'page':42} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    overrides = {
        "DEBUG": True,
        "ALLOWED_HOSTS": ["testserver"],
        "STORAGES": {**settings.STORAGES, "staticfiles": static},
    }
    with override_settings(**overrides):
        for username, url in pages:
            client = sign_in(Client(), User.objects.get(username=username)) if username else Client()
            client.get(url)  # warm-up: template compilation, caches
            timings = []
            for _ in range(args.rounds):
                reset_queries()
                t0 = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            queries = len(connection.queries)
            p95 = statistics.quantiles(timings, n=20)[-1]
            who = username or "anonymous"
            print(f"{who + ' ' + url:42} {statistics.median(timings):8.1f} {p95:8.1f} {queries:8d}")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak resident memory: {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
