"""The platform's processes survive a busy database: run_platform restarts a process that exits
(with exponential back-off), the task worker waits out a locked database."""

from __future__ import annotations

import signal

import pytest
from django.db.utils import OperationalError

from renda.core.management.commands import run_platform, run_task_worker
from renda.core.management.commands.run_platform import Child, Supervisor


class FakeProcess:
    def __init__(self, argv, exits_after: int | None):
        self.argv = argv
        self.returncode: int | None = None
        self.polls_left = exits_after
        self.signals: list[int] = []

    def poll(self):
        if self.returncode is None and self.polls_left is not None:
            self.polls_left -= 1
            if self.polls_left < 0:
                self.returncode = 1  # e.g. db_worker on "database is locked"
        return self.returncode

    def send_signal(self, signum):
        self.signals.append(signum)
        self.returncode = -signum

    def wait(self, timeout=None):
        return self.returncode

    def kill(self):  # pragma: no cover - the fakes stop on SIGTERM
        self.returncode = -signal.SIGKILL


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_process_that_exits_is_started_again_with_exponential_back_off():
    clock = Clock()
    started: list[FakeProcess] = []
    lines: list[str] = []

    def popen(argv, env=None):
        # the worker exits at its first look each time; the web server keeps running
        process = FakeProcess(argv, exits_after=0 if argv == ["worker"] else None)
        started.append(process)
        return process

    supervisor = Supervisor(
        [Child("the task worker", ["worker"]), Child("the web server", ["web"])],
        popen=popen,
        clock=clock,
        log=lines.append,
    )
    supervisor.start()
    web = started[1]
    restarts_at = []
    for _ in range(400):  # 200 s of polls, every half second
        before = len(started)
        supervisor.poll()
        if len(started) > before:
            restarts_at.append(clock.now)
        clock.now += 0.5
    # waits of 1, 2, 4, 8, 16, 32, 60, 60 s between an exit and the restart (each exit seen at
    # the first poll after the start)
    gaps = [b - a for a, b in zip([0.0, *restarts_at], restarts_at, strict=False)]
    assert gaps[:8] == [1.0, 2.5, 4.5, 8.5, 16.5, 32.5, 60.5, 60.5]
    assert all(p.argv == ["worker"] for p in started[2:])
    assert "the task worker stopped with status 1; starting it again in 1 s." in lines
    assert "Starting the task worker again (restart 1)." in lines
    assert web.returncode is None  # the web server was left alone throughout
    # stopping stops every process that runs, and restarts none after
    statuses = supervisor.stop()
    assert web.signals == [signal.SIGTERM] and -signal.SIGTERM in statuses
    count = len(started)
    clock.now += 120
    supervisor.poll()
    assert len(started) == count


def test_a_process_that_ran_steadily_is_restarted_after_the_first_delay_again():
    clock, started = Clock(), []

    def popen(argv, env=None):
        started.append(FakeProcess(argv, exits_after=0))
        return started[-1]

    supervisor = Supervisor(
        [Child("the daily jobs", ["jobs"])], popen=popen, clock=clock, log=lambda line: None
    )
    supervisor.start()
    child = supervisor.children[0]
    for _ in range(3):  # three quick exits: the next wait is 8 s
        supervisor.poll()
        assert child.restart_at is not None
        clock.now = child.restart_at
        supervisor.poll()
    assert child.delay == 8.0
    started[-1].polls_left = 10**6  # this one runs for two minutes, then exits
    clock.now += 120
    started[-1].polls_left = 0
    supervisor.poll()
    assert child.restart_at == clock.now + 1.0


def test_the_platform_starts_the_patient_task_worker():
    children = run_platform.platform_children(["python", "manage.py"], "127.0.0.1", 8000, 2)
    assert children[0].argv[2] == "run_task_worker"


def _locked():
    return OperationalError("database is locked")


def test_the_task_worker_waits_out_a_locked_database(monkeypatch):
    waits: list[float] = []
    calls = {"n": 0}

    def run(self):
        calls["n"] += 1
        if calls["n"] <= 3:
            raise _locked()  # e.g. taking the next task (BEGIN EXCLUSIVE) timed out

    monkeypatch.setattr(run_task_worker.Worker, "run", run)
    # no database here: a connection left open by an earlier test must not be checked
    monkeypatch.setattr(run_task_worker, "close_old_connections", lambda: None)
    worker = run_task_worker.PatientWorker(
        queue_names=["default"],
        interval=1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w",
        excluded_queue_names=[],
    )
    worker.sleep = waits.append  # type: ignore[assignment]  # records the waits instead of sleeping
    worker.run()
    assert calls["n"] == 4 and waits == [1.0, 2.0, 4.0]

    def broken(self):
        raise OperationalError("no such table: django_tasks_database_dbtaskresult")

    monkeypatch.setattr(run_task_worker.Worker, "run", broken)
    with pytest.raises(OperationalError):  # any other database error still stops it
        worker.run()


def test_a_tasks_outcome_is_saved_however_long_the_database_stays_locked(monkeypatch):
    monkeypatch.setattr(run_task_worker, "close_old_connections", lambda: None)  # no database here
    waits: list[float] = []
    tries = {"n": 0}

    def set_successful(value):
        tries["n"] += 1
        if tries["n"] < 9:
            raise _locked()
        return value

    save = run_task_worker.patient(set_successful, sleep=waits.append)
    assert save("done") == "done"
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    with pytest.raises(OperationalError):
        run_task_worker.patient(lambda: (_ for _ in ()).throw(_locked()), sleep=waits.append, tries=2)()
