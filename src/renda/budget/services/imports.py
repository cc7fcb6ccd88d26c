"""Writes of the budget module: imports, the classification baseline, a worker that stopped.

:func:`budget_import` is the one door of the budget import, used by the ``budget_import``
management command (a file on the server), the upload page (a file imported in the background)
and the finance feed's API (JSON rows): it checks permission, creates the batch, runs the import
engine (:mod:`renda.budget.import_engine`) or enqueues the background task, and writes the audit
trail. The engine takes the batch and writes no audit row itself; the background task
(:mod:`renda.budget.tasks`) calls back into :func:`budget_import_run`. This module never imports
the task module: the app registers the task here at start (:func:`import_task_register`), so
the import graph has no cycle.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop, pgettext

from renda.budget import interface
from renda.budget.import_engine import (
    ImportResult,
    Source,
    UnreadableFile,
    import_path,
    record_outcome,
    rows_source,
    run_import,
)
from renda.budget.import_engine.fdp import Package, read_package
from renda.budget.import_engine.package_zip import unpack_package_zip
from renda.budget.models import BudgetUnit, ClassificationItem, ImportBatch
from renda.core.audit import audit
from renda.core.module_parameters import current_region_code
from renda.core.permissions import require, service
from renda.core.words import chinese, has_words, say

BASELINE_DIR = Path(__file__).resolve().parent.parent / "data"
BASELINE_FILES = (
    "function-classification.csv",
    "economic-classification-government.csv",
    "economic-classification-department.csv",
)
UPLOAD_SUFFIXES = {".csv", ".txt", ".xlsx", ".zip", ".json"}

logger = logging.getLogger("renda.budget")

# The system: the management command run without ``--as``, the demo and the classification
# baseline import as ``actor=None`` (no permission is checked; the audit trail shows no person).
SYSTEM = None


def upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "budget-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Imported:
    """What :func:`budget_import` returns: the batch, and the engine's result once it has run
    (``None`` for an import left to the background task: the batch row follows its progress)."""

    batch: ImportBatch
    result: ImportResult | None = None
    # A Fiscal Data Package in the mapping form: the mapping inferred, in Chinese, a line each
    mapping: list[str] = field(default_factory=list)


def budget_import(
    *,
    actor: Any,
    kind: str,
    year: int,
    source: Path | UploadedFile | list[dict[str, Any]],
    dry_run: bool = False,
    background: bool = False,
    file_format: str = "auto",
    origin: str = "",
    mapping_file: Path | None = None,
    budget_type: str = "",
) -> Imported:
    """导入: import ``source`` as ``kind`` for fiscal ``year``, all or nothing.

    ``source`` is a file on the server (``Path``: the management command, the demo), an uploaded
    file (``UploadedFile``: the upload page, with ``background=True`` kept and imported by the
    background task) or the finance feed's rows (a list of JSON objects: the API, one batch in one
    transaction). A person needs ``budget.feed_data`` for rows and ``budget.import_data`` for a
    file (a refusal is audited); ``actor=None`` is the system (:data:`SYSTEM`). ``origin`` (an
    :class:`ImportBatch.Source`) says where the batch comes from when the type of ``source`` does
    not (the demo). The batch is audited with its counts, and the first changed rows with their
    before and after, in the transaction that applies it.
    """
    if isinstance(source, list):
        if background:
            raise ValueError("the finance feed's rows are imported within the request")
        return _import_rows(actor=actor, kind=kind, year=year, rows=source, dry_run=dry_run)
    if isinstance(source, Path):
        if background:
            raise ValueError("a file on the server is imported in the foreground")
        _permitted(actor=actor, perm="budget.import_data")
        if kind != "classification":  # (the command loads no baseline under a classification file)
            classification_ensure_baseline(year=year, actor=actor)
        if file_format in {"auto", "fdp"} and source.suffix.lower() == ".zip":
            batch = _package_batch(actor, kind, year, source, origin, dry_run)
            return _import_package_zip(
                actor=actor, batch=batch, path=source, mapping_file=mapping_file, budget_type=budget_type
            )
        if file_format in {"auto", "fdp"} and (
            source.name == "datapackage.json" or source.is_dir() or mapping_file is not None
        ):
            try:
                package = read_package(source, kind, year, mapping_file=mapping_file, budget_type=budget_type)
            except UnreadableFile as exc:
                return _package_refused(actor, kind, year, source, origin, dry_run, exc)
            if package is not None:
                return _import_package(actor=actor, package=package, dry_run=dry_run, origin=origin)
        batch = _new_batch(
            kind=kind,
            year=year,
            source=origin or ImportBatch.Source.COMMAND,
            actor=actor,
            file_name=source.name,
            file_format=file_format,
            dry_run=dry_run,
        )
        result = import_path(
            kind=kind,
            year=year,
            path=source,
            batch=batch,
            dry_run=dry_run,
            file_format=file_format,
            track=False,
            on_applied=_audit_applied(actor, batch),
        )
        return Imported(batch, result)
    imported = _import_upload(
        actor=actor,
        kind=kind,
        year=year,
        upload=source,
        dry_run=dry_run,
        file_format=file_format,
        background=background,
        budget_type=budget_type,
    )
    if not background:
        budget_import_run(batch_id=imported.batch.pk)
        imported.batch.refresh_from_db()
    return imported


# --- Fiscal Data Packages in the mapping form ---------------------------------------------------


def _package_batch(actor: Any, kind: str, year: int, source: Path, origin: str, dry_run: bool) -> ImportBatch:
    """The batch of a Fiscal Data Package read from the server (a package directory or its .zip)."""
    return _new_batch(
        kind=kind,
        year=year,
        source=origin or ImportBatch.Source.COMMAND,
        actor=actor,
        file_name=source.name,
        file_format="fdp",
        dry_run=dry_run,
    )


def _package_refused(
    actor: Any, kind: str, year: int, source: Path, origin: str, dry_run: bool, exc: UnreadableFile
) -> Imported:
    """A package whose descriptor (or mapping file) cannot be mapped: a rejected batch naming why."""
    batch = _package_batch(actor, kind, year, source, origin, dry_run)
    result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk, rejected=1)
    result.errors = [{"line": exc.line, "column": exc.column, "value": "", "message": str(exc)}]
    result.error_words = [exc.words if has_words(exc.words) else None]
    record_outcome(result, batch)
    return Imported(batch, result)


def _import_package_zip(
    *,
    actor: Any,
    batch: ImportBatch,
    path: Path,
    mapping_file: Path | None = None,
    budget_type: str = "",
    label: str = "",
) -> Imported:
    """财政数据包 (.zip): unpacked safely into a directory of its own (removed after), then read and
    imported like a package on the server, on ``batch``. A package refused says why on the batch."""
    with tempfile.TemporaryDirectory(prefix="renda-fdp-") as folder:
        try:
            descriptor = unpack_package_zip(path, Path(folder), label=label or batch.file_name or path.name)
            package = read_package(
                descriptor, batch.kind, batch.year, mapping_file=mapping_file, budget_type=budget_type
            )
            if package is None:
                raise UnreadableFile(
                    gettext(
                        "The package in the zip file %(label)s is not in the mapping form (measures and "
                        "dimensions in its model): use the model of the 2016 Fiscal Data Package "
                        "specification, or upload a CSV or XLSX file"
                    )
                    % {"label": label or batch.file_name}
                )
        except UnreadableFile as exc:
            result = ImportResult(kind=batch.kind, year=batch.year, dry_run=batch.dry_run, batch_id=batch.pk)
            result.rejected = 1
            result.errors = [{"line": exc.line, "column": exc.column, "value": "", "message": str(exc)}]
            record_outcome(result, batch)
            return Imported(batch, result)
        return _import_package(
            actor=actor, package=package, dry_run=batch.dry_run, origin=batch.source, batch=batch
        )


def _import_package(
    *, actor: Any, package: Package, dry_run: bool, origin: str, batch: ImportBatch | None = None
) -> Imported:
    """财政数据包: the units and classification items the package names that the county lacks,
    then the rows of the year, in one transaction that any rejection (or a dry run) rolls back.
    Units and items already stored are left as they are; an item whose parent is neither stored
    nor in the package is reported, not added (the rows' codes are then warned about, as for a
    file's unknown codes)."""
    kind, year = package.kind, package.year
    mapping = package.describe()
    if batch is None:
        batch = _new_batch(
            kind=kind,
            year=year,
            source=origin or ImportBatch.Source.COMMAND,
            actor=actor,
            file_name=f"{package.descriptor.parent.name}/{package.data.name}",
            file_format="fdp",
            dry_run=dry_run,
        )
    ImportBatch.objects.filter(pk=batch.pk).update(mapping=mapping)
    try:
        labels = package.labels()
    except UnreadableFile as exc:
        result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk, rejected=1)
        result.errors = [{"line": exc.line, "column": exc.column, "value": "", "message": str(exc)}]
        result.error_words = [exc.words if has_words(exc.words) else None]
        record_outcome(result, batch)
        return Imported(batch, result, mapping)
    notes = [
        gettext("%(n)s rows of %(other)s are not of the fiscal year %(year)s and were skipped")
        % {"n": n, "other": y, "year": year}
        for y, n in sorted(labels.other_years.items())
    ]
    with transaction.atomic():
        side: list[tuple[str, ImportResult]] = []
        units = _package_units(labels.units)
        if units:
            side.append(
                (pgettext("import part", "Budget units"), _package_side(actor, "units", year, units, dry_run))
            )
            added = (
                gettext("%(n)s budget units will be added: %(names)s")
                if dry_run
                else gettext("%(n)s budget units were added: %(names)s")
            )
            names = pgettext("list separator", ", ").join(r["unit_name"] for r in units[:10])
            notes.append(added % {"n": len(units), "names": names})
        items, left = _package_items(year, labels.items)
        if items and not _side_rejected(side):
            side.append(
                (
                    pgettext("import part", "Classification items"),
                    _package_side(actor, "classification", year, items, dry_run),
                )
            )
            added = (
                gettext("%(n)s items missing from the %(year)s classification will be added")
                if dry_run
                else gettext("%(n)s items missing from the %(year)s classification were added")
            )
            notes.append(added % {"n": len(items), "year": year})
        notes.extend(left)
        if _side_rejected(side):
            result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk)
            for what, rejected in side:
                colon = pgettext("label colon", ": ")
                result.errors += [{**e, "message": f"{what}{colon}{e['message']}"} for e in rejected.errors]
            result.rejected = max(1, sum(r.rejected for _w, r in side))
        else:
            result = run_import(
                kind=kind,
                year=year,
                source=Source(package.table(), labels=package.column_labels()),
                batch=batch,
                dry_run=dry_run,
                on_applied=_audit_applied(actor, batch),
            )
            package.locate_errors(result.errors)  # several files: each error names its own
        if result.errors or dry_run:
            transaction.set_rollback(True)
    result.warnings[:0] = notes
    record_outcome(result, batch)
    return Imported(batch, result, mapping)


