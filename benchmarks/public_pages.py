"""Throughput of the anonymous public pages under a crowd (a benchmark, not a test; issue 15.16).

Usage: ``.venv/bin/python benchmarks/public_pages.py [--seconds 4] [--connections 20 50]``

Builds a throw-away SQLite database with the demo county (its budget data left out: no public page
shows it), then for the page cache switched off
(``RENDA_PUBLIC_PAGE_CACHE=0``, "before") and on ("after") starts gunicorn with 2 sync workers and
runs ``wrk`` against a bare hello-world view (defined only in the benchmark's URL module,
``benchmarks/public_pages_urls.py``) and each public page, at each number of connections. Prints
requests/s, the ratio to the hello-world view of the same run, and the 99th-percentile latency.
Targets: each page at least 0.5x the hello-world view, p99 at most 200 ms at 50 connections.
``wrk`` is the Debian package: installed with apt-get when missing (as root, or through sudo).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    print("wrk is missing: installing the Debian package …", flush=True)
    subprocess.run([*prefix, "apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk could not be installed")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(env: dict[str, str]) -> list[str]:
    """Migrate, load the demo county, and name the public pages to measure (with real ids)."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True)
    started = time.perf_counter()
    # The demo county without its budget data (no public page shows it, and the synthesiser is the
    # slowest step): the seed's own steps, run by its own function.
    seed_code = (
        "from renda.core import demo as registry; from renda.demo import county;"
        "county.discover_demo_steps();"
        "registry.DEMO_STEPS[:] = [s for s in registry.DEMO_STEPS"
        " if not s.func.__module__.startswith('renda.demo.budget')];"
        "county.discover_demo_steps = lambda: None;"
        "print(county.seed_demo().summary())"
    )
    subprocess.run([*manage, "shell", "-c", seed_code], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"demo county (without budget data): {time.perf_counter() - started:.1f} s", flush=True)
    code = (
        "from renda.liaison.models import Station; from renda.suggestions.models import Suggestion;"
        "s = Station.objects.filter(is_active=True).order_by('code').first();"
        "r = Suggestion.objects.filter(published_at__isnull=False, state__in=('replied', 'closed'))"
        ".order_by('-published_at').first();"
        "print(s.code); print(r.pk)"
    )
    out = subprocess.run([*manage, "shell", "-c", code], env=env, check=True, capture_output=True, text=True)
    station, result = out.stdout.split()[-2:]
    return [
        "/liaison/",
        "/liaison/public/",
        f"/liaison/stations/{station}/",
        "/suggestions/results/",
        f"/suggestions/results/{result}/",
    ]


SERVERS: list[subprocess.Popen[bytes]] = []  # every gunicorn started, so that a stop ends them all


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "renda.wsgi:application",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )
    SERVERS.append(server)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    sys.exit("gunicorn did not start")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def wrk(binary: str, url: str, connections: int, seconds: int) -> tuple[float, float, int]:
    """requests/s, p99 in ms, and the number of answers that were not 2xx/3xx."""
    out = subprocess.run(
        [binary, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, p99, int(bad[1]) if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=4, help="wrk's duration per URL")
    parser.add_argument("--connections", type=int, nargs="+", default=[20, 50])
    args = parser.parse_args()
    binary = ensure_wrk()

    def stopped(*_: object) -> None:
        """Stopped from outside (e.g. ``timeout``): end every server at once, then clean up."""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for server in SERVERS:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
        sys.exit("stopped")

    signal.signal(signal.SIGTERM, stopped)

    data_dir = tempfile.mkdtemp(prefix="renda-bench-public-")
    env = {
        **os.environ,
        "RENDA_DATA_DIR": data_dir,
        "RENDA_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "public_pages_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(BENCH)]),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)  # a throw-away SQLite database, never the shared one
    try:
        pages = seed(env)
        urls = ["/bench/hello/", *pages]
        results: dict[tuple[str, str, int], tuple[float, float, int]] = {}
        sizes: dict[str, int] = {}  # bytes of each page (a bigger page costs more to serve)
        for mode, flag in (("before", "0"), ("after", "1")):
            port = free_port()
            server = start_server({**env, "RENDA_PUBLIC_PAGE_CACHE": flag}, port)
            try:
                for url in urls:
                    page = urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=30).read()  # warm
                    sizes[url] = len(page)
                    for connections in args.connections:
                        results[mode, url, connections] = wrk(
                            binary, f"http://127.0.0.1:{port}{url}", connections, args.seconds
                        )
            finally:
                stop_server(server)
        print(
            f"\n{'page':34} {'KiB':>5} {'conn':>4} {'mode':>6} {'req/s':>9} {'× hello':>8} {'p99 ms':>8} "
            f"{'non-2xx':>8}"
        )
        for url in urls:
            for connections in args.connections:
                for mode in ("before", "after"):
                    rps, p99, bad = results[mode, url, connections]
                    hello = results[mode, "/bench/hello/", connections][0]
                    ratio = rps / hello
                    print(
                        f"{url:34} {sizes[url] / 1024:>5.1f} {connections:>4} {mode:>6} {rps:>9.0f} "
                        f"{ratio:>8.2f} {p99:>8.1f} {bad:>8}"
                    )
        worst = [
            (
                url,
                results["after", url, c][0] / results["after", "/bench/hello/", c][0],
                results["after", url, c][1],
            )
            for url in pages
            for c in args.connections
            if c == max(args.connections)
        ]
        ok = all(ratio >= 0.5 and p99 <= 200 for _, ratio, p99 in worst)
        print(
            f"\ntargets (≥ 0.5× hello-world, p99 ≤ 200 ms at {max(args.connections)} connections): "
            + ("met" if ok else "NOT met")
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
