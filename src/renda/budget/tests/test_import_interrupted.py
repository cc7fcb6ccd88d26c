"""An upload whose task worker was killed is failed with 导入中断 when a worker starts, and its
stored file removed (issue 13.4)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from renda.budget.models import ImportBatch
from renda.budget.services.imports import INTERRUPTED, import_batches_interrupted, upload_dir
from renda.budget.tasks import import_batch_run
from renda.core import worker
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

OLD = timezone.now() - dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def dead_worker_id() -> str:
    """The id a worker of this machine had, whose process has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{worker._host()}:{process.pid}:abcdefabcdef"


def upload(name: str, status: str, *, created: dt.datetime = OLD) -> ImportBatch:
    stored = upload_dir() / f"{name}.csv"
    stored.write_text("voucher_no\n")
    os.utime(stored, (created.timestamp(), created.timestamp()))
    batch = ImportBatch.objects.create(
        kind="payments",
        year=2025,
        source=ImportBatch.Source.UPLOAD,
        file_name=f"{name}.csv",
        stored_path=str(stored),
        status=status,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=created)
    batch.refresh_from_db()
    return batch


def task(batch: ImportBatch, status: str, worker_id: str = "") -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [batch.pk], "kwargs": {}},
        task_path=import_batch_run.module_path,
        worker_ids=[worker_id] if worker_id else [],
        backend_name="default",
        run_after=timezone.now(),
        started_at=timezone.now() if status == TaskResultStatus.RUNNING else None,
    )


def test_a_killed_import_is_failed_and_its_file_removed(monkeypatch):
    killed = upload("killed", ImportBatch.Status.LOADING)
    killed_task = task(killed, TaskResultStatus.RUNNING, dead_worker_id())
    lost = upload("lost", ImportBatch.Status.PENDING)  # its task is gone (never enqueued, deleted)
    waiting = upload("waiting", ImportBatch.Status.PENDING)
    task(waiting, TaskResultStatus.READY)
    elsewhere = upload("elsewhere", ImportBatch.Status.VALIDATING)  # another machine's worker
    task(elsewhere, TaskResultStatus.RUNNING, "otherhost:123:abcdefabcdef")
    fresh = upload("fresh", ImportBatch.Status.PENDING, created=timezone.now())  # enqueued at commit
    done = upload("done", ImportBatch.Status.APPLIED)  # finished, its file left behind: an orphan

    assert sorted(import_batches_interrupted(worker_id="me")) == sorted([killed.pk, lost.pk])

    for batch in (killed, lost):
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.FAILED and batch.progress == 100 and batch.finished_at
        assert batch.errors[0]["message"] == INTERRUPTED and "中断" in INTERRUPTED
        assert not os.path.exists(batch.stored_path)
    killed_task.refresh_from_db()
    assert killed_task.status == TaskResultStatus.FAILED
    for batch in (waiting, elsewhere, fresh):
        status = batch.status
        batch.refresh_from_db()
        assert batch.status == status and os.path.exists(batch.stored_path)
    assert not os.path.exists(done.stored_path)
    assert AuditEvent.objects.filter(action="budget.import_interrupted").count() == 2
    assert import_batches_interrupted(worker_id="me") == []  # once


def test_the_task_worker_does_it_when_it_starts(monkeypatch):
    killed = upload("killed", ImportBatch.Status.VALIDATING)
    task(killed, TaskResultStatus.RUNNING, dead_worker_id())
    call_command("run_task_worker", "--batch", "--queue-name", "default")  # (no task: it exits)
    killed.refresh_from_db()
    assert killed.status == ImportBatch.Status.FAILED and not os.path.exists(killed.stored_path)


def test_worker_ids_tell_a_live_worker_from_a_dead_one():
    own = worker.new_worker_id()
    assert len(own) <= 64 and own.startswith(worker._host() + ":")
    assert worker.worker_alive(own, current=own) is True
    assert worker.worker_alive(dead_worker_id()) is False
    assert worker.worker_alive(f"{worker._host()}:{os.getpid()}:x") is False  # an earlier holder
    assert worker.worker_alive("otherhost:1:x") is None
    assert worker.worker_alive("R4nd0mIdOfAPlainDbWorker") is None
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "run_task_worker"]) as alive:
        try:
            for _ in range(100):  # (until the child has become the new program)
                if b"run_task_worker" in Path(f"/proc/{alive.pid}/cmdline").read_bytes():
                    break
                time.sleep(0.05)
            assert worker.worker_alive(f"{worker._host()}:{alive.pid}:x") is True
        finally:
            alive.kill()