def _side_rejected(side: list[tuple[str, ImportResult]]) -> bool:
    return any(r.errors for _what, r in side)


def _package_side(
    actor: Any, kind: str, year: int, rows: list[dict[str, Any]], dry_run: bool
) -> ImportResult:
    """Units or classification items of a package, imported as their own batch (inside the
    package's transaction: a dry run rolls them back with the rest)."""
    batch = _new_batch(
        kind=kind, year=year, source=ImportBatch.Source.COMMAND, actor=actor, file_name=f"fdp-{kind}-{year}"
    )
    return run_import(
        kind=kind,
        year=year,
        source=rows_source(rows),
        batch=batch,
        on_applied=None if dry_run else _audit_applied(actor, batch),
    )


def _package_units(named: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """The package's named units the county lacks (a parent kept when it is stored or added)."""
    stored = set(BudgetUnit.objects.filter(region_code=current_region_code()).values_list("code", flat=True))
    new = {code: value for code, value in named.items() if code not in stored}
    return [
        {
            "unit_code": code,
            "unit_name": name[:120],
            "parent_code": parent if parent in stored | set(new) else "",
        }
        for code, (name, parent) in new.items()
    ]


def _package_items(year: int, named: dict[tuple[str, str], str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The package's classification items the year's table lacks, each with its parent stored or
    added too; and what is left out, said in Chinese."""
    stored = {
        ("function" if scheme == "function" else "econ", code)
        for scheme, code in ClassificationItem.objects.filter(year=year).values_list("scheme", "code")
    }
    rows: list[dict[str, Any]] = []
    left: list[str] = []
    added: set[tuple[str, str]] = set()
    for (scheme, code), name in sorted(
        named.items(), key=lambda item: (item[0][0], len(item[0][1]), item[0][1])
    ):
        family = "function" if scheme == "function" else "econ"
        if (family, code) in stored:
            continue
        try:
            interface.parse_function_code(code) if family == "function" else interface.parse_econ_code(code)
        except interface.BadValue:
            continue  # (the rows' check names a malformed code)
        parent = code[:-2] if len(code) > 3 else ""
        if parent and (family, parent) not in stored | added:
            left.append(
                gettext(
                    "The classification item %(code)s (%(name)s) was not added: its parent %(parent)s is "
                    "not in the %(year)s classification"
                )
                % {"code": code, "name": name, "parent": parent, "year": year}
            )
            continue
        added.add((family, code))
        rows.append({"scheme": scheme, "code": code, "name": name[:100], "parent_code": parent})
    return rows, left


@service
def _permitted(*, actor: Any, perm: str) -> None:
    """The permission check of a foreground file import, audited when refused (the import
    itself runs outside any service transaction: on SQLite only its apply holds the write lock)."""
    if actor is not SYSTEM:
        require(actor, perm)


@service
def _import_rows(*, actor: Any, kind: str, year: int, rows: list[dict[str, Any]], dry_run: bool) -> Imported:
    """财政数据接口: the finance bureau's system pushes one batch of rows (all-or-nothing)."""
    if actor is not SYSTEM:
        require(actor, "budget.feed_data")
    classification_ensure_baseline(year=year, actor=actor)
    batch = _new_batch(
        kind=kind,
        year=year,
        source=ImportBatch.Source.API,
        actor=actor,
        file_name=f"api-{kind}-{year}",
        dry_run=dry_run,
    )
    result = run_import(
        kind=kind,
        year=year,
        source=rows_source(rows),
        batch=batch,
        dry_run=dry_run,
        on_applied=_audit_applied(actor, batch),
    )
    return Imported(batch, result)


@service
def _import_upload(
    *,
    actor: Any,
    kind: str,
    year: int,
    upload: UploadedFile,
    dry_run: bool,
    file_format: str,
    background: bool,
    budget_type: str = "",
) -> Imported:
    """Keep the uploaded file and, in the background, enqueue its import (once this transaction
    commits). ``budget_type``: a Fiscal Data Package's rows that carry none (kept on the batch)."""
    if actor is not SYSTEM:
        require(actor, "budget.import_data")
    suffix = Path(upload.name or "").suffix.lower()
    stored = upload_dir() / f"{uuid.uuid4().hex}{suffix if suffix in UPLOAD_SUFFIXES else '.dat'}"
    with stored.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    batch = _new_batch(
        kind=kind,
        year=year,
        source=ImportBatch.Source.UPLOAD,
        actor=actor,
        file_name=upload.name or "",
        stored_path=str(stored),
        file_format=file_format,
        dry_run=dry_run,
    )
    if budget_type and file_format == "fdp":
        batch.package_budget_type = str(interface.parse_budget_type(budget_type))
        batch.save(update_fields=["package_budget_type"])
    audit(
        actor,
        "budget.upload",
        batch,
        after={"kind": kind, "year": year, "file_name": batch.file_name, "dry_run": dry_run},
    )
    if background:
        budget_import_enqueue(batch)
    return Imported(batch)


def budget_import_enqueue(batch: ImportBatch) -> None:
    """Start a kept upload's import in the background, once the current transaction commits."""
    task = _import_task()
    transaction.on_commit(lambda: task.enqueue(batch.pk))


def budget_import_run(*, batch_id: int) -> ImportResult | None:
    """Run a kept upload's import (the background task's body); the file is removed after."""
    batch = ImportBatch.objects.select_related("actor").get(pk=batch_id)
    if batch.is_finished:
        return None
    path = Path(batch.stored_path)
    try:
        classification_ensure_baseline(year=batch.year, actor=batch.actor)
        if batch.file_format == "fdp" and path.suffix.lower() == ".zip":
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATING)
            return _import_package_zip(
                actor=batch.actor, batch=batch, path=path, budget_type=batch.package_budget_type
            ).result
        return import_path(
            kind=batch.kind,
            year=batch.year,
            path=path,
            batch=batch,
            dry_run=batch.dry_run,
            file_format=batch.file_format,
            on_applied=_audit_applied(batch.actor, batch),
        )
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, progress=100)
        raise
    finally:
        path.unlink(missing_ok=True)


def classification_ensure_baseline(*, year: int, actor: Any = SYSTEM) -> list[ImportResult]:
    """Load the shipped classification baseline for ``year`` unless that year already has one.

    The baseline (``renda/budget/data/*.csv``) is a starting point; an administrator replaces it
    by importing the Ministry of Finance's official table for the year (kind ``classification``).
    """
    if ClassificationItem.objects.filter(year=year).exists():
        return []
    results = []
    for name in BASELINE_FILES:
        batch = _new_batch(
            kind="classification", year=year, source=ImportBatch.Source.COMMAND, actor=actor, file_name=name
        )
        results.append(
            import_path(
                kind="classification",
                year=year,
                path=BASELINE_DIR / name,
                batch=batch,
                track=False,
                on_applied=_audit_applied(actor, batch),
            )
        )
    return results


def _new_batch(
    *,
    kind: str,
    year: int,
    source: str,
    actor: Any = SYSTEM,
    file_name: str = "",
    stored_path: str = "",
    file_format: str = "auto",
    dry_run: bool = False,
) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind,
        year=year,
        source=source,
        actor=actor if getattr(actor, "pk", None) else None,
        file_name=file_name[:255],
        stored_path=stored_path,
        file_format=file_format,
        dry_run=dry_run,
    )


