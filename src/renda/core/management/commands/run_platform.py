"""Serve Renda with its background-task worker; print the URL and the demo logins. Ctrl-C stops both.

A process that exits (the web server, the task worker or the daily jobs) is started again after a
wait that doubles at each exit (1 s, 2 s, 4 s … up to a minute; back to 1 s once it has run for a
minute), with a line on stderr, so that one busy moment of the database does not stop the site.
Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

FIRST_DELAY = 1.0  # seconds before a process that exited is started again; doubled at each exit
LONGEST_DELAY = 60.0
STEADY = 60.0  # a process that ran this long before it exited is restarted after FIRST_DELAY


@dataclass
class Child:
    name: str
    argv: list[str]
    process: Any = None
    started: float = 0.0
    delay: float = FIRST_DELAY  # the wait before the next restart
    restart_at: float | None = None  # when it exited: the time it is started again
    restarts: int = 0


@dataclass
class Supervisor:
    """Keeps the platform's processes running: started together, each restarted with exponential
    back-off when it exits, all stopped together."""

    children: list[Child]
    env: dict[str, str] | None = None
    popen: Callable[..., Any] = subprocess.Popen
    clock: Callable[[], float] = time.monotonic
    log: Callable[[str], None] = print
    stopping: bool = field(default=False, init=False)

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.process = self.popen(child.argv, env=self.env)
        child.started, child.restart_at = self.clock(), None

    def poll(self) -> None:
        """One look at every process: schedule the restart of one that exited, restart one whose
        wait is over."""
        now = self.clock()
        for child in self.children:
            if self.stopping:
                return
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self.log(f"Starting {child.name} again (restart {child.restarts}).")
                    self._spawn(child)
                continue
            status = child.process.poll()
            if status is None:
                continue
            if now - child.started >= STEADY:
                child.delay = FIRST_DELAY
            child.restart_at = now + child.delay
            self.log(f"{child.name} stopped with status {status}; starting it again in {child.delay:.0f} s.")
            child.delay = min(child.delay * 2, LONGEST_DELAY)

    def run(self, sleep: Callable[[float], None] = time.sleep, interval: float = 0.5) -> None:
        """Poll until stopped (Ctrl-C, SIGTERM, or :meth:`stop` from elsewhere)."""
        while not self.stopping:
            self.poll()
            sleep(interval)

    def stop(self, timeout: float = 10) -> list[int]:
        """Stop every process (SIGTERM, then SIGKILL after ``timeout``); their exit statuses."""
        self.stopping = True
        running = [c.process for c in self.children if c.process is not None and c.restart_at is None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return [p.returncode for p in running]


def platform_children(manage: Sequence[str], host: str, port: int, workers: int) -> list[Child]:
    return [
        Child("the task worker", [*manage, "run_task_worker", "--queue-name", "default"]),
        Child("the daily jobs", [*manage, "run_daily_jobs", "--every-day-at", settings.RENDA_DAILY_AT]),
        Child(
            "the web server",
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
        ),
    ]


class Command(BaseCommand):
    help = "Start the web server (gunicorn), the task worker and the daily jobs together; keep them running."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, host: str, port: int, workers: int, **options):
        supervisor = Supervisor(
            platform_children([sys.executable, "manage.py"], host, port, workers),
            env=os.environ.copy(),
            log=lambda line: self.stderr.write(line),
        )

        def terminate(signum, frame):
            if not supervisor.stopping:
                raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, terminate)
        supervisor.start()
        from renda.core.demo import STARTUP_NOTES

        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"  # noqa: S104
        self.stdout.write(self.style.SUCCESS(f"\nRenda 智慧人大 is running at {url}\n"))
        for note in STARTUP_NOTES:
            self.stdout.write(note())
        self.stdout.write("\nPress Ctrl-C to stop the web server and the task worker.\n")
        try:
            supervisor.run()
        except KeyboardInterrupt:
            pass
        finally:
            statuses = supervisor.stop()
            signal.signal(signal.SIGTERM, previous)
        failed = [s for s in statuses if s not in (0, -signal.SIGTERM, None)]
        if failed:
            self.stderr.write(f"A process stopped with status {failed[0]}.")
