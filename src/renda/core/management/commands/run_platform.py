"""Serve Renda with its background-task worker; print the URL and the demo logins. Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server (gunicorn), the task worker (db_worker) and the daily jobs together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, host: str, port: int, workers: int, **options):
        manage = [sys.executable, "manage.py"]
        env = os.environ.copy()
        processes = [
            subprocess.Popen(manage + ["db_worker", "--queue-name", "default"], env=env),  # noqa: S603
            subprocess.Popen(manage + ["run_daily_jobs", "--every-day-at", settings.RENDA_DAILY_AT], env=env),  # noqa: S603
            subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "renda.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                ],
                env=env,
            ),
        ]
        from renda.core.demo import demo_logins_text

        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"  # noqa: S104
        self.stdout.write(self.style.SUCCESS(f"\nRenda 智慧人大 is running at {url}\n"))
        self.stdout.write(demo_logins_text())
        self.stdout.write("\nPress Ctrl-C to stop the web server and the task worker.\n")
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        failed = [p.returncode for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            self.stderr.write(f"A process stopped with status {failed[0]}.")
