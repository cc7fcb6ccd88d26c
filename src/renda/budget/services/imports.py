"""Writes of the budget module: imports (upload, finance feed), the classification baseline."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from renda.budget.importer import ImportResult, import_path, new_batch, rows_source, run_import
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