def _audit_applied(actor: Any, batch: ImportBatch) -> Callable[[ImportResult], None]:
    """The audit trail of an applied import, written in its transaction: the batch with its
    counts, then the before/after of the first changed rows."""

    def write(result: ImportResult) -> None:
        audit(
            actor,
            f"budget.import_{result.kind}",
            batch,
            note=f"inserted={result.inserted} updated={result.updated} unchanged={result.unchanged}",
        )
        for before, after in result.changes:
            audit(actor, f"budget.import_{result.kind}_change", batch, before=before, after=after)

    return write


# --- the background task ------------------------------------------------------------------------

_import_tasks: list[Any] = []


def import_task_register(task: Any) -> None:
    """Register the django-tasks task that runs a kept upload (``renda.budget.tasks``, whose body
    calls :func:`budget_import_run`); the app does so at start."""
    _import_tasks[:] = [task]


def _import_task() -> Any:
    if not _import_tasks:
        raise RuntimeError("the budget import task is not registered (renda.budget.apps.ready)")
    return _import_tasks[0]


# --- a worker that stopped ----------------------------------------------------------------------

INTERRUPTED_WORDS = say(
    gettext_noop(
        "Import interrupted: the background task that processed it stopped (a server restart, say); no data "
        "was written. Upload the file again."
    )
)
#: The reason an interrupted import is failed with, as the data interface reports it (Chinese).
INTERRUPTED = lazy(lambda: chinese(INTERRUPTED_WORDS), str)()
IN_PROGRESS = (ImportBatch.Status.PENDING, ImportBatch.Status.VALIDATING, ImportBatch.Status.LOADING)
ENQUEUE_GRACE = dt.timedelta(minutes=2)  # an upload's task is enqueued once its request commits


def import_batches_interrupted(*, worker_id: str = "", now: dt.datetime | None = None) -> list[int]:
    """At a task worker's start: uploads left in progress with no live task (the worker that ran
    them was killed) are failed with the reason 导入中断, their tasks too, and their stored files
    removed, as are upload files no batch in progress refers to. Returns the failed batches."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from renda.core.worker import worker_alive

    now = now or timezone.now()
    batches = list(ImportBatch.objects.filter(source=ImportBatch.Source.UPLOAD, status__in=IN_PROGRESS))
    live: set[int] = set()
    dead: dict[int, list[Any]] = {}
    tasks = DBTaskResult.objects.filter(
        task_path=_import_task().module_path,
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
                errors=[
                    {
                        "line": 1,
                        "column": "",
                        "value": "",
                        "message": str(INTERRUPTED),
                        "words": INTERRUPTED_WORDS,
                    }
                ],
            )
            DBTaskResult.objects.filter(pk__in=dead.get(batch.pk, [])).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="renda.budget.services.imports.Interrupted",
                traceback=str(INTERRUPTED),
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
