"""django-tasks' ``db_worker`` that waits out a busy database instead of exiting.

On SQLite one writer holds the database at a time. When an import (or anything else) holds it
for longer than the busy timeout, ``db_worker`` stops on "database is locked": taking the next
task (``BEGIN EXCLUSIVE``) is outside its own retry, and a task's outcome is saved three times
0.1 s apart at most. This worker takes the same options and runs the same loop, but a locked
database makes it log a line, wait (1 s, doubling up to a minute) and go on; a task's outcome
is saved as patiently.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import close_old_connections
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.utils import is_locked_database_exception

from renda.core.worker import new_worker_id, worker_starting

logger = logging.getLogger("renda.tasks")

FIRST_WAIT = 1.0  # seconds after the first "database is locked"; doubled at each one after
LONGEST_WAIT = 60.0


def waits(first: float = FIRST_WAIT, longest: float = LONGEST_WAIT):
    """1, 2, 4, … seconds, then ``longest`` for ever."""
    wait = first
    while True:
        yield wait
        wait = min(wait * 2, longest)


def patient(
    call: Callable[..., Any], *, sleep: Callable[[float], None] = time.sleep, tries: int | None = None
):
    """``call`` tried again after a wait each time the database is locked (``tries``: at most so
    many times in all; ``None``: until it is not)."""

    @wraps(call)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for attempt, wait in enumerate(waits(), start=1):
            try:
                return call(*args, **kwargs)
            except OperationalError as exc:
                if not is_locked_database_exception(exc) or (tries is not None and attempt >= tries):
                    raise
                logger.warning("%s: the database is locked; trying again in %.0f s", call.__name__, wait)
                close_old_connections()
                sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


class PatientWorker(Worker):
    sleep = staticmethod(time.sleep)

    def run(self) -> None:
        for wait in waits():
            try:
                return super().run()
            except OperationalError as exc:
                if not is_locked_database_exception(exc) or not self.running:
                    raise
                logger.warning("task worker: the database is locked; going on in %.0f s", wait)
                close_old_connections()
                self.sleep(wait)

    def run_task(self, db_task_result) -> None:
        # the outcome of a task that ran is saved however long the database stays locked
        db_task_result.set_successful = patient(db_task_result.set_successful, sleep=self.sleep)
        db_task_result.set_failed = patient(db_task_result.set_failed, sleep=self.sleep)
        super().run_task(db_task_result)


class Command(DbWorkerCommand):
    help = "Run the background task worker (django-tasks' db_worker), waiting out a locked database."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=new_worker_id())  # host:pid:random, so a dead one is known

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.management.commands import db_worker

        # work that a stopped worker left half done is taken back first (an import "写入中")
        for receiver, outcome in worker_starting.send_robust(sender=Command, worker_id=options["worker_id"]):
            if isinstance(outcome, Exception):
                logger.error(
                    "task worker start: %s failed: %r", getattr(receiver, "__name__", receiver), outcome
                )

        original = db_worker.Worker
        # the command builds its worker from the module's name; mypy refuses assigning to a class
        db_worker.Worker = PatientWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original  # type: ignore[misc]
