# ruff: noqa: S608 - the SQL here is built from model table names and fixed column names only;
# every value travels as a query parameter (or through COPY).
"""The import engine: one file (or API batch) of one kind into the budget facts, all-or-nothing.

How it runs, with bounded memory whatever the file's size:

1. **Stage** — one streaming pass reads the rows, parses every cell by the data interface
   (:mod:`renda.budget.interface`) and writes good rows in batches into a temporary staging
   table (``COPY`` on PostgreSQL, batched ``executemany`` on SQLite). Bad cells are collected
   as errors (line, column, value, Chinese reason); after the first error nothing more is staged.
2. **Check** — set-based SQL on the staging table finds duplicate keys within the file and
   references to unknown units or parents, with their lines.
3. **Apply** — if there is no error (and it is not a dry run), one transaction counts
   unchanged/updated/inserted rows against the natural keys, updates changed rows
   (``UPDATE … FROM``), inserts new ones (``INSERT … SELECT … WHERE NOT EXISTS``), rebuilds the
   summaries, and audits the batch (counts, plus before/after of the first changed rows).

Nothing in the facts changes unless step 3 runs, so a bad row anywhere rejects the whole file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from renda.budget import interface
from renda.budget.interface import MONTH, BadValue, Column
from renda.budget.models import (
    BudgetUnit,
    ClassificationItem,
    Debt,
    ImportBatch,
    Indicator,
    IndicatorAdjustment,
    Payment,
    PaymentRollup,
    PaymentSummary,
    Project,
    Revenue,
)
from renda.budget.readers import Table, UnreadableFile, open_table, read_datapackage
from renda.core.audit import audit

logger = logging.getLogger("renda.budget.import")

_SCALARS = (int, float, Decimal, dt.date)
STAGE_BATCH = 5000
MAX_ERRORS = 5000  # errors kept and reported (every bad row still counts in ``rejected``)
MAX_AUDITED_CHANGES = 50  # changed rows whose before/after enter the audit trail per batch
PROGRESS_EVERY = 20000


@dataclass
class Target:
    """Where a kind lands: the model, its natural key and the fields an import may change."""

    model: Any
    key: tuple[str, ...]  # staged columns that, with region (and year), identify a row
    values: tuple[str, ...]  # staged columns copied to the model's columns of the same name
    yearly: bool = True
    regional: bool = True


TARGETS: dict[str, Target] = {
    "units": Target(BudgetUnit, ("code",), ("name", "parent_code", "kind"), yearly=False),
    "indicators": Target(
        Indicator,
        ("indicator_no",),
        (
            "unit_code",
            "function_code",
            "econ_code",
            "budget_type",
            "project_code",
            "fund_source",
            "original_amount",
            "adjusted_amount",
            "current_amount",
            "issued_date",
        ),
    ),
    "payments": Target(
        Payment,
        ("voucher_no",),
        (
            "pay_date",
            "unit_code",
            "function_code",
            "econ_code",
            "budget_type",
            "project_code",
            "indicator_no",
            "payee_name",
            "payee_account",
            "payee_type",
            "amount",
            "pay_method",
            "purpose",
        ),
    ),
    "revenue": Target(Revenue, ("month", "item_code", "budget_type"), ("item_name", "amount")),
    "debt": Target(Debt, ("month", "debt_type"), ("limit_amount", "balance")),
    "classification": Target(
        ClassificationItem, ("scheme", "code"), ("name", "level", "parent_code"), regional=False
    ),
}

# Interface column → staged column, where the names differ.
RENAMES = {"units": {"unit_code": "code", "unit_name": "name", "unit_kind": "kind"}}


@dataclass
class ImportError_:
    line: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    year: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    applied: bool = False
    dry_run: bool = False
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.rejected == 0

    def as_json(self) -> dict[str, Any]:
        """The shape ``budget_import --json`` prints (the data interface's contract)."""
        return {
            "kind": self.kind,
            "year": self.year,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": self.errors,
        }


class Rejected(Exception):
    """Raised inside the apply transaction to roll it back when a late check finds errors."""


# --- sources of rows ----------------------------------------------------------------------------


@dataclass
class Source:
    """Rows to import: headers, ``(line, cells)`` rows, and a progress reading (0–1)."""

    table: Table
    rename: dict[str, str] = field(default_factory=dict)  # source header → our field name


def file_source(path: Path, kind: str, file_format: str = "auto") -> Source:
    if (
        file_format == "fdp"
        or path.name == "datapackage.json"
        or (path.is_dir() and (path / "datapackage.json").exists())
    ):
        csv_path, mapping = read_datapackage(path, kind)
        return Source(open_table(csv_path), mapping)
    return Source(open_table(path))


def rows_source(rows: list[dict[str, Any]]) -> Source:
    """Rows given as JSON objects (the finance feed's API): keys are English names or headers."""
    headers: list[str] = []
    for row in rows:
        for key in row:
            if key not in headers:
                headers.append(key)
    total = max(len(rows), 1)
    state = {"n": 0}

    def iterate() -> Iterator[tuple[int, list[Any]]]:
        for n, row in enumerate(rows, start=2):
            state["n"] = n - 1
            yield n, [row.get(h, "") for h in headers]

    return Source(Table(headers, iterate(), lambda: state["n"] / total))


# --- staging ------------------------------------------------------------------------------------


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _sql_type(column: str, kind_columns: dict[str, Column]) -> str:
    col = kind_columns.get(column)
    sql_type = col.sql_type if col else ("money" if column == "current_amount" else "text")
    if column == "level":
        sql_type = "int"
    return {
        "text": "text",
        "money": "numeric(18, 2)" if _is_postgres() else "decimal",
        "date": "date",
        "int": "integer",
    }[sql_type]


@dataclass
class Plan:
    kind: str
    year: int
    region: str
    target: Target
    columns: list[str]  # staged columns (after renames), besides "line"
    stage: str = ""


def _plan(kind: str, year: int) -> Plan:
    target = TARGETS[kind]
    columns = list(dict.fromkeys([*target.key, *target.values]))
    if kind == "indicators":
        columns += ["project_name", "adjust_date", "adjust_document"]
    if kind == "units":
        columns = ["code", "name", "parent_code", "kind"]
    stage = f"budget_stage_{kind}_{os.getpid()}_{abs(hash((kind, year, timezone.now()))) % 10**8}"
    return Plan(kind, year, settings.RENDA_REGION_CODE, target, columns, stage)


def _create_stage(plan: Plan) -> None:
    kind_columns = {RENAMES.get(plan.kind, {}).get(c.name, c.name): c for c in interface.SPECS[plan.kind]}
    defs = ", ".join(f"{c} {_sql_type(c, kind_columns)}" for c in plan.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {plan.stage} (line integer, {defs})")


def _drop_stage(plan: Plan) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {plan.stage}")


def _write_stage(plan: Plan, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    names = ", ".join(["line", *plan.columns])
    with connection.cursor() as cursor:
        if _is_postgres():
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            with raw.copy(f"COPY {plan.stage} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * (len(plan.columns) + 1))
            cursor.executemany(f"INSERT INTO {plan.stage} ({names}) VALUES ({marks})", rows)


# --- the import ---------------------------------------------------------------------------------


Progress = Callable[[int, float], None]


def run_import(
    *,
    kind: str,
    year: int,
    source: Source,
    batch: ImportBatch,
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``source`` as ``kind`` for fiscal ``year``, recording the outcome on ``batch``."""
    result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk)
    plan = _plan(kind, year)
    table = source.table
    errors: list[ImportError_] = []
    bad_lines: set[int] = set()

    def error(line: int, column: str, value: Any, message: str) -> None:
        if line not in bad_lines:
            bad_lines.add(line)
            result.rejected += 1
        if len(errors) < MAX_ERRORS:
            errors.append(ImportError_(line, column, "" if value is None else str(value)[:200], message))

    try:
        columns_at = _map_headers(kind, table.headers, source.rename, result, error)
        if columns_at is None:
            return _finish(result, errors, batch)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # a larger page cache for the bulk load (128 MiB)
                cursor.execute("PRAGMA cache_size = -131072")
        _create_stage(plan)
        try:
            _stage_rows(plan, table, columns_at, result, error, errors, progress)
            if result.rows == 0 and not errors:
                error(1, "", "", "文件没有数据行")
            if not errors:
                _check_stage(plan, error)
            if not errors:
                _warn_stage(plan, result)
                if progress:
                    progress(result.rows, 0.95)
                try:
                    with transaction.atomic():
                        _apply(plan, result, batch, actor, error)
                        if errors:
                            raise Rejected
                        if dry_run:
                            raise Rejected
                except Rejected:
                    pass
                result.applied = not errors and not dry_run
        finally:
            _drop_stage(plan)
    except UnreadableFile as exc:
        error(1, "", "", str(exc))
    finally:
        table.close()
    return _finish(result, errors, batch)


def _finish(result: ImportResult, errors: list[ImportError_], batch: ImportBatch) -> ImportResult:
    errors.sort(key=lambda e: e.line)
    result.errors = [e.as_dict() for e in errors]
    if errors:
        result.inserted = result.updated = result.unchanged = 0
        result.rejected = max(result.rejected, 1)
    status = (
        ImportBatch.Status.REJECTED
        if errors
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
        errors=result.errors[:1000],
        warnings=result.warnings[:100],
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    return result


def _map_headers(kind, headers, rename, result, error) -> list[tuple[int, Column]] | None:
    spec_by_name = {c.name: c for c in interface.SPECS[kind]}
    found: list[tuple[int, Column]] = []
    seen: set[str] = set()
    for index, header in enumerate(headers):
        column = None
        text = str(header or "").strip().lstrip("\ufeff")
        if text in rename and rename[text] in spec_by_name:
            column = spec_by_name[rename[text]]
        else:
            column = interface.match_header(kind, text)
        if column is None:
            if text:
                result.warnings.append(f"未知列“{text}”已忽略")
            continue
        if column.name in seen:
            error(1, text, text, "列重复")
            continue
        seen.add(column.name)
        found.append((index, column))
    missing = [c for c in interface.SPECS[kind] if c.required and c.name not in seen]
    for column in missing:
        error(1, column.name, "", f"缺少必需列：{column.name}（{column.header}）")
    if missing or not found:
        if not headers:
            error(1, "", "", "文件没有表头")
        return None
    return found


def _stage_rows(plan, table, columns_at, result, error, errors, progress) -> None:
    kind, year = plan.kind, plan.year
    renames = RENAMES.get(kind, {})
    optional = [c for c in interface.SPECS[kind] if c.name not in {col.name for _, col in columns_at}]
    buffer: list[tuple[Any, ...]] = []
    positions = {name: i for i, name in enumerate(plan.columns)}
    width = len(plan.columns)
    year_start, year_end = f"{year}-01-01", f"{year}-12-31"
    known_units: set[str] | None = None
    if kind in {"indicators", "payments"}:  # units are few: their codes fit in memory
        known_units = set(BudgetUnit.objects.filter(region_code=plan.region).values_list("code", flat=True))
        unit_at = positions["unit_code"]
    converters = [
        (
            index,
            positions.get(renames.get(column.name, column.name)),
            column.parse is MONTH,
            column.parse,
            column.required,
            column.max_length,
            column.header,
            column.name,
            column.sql_type == "text",
        )
        for index, column in columns_at
    ]
    parse_month = interface.parse_month
    for line, cells in table.rows:
        if not any(cells) or not "".join(str(c) for c in cells if c is not None).strip():
            continue  # a blank line is not a row
        result.rows += 1
        values: list[Any] = [None] * width
        row_ok = True
        ncells = len(cells)
        for index, pos, is_month, parse, required, max_length, header, name, is_text in converters:
            raw = cells[index] if index < ncells else ""
            if raw is None or raw == "" or (type(raw) is str and raw.isspace()):
                if required:
                    error(line, name, "", f"{header}不能为空")
                    row_ok = False
                    continue
                value: Any = "" if is_text else None
            elif type(raw) is not str and (isinstance(raw, bool) or not isinstance(raw, _SCALARS)):
                error(line, name, raw, "值的类型不正确")
                row_ok = False
                continue
            else:
                try:
                    value = parse_month(raw, year) if is_month else parse(raw)
                except BadValue as exc:
                    error(line, name, raw, str(exc))
                    row_ok = False
                    continue
                if max_length and len(value) > max_length:
                    error(line, name, raw, f"{header}超过 {max_length} 个字符")
                    row_ok = False
                    continue
            if pos is not None:
                values[pos] = value
        for column in optional:
            name = renames.get(column.name, column.name)
            if name in positions and values[positions[name]] is None and column.sql_type == "text":
                values[positions[name]] = ""
        if not row_ok:
            continue
        row_ok = _row_rules(kind, line, values, positions, year_start, year_end, error)
        if known_units is not None and values[unit_at] not in known_units:
            error(line, "unit_code", values[unit_at], "单位编码不存在（请先导入预算单位）")
            row_ok = False
        if row_ok and not errors:
            buffer.append((line, *values))
            if len(buffer) >= STAGE_BATCH:
                _write_stage(plan, buffer)
                buffer.clear()
        if progress and result.rows % PROGRESS_EVERY == 0:
            progress(result.rows, 0.9 * table.done())
    if not errors:
        _write_stage(plan, buffer)


def _row_rules(kind, line, values, at, year_start, year_end, error) -> bool:
    """Rules across the cells of one row."""
    if kind == "payments":
        pay_date = values[at["pay_date"]]
        if not (year_start <= pay_date.isoformat() <= year_end):
            error(line, "pay_date", pay_date.isoformat(), f"支付日期不在 {year_start[:4]} 年度内")
            return False
    elif kind == "indicators":
        adjusted = values[at["adjusted_amount"]]
        if adjusted is None:
            adjusted = values[at["adjusted_amount"]] = interface.Decimal("0.00")
        values[at["current_amount"]] = values[at["original_amount"]] + adjusted
    elif kind == "classification":
        scheme, code = values[at["scheme"]], values[at["code"]]
        try:
            if scheme == "function":
                interface.parse_function_code(code)
            else:
                interface.parse_econ_code(code)
        except BadValue as exc:
            error(line, "code", code, str(exc))
            return False
        values[at["level"]] = {3: 1, 5: 2, 7: 3}[len(code)]
        parent = values[at["parent_code"]] or ""
        expected = code[:-2] if len(code) > 3 else ""
        if parent and parent != expected:
            error(line, "parent_code", parent, f"上级编码应为 {expected}")
            return False
        values[at["parent_code"]] = expected
    elif kind == "units" and values[at["parent_code"]] == values[at["code"]]:
        error(line, "parent_code", values[at["parent_code"]], "上级单位不能是本单位")
        return False
    return True


def _where_target(plan: Plan, alias: str = "t") -> tuple[str, list[Any]]:
    clauses, params = [], []
    if plan.target.regional:
        clauses.append(f"{alias}.region_code = %s")
        params.append(plan.region)
    if plan.target.yearly:
        clauses.append(f"{alias}.year = %s")
        params.append(plan.year)
    return " AND ".join(clauses) or "1 = 1", params


def _join_key(plan: Plan) -> str:
    return " AND ".join(f"t.{k} = s.{k}" for k in plan.target.key)


def _check_stage(plan: Plan, error) -> None:
    """Set-based checks on the staged rows: duplicate keys, unknown units, unknown parents."""
    key = ", ".join(plan.target.key)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {plan.stage}_key ON {plan.stage} ({key}, line)")
        if _is_postgres():  # temporary tables are never auto-analysed: give the planner their size
            cursor.execute(f"ANALYZE {plan.stage}")
        cursor.execute(
            f"SELECT s.line, {key} FROM {plan.stage} s WHERE EXISTS (SELECT 1 FROM {plan.stage} d "
            f"WHERE {' AND '.join(f'd.{k} = s.{k}' for k in plan.target.key)} AND d.line < s.line) "
            f"ORDER BY s.line LIMIT {MAX_ERRORS}"
        )
        for line, *values in cursor.fetchall():
            error(line, plan.target.key[-1], values[-1], "与文件中前面的行重复")
        if plan.kind == "units":
            cursor.execute(
                f"SELECT s.line, s.parent_code FROM {plan.stage} s WHERE s.parent_code <> '' "
                f"AND NOT EXISTS (SELECT 1 FROM {plan.stage} p WHERE p.code = s.parent_code) "
                f"AND NOT EXISTS (SELECT 1 FROM {BudgetUnit._meta.db_table} u "
                f"WHERE u.region_code = %s AND u.code = s.parent_code) ORDER BY s.line LIMIT {MAX_ERRORS}",
                [plan.region],
            )
            for line, code in cursor.fetchall():
                error(line, "parent_code", code, "上级单位编码不存在")
        if plan.kind == "classification":
            cursor.execute(
                f"SELECT s.line, s.parent_code FROM {plan.stage} s WHERE s.parent_code <> '' "
                f"AND NOT EXISTS (SELECT 1 FROM {plan.stage} p WHERE p.scheme = s.scheme "
                f"AND p.code = s.parent_code) AND NOT EXISTS (SELECT 1 FROM "
                f"{ClassificationItem._meta.db_table} c WHERE c.year = %s AND c.scheme = s.scheme "
                f"AND c.code = s.parent_code) ORDER BY s.line LIMIT {MAX_ERRORS}",
                [plan.year],
            )
            for line, code in cursor.fetchall():
                error(line, "parent_code", code, "上级编码不存在")


def _warn_stage(plan: Plan, result: ImportResult) -> None:
    """Warnings that do not reject the file: codes outside the year's classification, payments
    naming an indicator that is not (yet) loaded."""
    if plan.kind not in {"indicators", "payments"}:
        return
    table = ClassificationItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE year = %s", [plan.year])
        if cursor.fetchone()[0]:
            cursor.execute(
                f"SELECT COUNT(*) FROM {plan.stage} s WHERE NOT EXISTS (SELECT 1 FROM {table} c "
                f"WHERE c.year = %s AND c.scheme = 'function' AND c.code = s.function_code)",
                [plan.year],
            )
            unknown = cursor.fetchone()[0]
            if unknown:
                result.warnings.append(f"{unknown} 行的功能分类编码不在 {plan.year} 年度分类表中")
        if plan.kind == "payments":
            cursor.execute(
                f"SELECT COUNT(*) FROM {plan.stage} s WHERE s.indicator_no <> '' AND NOT EXISTS "
                f"(SELECT 1 FROM {Indicator._meta.db_table} i WHERE i.region_code = %s AND i.year = %s "
                f"AND i.indicator_no = s.indicator_no)",
                [plan.region, plan.year],
            )
            unknown = cursor.fetchone()[0]
            if unknown:
                result.warnings.append(f"{unknown} 笔支付的指标编号在 {plan.year} 年度指标中不存在")


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}"


def _apply(plan: Plan, result: ImportResult, batch: ImportBatch, actor: Any, error) -> None:
    target, stage = plan.target, plan.stage
    table = target.model._meta.db_table
    where, params = _where_target(plan)
    join = _join_key(plan)
    differs = " OR ".join(_distinct(f"t.{v}", f"s.{v}") for v in target.values)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {stage}")
        staged = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {stage} s JOIN {table} t ON {join} AND {where}", params)
        matched = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(*) FROM {stage} s JOIN {table} t ON {join} AND {where} WHERE {differs}", params
        )
        changed = cursor.fetchone()[0]
        result.inserted, result.updated, result.unchanged = staged - matched, changed, matched - changed
        if plan.kind == "units":
            _check_unit_cycles(plan, cursor, error)
            if result.rejected:
                return
        # Before/after of the first changed rows, for the audit trail.
        samples: list[tuple[dict[str, Any], dict[str, Any]]] = []
        if changed:
            cols = ", ".join(
                [
                    *(f"t.{k}" for k in target.key),
                    *(f"t.{v}" for v in target.values),
                    *(f"s.{v}" for v in target.values),
                ]
            )
            cursor.execute(
                f"SELECT {cols} FROM {stage} s JOIN {table} t ON {join} AND {where} WHERE {differs} "
                f"ORDER BY s.line LIMIT {MAX_AUDITED_CHANGES}",
                params,
            )
            nk, nv = len(target.key), len(target.values)
            money = {f.column for f in target.model._meta.fields if f.get_internal_type() == "DecimalField"}
            for raw in cursor.fetchall():
                names = [*target.key, *target.values, *target.values]
                row = [
                    _money(v) if n in money and v is not None else v for n, v in zip(names, raw, strict=True)
                ]
                key = dict(zip(target.key, row[:nk], strict=True))
                before = dict(zip(target.values, row[nk : nk + nv], strict=True))
                after = dict(zip(target.values, row[nk + nv :], strict=True))
                samples.append(({**key, **before}, {**key, **after}))
        if plan.kind == "indicators":
            _record_adjustments(plan, cursor, batch, where, params, join)
        if changed:
            sets = ", ".join(f"{v} = s.{v}" for v in target.values)
            cursor.execute(
                f"UPDATE {table} AS t SET {sets}, batch_id = %s FROM {stage} s "
                f"WHERE {join} AND {where} AND ({differs})",
                [batch.pk, *params],
            )
        if staged - matched:
            extra_cols, extra_vals = ["batch_id"], ["%s"]
            insert_params: list[Any] = [batch.pk]
            if target.regional:
                extra_cols.append("region_code")
                extra_vals.append("%s")
                insert_params.append(plan.region)
            if target.yearly:
                extra_cols.append("year")
                extra_vals.append("%s")
                insert_params.append(plan.year)
            cols = [*target.key, *target.values]
            if plan.kind == "units":
                cols.append("department_code")
                select_cols = ", ".join([*(f"s.{c}" for c in cols[:-1]), "''"])
            else:
                select_cols = ", ".join(f"s.{c}" for c in cols)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join([*cols, *extra_cols])}) "
                f"SELECT {select_cols}, {', '.join(extra_vals)} FROM {stage} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {join} AND {where}) "
                f"ORDER BY {', '.join(f's.{k}' for k in target.key)}",
                [*insert_params, *params],
            )
        if plan.kind == "indicators":
            _record_first_adjustments(plan, cursor, batch, where, params)
            _upsert_projects(plan, cursor, batch)
        if plan.kind == "units":
            _refresh_departments(plan)
        if plan.kind == "payments" and (changed or staged - matched) and not result.dry_run:
            rebuild_payment_summary(plan.region, plan.year)
    if result.dry_run:
        return
    audit(
        actor,
        f"budget.import_{plan.kind}",
        batch,
        note=f"inserted={result.inserted} updated={result.updated} unchanged={result.unchanged}",
    )
    for before, after in samples:
        audit(actor, f"budget.import_{plan.kind}_change", batch, before=before, after=after)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _record_adjustments(plan, cursor, batch, where, params, join) -> None:
    """指标调整: an indicator whose adjustment changes gets an adjustment row for the difference."""
    adj = IndicatorAdjustment._meta.db_table
    cursor.execute(
        f"INSERT INTO {adj} (indicator_id, date, document, amount, batch_id) "
        f"SELECT t.id, COALESCE(s.adjust_date, s.issued_date), COALESCE(s.adjust_document, ''), "
        f"s.adjusted_amount - t.adjusted_amount, %s FROM {plan.stage} s JOIN {Indicator._meta.db_table} t "
        f"ON {join} AND {where} WHERE s.adjusted_amount <> t.adjusted_amount",
        [batch.pk, *params],
    )


def _record_first_adjustments(plan, cursor, batch, where, params) -> None:
    adj, table = IndicatorAdjustment._meta.db_table, Indicator._meta.db_table
    cursor.execute(
        f"INSERT INTO {adj} (indicator_id, date, document, amount, batch_id) "
        f"SELECT t.id, COALESCE(s.adjust_date, s.issued_date), COALESCE(s.adjust_document, ''), "
        f"s.adjusted_amount, %s FROM {plan.stage} s JOIN {table} t ON t.indicator_no = s.indicator_no "
        f"AND {where} WHERE t.batch_id = %s AND s.adjusted_amount <> 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {adj} a WHERE a.indicator_id = t.id)",
        [batch.pk, *params, batch.pk],
    )


def _upsert_projects(plan, cursor, batch) -> None:
    table = Project._meta.db_table
    cursor.execute(
        f"UPDATE {table} AS t SET name = s.project_name, unit_code = s.unit_code, batch_id = %s "
        f"FROM (SELECT project_code, MAX(project_name) AS project_name, MIN(unit_code) AS unit_code "
        f"FROM {plan.stage} WHERE project_code <> '' GROUP BY project_code) s "
        f"WHERE t.region_code = %s AND t.year = %s AND t.code = s.project_code "
        f"AND (t.name <> s.project_name OR t.unit_code <> s.unit_code)",
        [batch.pk, plan.region, plan.year],
    )
    cursor.execute(
        f"INSERT INTO {table} (region_code, year, code, name, unit_code, batch_id) "
        f"SELECT %s, %s, project_code, MAX(project_name), MIN(unit_code), %s FROM {plan.stage} s "
        f"WHERE project_code <> '' AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.region_code = %s "
        f"AND t.year = %s AND t.code = s.project_code) GROUP BY project_code",
        [plan.region, plan.year, batch.pk, plan.region, plan.year],
    )


def _check_unit_cycles(plan, cursor, error) -> None:
    """A unit may not be its own ancestor once the file is applied."""
    parents = dict(BudgetUnit.objects.filter(region_code=plan.region).values_list("code", "parent_code"))
    lines: dict[str, int] = {}
    cursor.execute(f"SELECT code, parent_code, line FROM {plan.stage}")
    for code, parent, line in cursor.fetchall():
        parents[code] = parent or ""
        lines[code] = line
    for code, line in lines.items():
        seen, current = {code}, parents.get(code, "")
        while current:
            if current in seen:
                error(line, "parent_code", parents.get(code, ""), "上级单位关系形成循环")
                break
            seen.add(current)
            current = parents.get(current, "")


def _refresh_departments(plan: Plan) -> None:
    """主管部门: each unit's top ancestor (a unit without a parent is its own 主管部门)."""
    units = list(
        BudgetUnit.objects.filter(region_code=plan.region).only(
            "id", "code", "parent_code", "department_code"
        )
    )
    parents = {u.code: u.parent_code for u in units}

    def top(code: str) -> str:
        seen = set()
        while parents.get(code) and code not in seen:
            seen.add(code)
            code = parents[code]
        return code

    changed = []
    for unit in units:
        department = top(unit.code)
        if unit.department_code != department:
            unit.department_code = department
            changed.append(unit)
    BudgetUnit.objects.bulk_update(changed, ["department_code"], batch_size=1000)


def rebuild_payment_summary(region: str, year: int) -> None:
    """Recompute the year's :class:`PaymentSummary` from the payments, in one set-based query."""
    summary, payments = PaymentSummary._meta.db_table, Payment._meta.db_table
    month = (
        "CAST(EXTRACT(MONTH FROM pay_date) AS integer)"
        if _is_postgres()
        else "CAST(strftime('%%m', pay_date) AS integer)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {summary} WHERE region_code = %s AND year = %s", [region, year])
        cursor.execute(
            f"INSERT INTO {summary} (region_code, year, month, unit_code, function_code, econ_code, "
            f"budget_type, project_code, amount, payments) "
            f"SELECT region_code, year, {month}, unit_code, function_code, econ_code, budget_type, "
            f"project_code, SUM(amount), COUNT(*) FROM {payments} WHERE region_code = %s AND year = %s "
            f"GROUP BY region_code, year, {month}, unit_code, function_code, econ_code, budget_type, "
            f"project_code",
            [region, year],
        )
        rollup = PaymentRollup._meta.db_table
        cursor.execute(f"DELETE FROM {rollup} WHERE region_code = %s AND year = %s", [region, year])
        cursor.execute(
            f"INSERT INTO {rollup} (region_code, year, month, unit_code, function_code, budget_type, amount, "
            f"payments) SELECT region_code, year, month, unit_code, function_code, budget_type, SUM(amount), "
            f"SUM(payments) FROM {summary} WHERE region_code = %s AND year = %s "
            f"GROUP BY region_code, year, month, unit_code, function_code, budget_type",
            [region, year],
        )


# --- entry points -------------------------------------------------------------------------------


def new_batch(
    *,
    kind: str,
    year: int,
    source: str,
    actor: Any = None,
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


def progress_writer(batch: ImportBatch) -> Progress:
    """Record progress on the batch row (read by the upload page's progress bar)."""

    def write(rows: int, share: float) -> None:
        status = ImportBatch.Status.LOADING if share >= 0.9 else ImportBatch.Status.VALIDATING
        ImportBatch.objects.filter(pk=batch.pk).update(
            processed_rows=rows, progress=min(int(share * 100), 99), status=status
        )

    return write


def import_path(
    *,
    kind: str,
    year: int,
    path: Path,
    batch: ImportBatch,
    actor: Any = None,
    dry_run: bool = False,
    file_format: str = "auto",
    track: bool = True,
) -> ImportResult:
    try:
        source = file_source(path, kind, file_format)
    except UnreadableFile as exc:
        result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk, rejected=1)
        return _finish(result, [ImportError_(1, "", "", str(exc))], batch)
    return run_import(
        kind=kind,
        year=year,
        source=source,
        batch=batch,
        actor=actor,
        dry_run=dry_run,
        progress=progress_writer(batch) if track else None,
    )


def chunks(iterable: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
