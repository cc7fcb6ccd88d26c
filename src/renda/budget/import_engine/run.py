# ruff: noqa: S608 - the SQL here is built from model table names and fixed column names only;
# every value travels as a query parameter (or through COPY).
"""One run of the engine: the three steps in order, the direct load of a year's first payments on
PostgreSQL, and the outcome recorded on the batch."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

import psycopg
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from renda.budget.import_engine.apply import apply_plan
from renda.budget.import_engine.bulk import bulk_load, is_postgres
from renda.budget.import_engine.check import check_stage, check_year_totals
from renda.budget.import_engine.result import MAX_ERRORS, ImportError_, ImportResult, Rejected
from renda.budget.import_engine.sources import ArrowUnreadable, Source, Table, UnreadableFile, file_source
from renda.budget.import_engine.stage import (
    Plan,
    Restage,
    Stager,
    create_stage,
    drop_stage,
    leave_absent_columns,
    make_plan,
    map_headers,
    stage_batches,
)
from renda.budget.interface import Column
from renda.budget.models import (
    ImportBatch,
    Payment,
)
from renda.core.words import Words, say

logger = logging.getLogger("renda.budget.import")

PROGRESS_EVERY = 20000  # rows between progress reports, and at least
PROGRESS_SECONDS = 1.0  # seconds
PAYMENT_ROW_BYTES = 150  # about the size of a payment's CSV row: a file's rows, from its size

Progress = Callable[[int, float], None]
# Called inside the import's transaction once its rows are written (not for a dry run or a rejected
# file): the service writes the audit trail there, so that it commits, or rolls back, with the rows.
Applied = Callable[[ImportResult], None]


@dataclass
class _Import:
    """One run of :func:`run_import`: the file, the plan, and the outcome being gathered."""

    plan: Plan
    table: Table
    columns_at: list[tuple[int, Column]]
    result: ImportResult
    error: Callable[[int, str, Any, Words], None]
    errors: list[ImportError_]
    batch: ImportBatch
    on_applied: Applied | None
    dry_run: bool
    progress: Progress | None
    warnings_kept: int = 0  # warnings given before the rows were read (the headers')

    def __post_init__(self) -> None:
        self.warnings_kept = len(self.result.warnings)

    def stage(self, *, arrow: bool) -> Stager:
        """Step 1, with progress: check every row, stage the clean ones."""
        stager = Stager(
            self.plan, self.columns_at, self.result, self.error, self.errors, self.table.text_only
        )
        reported, reported_at = 0, time.perf_counter()
        try:
            for _ in stage_batches(self.table, stager, arrow=arrow):
                if self.progress and self.result.rows - reported >= PROGRESS_EVERY:
                    now = time.perf_counter()
                    if now - reported_at >= PROGRESS_SECONDS:
                        reported, reported_at = self.result.rows, now
                        stager.writer.flush()
                        self.progress(self.result.rows, 0.9 * self.table.done())
            stager.writer.flush()
        except ArrowUnreadable:
            stager.writer.flush()  # (not abort: on PostgreSQL that would end an outer transaction)
            raise
        except BaseException as exc:
            stager.writer.abort(exc)
            raise
        if self.result.rows == 0 and not self.errors:
            self.error(1, "", "", say(gettext_noop("The file has no data rows")))
        return stager

    def staged(self, *, arrow: bool) -> None:
        """Stage, check, then apply in one transaction (steps 1–3)."""
        plan, result, errors = self.plan, self.result, self.errors
        create_stage(plan)
        since = time.perf_counter()
        try:
            stager = self.stage(arrow=arrow)
        except ArrowUnreadable as exc:  # Python's csv reads the file from the start instead
            logger.info("import %s %s: read without Arrow (%s)", plan.kind, plan.year, exc)
            self.restart()
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {plan.stage}")
            stager = self.stage(arrow=False)
        since = plan.timed("stage", since)
        if not errors:
            check_stage(plan, self.error)
            check_year_totals(plan, self.error)
            since = plan.timed("check", since)
        if errors:
            return
        result.warnings.extend(stager.warnings())
        if self.progress:
            self.progress(result.rows, 0.95)
        try:
            with transaction.atomic():
                apply_plan(plan, result, self.batch, self.error)
                if not errors and not self.dry_run and self.on_applied:
                    self.on_applied(result)
                since = time.perf_counter()
                if errors or self.dry_run:
                    raise Rejected
        except Rejected:
            pass
        plan.timed("commit", since)
        result.applied = not errors and not self.dry_run

    def direct(self) -> None:
        """The first load of a year's payments on PostgreSQL: rows are copied straight into the
        payments table (its secondary indexes dropped and built again after, for a large file),
        all in one transaction that any error rolls back. It saves writing every row twice."""
        plan, result, errors = self.plan, self.result, self.errors
        plan.direct = True
        table = Payment._meta.db_table
        since = time.perf_counter()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                with bulk_load(plan, cursor, table, self.table.size // PAYMENT_ROW_BYTES):
                    stager = self.stage(arrow=True)
                    since = plan.timed("stage", since)
                    if not errors:
                        check_year_totals(plan, self.error)
                    if errors:
                        raise Rejected
                result.warnings.extend(stager.warnings())
                if self.progress:
                    self.progress(result.rows, 0.95)
                apply_plan(plan, result, self.batch, self.error)
                if not errors and self.on_applied:
                    self.on_applied(result)
                since = time.perf_counter()
        except Rejected:
            pass
        except ArrowUnreadable as exc:
            raise Restage(str(exc), arrow=False) from exc
        except (IntegrityError, psycopg.IntegrityError) as exc:  # stored meanwhile by another import
            raise Restage(str(exc)) from exc
        plan.timed("commit", since)
        result.applied = not errors

    def restart(self) -> None:
        """Forget what a first reading found: the file is read again from its start."""
        self.errors.clear()
        self.result.rows = self.result.rejected = self.result.inserted = self.plan.staged = 0
        del self.result.warnings[self.warnings_kept :]
        self.plan.direct = False
        if self.plan.streamed is not None:
            self.plan.streamed.close()


def run_import(
    *,
    kind: str,
    year: int,
    source: Source,
    batch: ImportBatch,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_applied: Applied | None = None,
) -> ImportResult:
    """Import ``source`` as ``kind`` for fiscal ``year``, recording the outcome on ``batch``."""
    result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk)
    plan = make_plan(kind, year)
    plan.batch_id = batch.pk
    plan.first_load = (
        kind == "payments" and not Payment.objects.filter(region_code=plan.region, year=year).exists()
    )
    table = source.table
    errors: list[ImportError_] = []
    bad_lines: set[int] = set()

    def error(line: int, column: str, value: Any, message: Words) -> None:
        column = source.labels.get(column, column)
        if line not in bad_lines:
            bad_lines.add(line)
            result.rejected += 1
        if len(errors) < MAX_ERRORS:
            shown = "" if value is None else str(value)[:200].replace("\x00", "\u2400")  # NUL: ␀
            errors.append(ImportError_(line, column.replace("\x00", "\u2400"), shown, message))

    try:
        columns_at = map_headers(kind, table.headers, source.rename, result, error)
        if columns_at is None:
            return _finish(result, errors, batch)
        leave_absent_columns(plan, columns_at)
        if connection.vendor == "sqlite":
            # a larger page cache for the bulk load (128 MiB), and no memory map: a bulk load reads
            # the file through once, and mapped pages would count in the worker's resident memory
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -131072")
                cursor.execute("PRAGMA mmap_size = 0")
        run = _Import(plan, table, columns_at, result, error, errors, batch, on_applied, dry_run, progress)
        arrow = table.arrow_batches is not None and kind == "payments"
        try:
            if arrow and is_postgres() and not dry_run and plan.first_load:
                try:
                    run.direct()
                    return _finish(result, errors, batch)
                except Restage as exc:
                    logger.info("import %s %s: staged after all (%s)", kind, year, exc)
                    bad_lines.clear()
                    run.restart()
                    arrow = exc.arrow
            run.staged(arrow=arrow)
        finally:
            drop_stage(plan)
    except UnreadableFile as exc:
        error(exc.line, exc.column, "", exc.words)
    finally:
        table.close()
        if plan.streamed is not None:
            plan.streamed.close()
        result.timings = {k: round(v, 3) for k, v in plan.timings.items()}
        logger.info("import %s %s: %s rows, %s", kind, year, result.rows, result.timings)
    return _finish(result, errors, batch)


def _finish(result: ImportResult, errors: list[ImportError_], batch: ImportBatch) -> ImportResult:
    errors.sort(key=lambda e: e.line)
    result.errors = [e.as_dict() for e in errors]
    result.error_words = [e.words for e in errors]
    if errors:
        result.inserted = result.updated = result.unchanged = 0
        result.rejected = max(result.rejected, 1)
    record_outcome(result, batch)
    return result


def record_outcome(result: ImportResult, batch: ImportBatch) -> None:
    """Write an import's outcome (status, counts, errors, warnings) on its batch row."""
    status = (
        ImportBatch.Status.REJECTED
        if result.errors
        else ImportBatch.Status.CHECKED
        if result.dry_run
        else ImportBatch.Status.APPLIED
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=status,
        total_rows=result.rows,
        processed_rows=result.rows,
        progress=100,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        rejected=result.rejected,
        errors=[
            {**e, "words": words} if words is not None else e
            for e, words in zip_longest(result.errors[:1000], result.error_words[:1000])
            if e is not None
        ],
        warnings=[w.replace("\x00", "\u2400") for w in result.warnings[:100]],
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()


# --- entry points -------------------------------------------------------------------------------


def progress_writer(batch: ImportBatch) -> Progress:
    """Record progress on the batch row (read by the upload page's progress bar). While the
    import's own transaction is open (a direct load on PostgreSQL), through a connection of its
    own, so that the page sees it before the commit."""
    table = ImportBatch._meta.db_table

    def write(rows: int, share: float) -> None:
        status = ImportBatch.Status.LOADING if share >= 0.9 else ImportBatch.Status.VALIDATING
        values: dict[str, Any] = {
            "processed_rows": rows,
            "progress": min(int(share * 100), 99),
            "status": status,
        }
        if not (is_postgres() and connection.in_atomic_block):
            ImportBatch.objects.filter(pk=batch.pk).update(**values)
            return
        other = connections.create_connection(connection.alias)
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET processed_rows = %s, progress = %s, status = %s WHERE id = %s",
                    [*values.values(), batch.pk],
                )
        finally:
            other.close()

    return write


def import_path(
    *,
    kind: str,
    year: int,
    path: Path,
    batch: ImportBatch,
    dry_run: bool = False,
    file_format: str = "auto",
    track: bool = True,
    on_applied: Applied | None = None,
) -> ImportResult:
    try:
        source = file_source(path, kind, file_format)
    except UnreadableFile as exc:
        result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk, rejected=1)
        return _finish(result, [ImportError_(exc.line, exc.column, "", exc.words)], batch)
    return run_import(
        kind=kind,
        year=year,
        source=source,
        batch=batch,
        dry_run=dry_run,
        progress=progress_writer(batch) if track else None,
        on_applied=on_applied,
    )
