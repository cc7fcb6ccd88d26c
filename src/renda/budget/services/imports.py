"""Writes of the budget module: imports (upload, finance feed), the classification baseline."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from renda.budget.import_engine import ImportResult, import_path, rows_source, run_import
from renda.budget.import_engine.run import new_batch
from renda.budget.models import ClassificationItem, ImportBatch
from renda.core.audit import audit
from renda.core.permissions import require, service

BASELINE_DIR = Path(__file__).resolve().parent.parent / "data"
BASELINE_FILES = (
    "function-classification.csv",
    "economic-classification-government.csv",
    "economic-classification-department.csv",
)
UPLOAD_SUFFIXES = {".csv", ".txt", ".xlsx", ".zip", ".json"}

logger = logging.getLogger("renda.budget")


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "budget-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def classification_ensure_baseline(*, year: int, actor: Any = None) -> list[ImportResult]:
    """Load the shipped classification baseline for ``year`` unless that year already has one.

    The baseline (``renda/budget/data/*.csv``) is a starting point; an administrator replaces it
    by importing the Ministry of Finance's official table for the year (kind ``classification``).
    """
    if ClassificationItem.objects.filter(year=year).exists():
        return []
    results = []
    for name in BASELINE_FILES:
        batch = new_batch(
            kind="classification", year=year, source=ImportBatch.Source.COMMAND, actor=actor, file_name=name
        )
        results.append(
            import_path(
                kind="classification",
                year=year,
                path=BASELINE_DIR / name,
                batch=batch,
                actor=actor,
                track=False,
            )
        )
    return results


@service
def budget_upload_start(
    *,
    actor: Any,
    kind: str,
    year: int,
    upload: UploadedFile,
    dry_run: bool = False,
    file_format: str = "auto",
) -> ImportBatch:
    """导入: keep the uploaded file and start its import in the background; returns the batch."""
    require(actor, "budget.import_data")
    suffix = Path(upload.name or "").suffix.lower()
    stored = upload_dir() / f"{uuid.uuid4().hex}{suffix if suffix in UPLOAD_SUFFIXES else '.dat'}"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    batch = new_batch(
        kind=kind,
        year=year,
        source=ImportBatch.Source.UPLOAD,
        actor=actor,
        file_name=upload.name or "",
        stored_path=str(stored),
        file_format=file_format,
        dry_run=dry_run,
    )
    audit(
        actor,
        "budget.upload",
        batch,
        after={"kind": kind, "year": year, "file_name": batch.file_name, "dry_run": dry_run},
    )
    from renda.budget.tasks import import_batch_run

    transaction.on_commit(lambda: import_batch_run.enqueue(batch.pk))
    return batch


def import_batch_execute(batch_id: int) -> ImportResult | None:
    """Run a stored upload's import (the background task's body); the file is removed after."""
    batch = ImportBatch.objects.select_related("actor").get(pk=batch_id)
    if batch.is_finished:
        return None
    path = Path(batch.stored_path)
    try:
        classification_ensure_baseline(year=batch.year, actor=batch.actor)
        return import_path(
            kind=batch.kind,
            year=batch.year,
            path=path,
            batch=batch,
            actor=batch.actor,
            dry_run=batch.dry_run,
            file_format=batch.file_format,
        )
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, progress=100)
        raise
    finally:
        path.unlink(missing_ok=True)


@service
def budget_feed_rows(
    *, actor: Any, kind: str, year: int, rows: list[dict[str, Any]], dry_run: bool = False
) -> ImportResult:
    """财政数据接口: the finance bureau's system pushes one batch of rows (all-or-nothing)."""
    require(actor, "budget.feed_data")
    classification_ensure_baseline(year=year, actor=actor)
    batch = new_batch(
        kind=kind,
        year=year,
        source=ImportBatch.Source.API,
        actor=actor,
        file_name=f"api-{kind}-{year}",
        dry_run=dry_run,
    )
    return run_import(
        kind=kind, year=year, source=rows_source(rows), batch=batch, actor=actor, dry_run=dry_run
    )


# --- a worker that stopped ----------------------------------------------------------------------

INTERRUPTED = "导入中断：处理它的后台任务进程已停止（如服务器重启），数据未写入。请重新上传该文件。"
IN_PROGRESS = (ImportBatch.Status.PENDING, ImportBatch.Status.VALIDATING, ImportBatch.Status.LOADING)
ENQUEUE_GRACE = dt.timedelta(minutes=2)  # an upload's task is enqueued once its request commits


def import_batches_interrupted(*, worker_id: str = "", now: dt.datetime | None = None) -> list[int]:
    """At a task worker's start: uploads left in progress with no live task (the worker that ran
    them was killed) are failed with the reason 导入中断, their tasks too, and their stored files
    removed, as are upload files no batch in progress refers to. Returns the failed batches."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from renda.budget.tasks import import_batch_run
    from renda.core.worker import worker_alive

    now = now or timezone.now()
    batches = list(ImportBatch.objects.filter(source=ImportBatch.Source.UPLOAD, status__in=IN_PROGRESS))
    live: set[int] = set()
    dead: dict[int, list[Any]] = {}
    tasks = DBTaskResult.objects.filter(
        task_path=import_batch_run.module_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    )
    for task in tasks:
        args = (task.args_kwargs or {}).get("args") or []
        if not args or not isinstance(args[0], int):
            continue
        running_on = task.worker_ids[-1] if task.worker_ids else ""
        if task.status == TaskResultStatus.READY or worker_alive(running_on, current=worker_id) is not False:
            live.add(args[0])
        else:
            dead.setdefault(args[0], []).append(task.pk)
    failed = []
    for batch in batches:
        if batch.pk in live or (batch.pk not in dead and now - batch.created_at < ENQUEUE_GRACE):
            continue
        with transaction.atomic():
            changed = ImportBatch.objects.filter(pk=batch.pk, status__in=IN_PROGRESS).update(
                status=ImportBatch.Status.FAILED,
                progress=100,
                finished_at=now,
                errors=[{"line": 1, "column": "", "value": "", "message": INTERRUPTED}],
            )
            DBTaskResult.objects.filter(pk__in=dead.get(batch.pk, [])).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="renda.budget.services.imports.Interrupted",
                traceback=INTERRUPTED,
            )
            if changed:
                audit(None, "budget.import_interrupted", batch, after={"status": ImportBatch.Status.FAILED})
        if changed:
            failed.append(batch.pk)
            _remove_upload(batch.stored_path)
    _remove_orphan_uploads(now)
    return failed


def _remove_upload(stored_path: str) -> None:
    """Remove a stored upload (only ever a file of the upload directory)."""
    if not stored_path:
        return
    path = Path(stored_path)
    if path.parent.resolve() == upload_dir().resolve():
        path.unlink(missing_ok=True)


def _remove_orphan_uploads(now: dt.datetime) -> None:
    """Upload files that no batch in progress refers to, older than the grace (a worker killed
    between storing a file and creating its batch, or a batch failed before this rule)."""
    kept = {
        Path(p).name
        for p in ImportBatch.objects.filter(status__in=IN_PROGRESS).values_list("stored_path", flat=True)
        if p
    }
    oldest = (now - ENQUEUE_GRACE).timestamp()
    for path in upload_dir().iterdir():
        if path.is_file() and path.name not in kept and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)


def import_batches_interrupted_at_start(sender: Any, *, worker_id: str = "", **_kwargs: Any) -> None:
    """Receiver of :data:`renda.core.worker.worker_starting`."""
    failed = import_batches_interrupted(worker_id=worker_id)
    if failed:
        logger.warning("task worker start: %s interrupted import(s) failed: %s", len(failed), failed)
