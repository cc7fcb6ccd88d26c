# ruff: noqa: S608 - the SQL here is built from model table names and fixed column names only;
# every value travels as a query parameter (or through COPY).
"""The import engine: one file (or API batch) of one kind into the budget facts, all-or-nothing.

How it runs, with bounded memory whatever the file's size:

1. **Stage** — one streaming pass reads the rows in batches of :data:`STAGE_BATCH` and checks
   them *column by column*: a column whose cells are all in their canonical form (``1234.50``,
   ``2025-03-01``, a plain code — :func:`renda.budget.interface.canonical_cell`) is accepted by
   one regular-expression match over the whole column; any other column is parsed cell by cell
   by the data interface's parsers (each distinct value once), which also name every bad cell
   (line, column, value, Chinese reason). Rules across cells (a payment's date in the year, a
   known unit, …) run on the columns too. Clean batches go into a temporary staging table as
   text (``COPY`` on PostgreSQL, ``executemany`` on SQLite); after the first error nothing more
   is staged, but every row is still checked so that every error is reported.
2. **Check** — duplicate keys within the file: none is possible when the keys arrive in strictly
   increasing order (checked per batch, the usual shape of an export); otherwise set-based SQL
   on the staging table finds them, with their lines. Unknown parents likewise. And each amount
   column of the year, in absolute value, adds up to at most :data:`YEAR_TOTAL_LIMIT`, so that
   every sum a page or report takes fits the money columns.
3. **Apply** — if there is no error (and it is not a dry run), one transaction counts
   unchanged/updated/inserted rows against the natural keys, updates changed rows
   (``UPDATE … FROM``), inserts new ones (``INSERT … SELECT``; a load that at least doubles a
   table drops its secondary indexes first and rebuilds them after, which is much faster than
   maintaining them row by row), brings the payment summaries up to date
   (:mod:`renda.budget.payment_summaries`: a year's first payments were summed while they were
   staged; a later load adds what it changes, grouped from the staged rows and the payments they
   replace, group by group) and audits the batch (counts, plus before/after of the first changed
   rows). On SQLite only this step holds the database's write lock (``BEGIN IMMEDIATE``): its
   work grows with the file, not with the year.

Nothing in the facts changes unless step 3 runs, so a bad row anywhere rejects the whole file.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from renda.budget import interface
from renda.budget.bulk import RowWriter, bulk_load, is_postgres
from renda.budget.interface import MONTH, BadValue, Column
from renda.budget.models import (
    BudgetUnit,
    ClassificationItem,
    Debt,
    ImportBatch,
    Indicator,
    IndicatorAdjustment,
    Payment,
    Project,
    Revenue,
)
from renda.budget.payment_summaries import (
    DELTA_SUFFIXES,
    StreamedTotals,
    add_to_payment_summary,
    has_summaries,
    merge_summary_delta,
    rebuild_payment_summary,
    stage_summary_delta,
)
from renda.budget.readers import (
    ArrowUnreadable,
    Table,
    UnreadableFile,
    iter_batches,
    open_table,
    read_datapackage,
)
from renda.core.audit import audit

logger = logging.getLogger("renda.budget.import")

_SCALARS = (int, float, Decimal, dt.date)
STAGE_BATCH = 10_000  # rows read, checked and staged at a time
ARROW_BLOCK_BYTES = 2 << 20  # bytes of a CSV that Arrow reads, checks and stages at a time (small
# batches keep the database busy while the next one is checked)
MAX_ERRORS = 5000  # errors kept and reported (every bad row still counts in ``rejected``)
MAX_AUDITED_CHANGES = 50  # changed rows whose before/after enter the audit trail per batch
PROGRESS_EVERY = 20000  # rows between progress reports, and at least
PROGRESS_SECONDS = 1.0  # seconds
# 金额合计上限 (yuan): each amount column of a year, stored and new rows in absolute value, adds up
# to at most this: a tenth of what a money column holds (18 digits), so that any sum of a year's
# amounts fits, and some thousand times a province's budget (a larger total is a wrong unit).
YEAR_TOTAL_LIMIT = Decimal(10**15)
PAYMENT_ROW_BYTES = 150  # about the size of a payment's CSV row: a file's rows, from its size


@dataclass
class Target:
    """Where a kind lands: the model, its natural key and the fields an import may change."""

    model: Any
    key: tuple[str, ...]  # staged columns that, with region (and year), identify a row
    values: tuple[str, ...]  # staged columns copied to the model's columns of the same name
    yearly: bool = True
    regional: bool = True
    # Optional columns that a file may leave out without clearing what is stored: when the file
    # has no such column, the import neither compares nor writes it (an empty cell still clears it).
    kept_when_absent: tuple[str, ...] = ()


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
    "revenue": Target(
        Revenue,
        ("month", "item_code", "budget_type"),
        ("item_name", "amount", "budget_amount"),
        kept_when_absent=("budget_amount",),
    ),
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
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for benchmarks

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


def _kind_columns(plan: Plan) -> dict[str, Column]:
    """The interface's columns of the plan's kind, by staged column name."""
    return {RENAMES.get(plan.kind, {}).get(c.name, c.name): c for c in interface.SPECS[plan.kind]}


def _sql_type(column: str, kind_columns: dict[str, Column]) -> str:
    col = kind_columns.get(column)
    sql_type = col.sql_type if col else ("money" if column == "current_amount" else "text")
    if column == "level":
        sql_type = "int"
    return {
        "text": "text",
        "money": "numeric(18, 2)" if is_postgres() else "decimal",
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
    keys_sorted: bool = False  # every key of the file came in strictly increasing order
    direct: bool = False  # rows go straight into the target table (:meth:`_Import.direct`)
    first_load: bool = False  # the year holds no payments yet
    streamed: StreamedTotals | None = None  # a first load's summaries, summed while staging
    batch_id: int | None = None
    staged: int = 0  # rows in the staging table
    timings: dict[str, float] = field(default_factory=dict)

    def timed(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - since
        return now


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
    kind_columns = _kind_columns(plan)
    defs = ", ".join(f"{c} {_sql_type(c, kind_columns)}" for c in plan.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {plan.stage} (line integer, {defs})")


def _drop_stage(plan: Plan) -> None:
    with connection.cursor() as cursor:
        for table in (plan.stage, *(f"{plan.stage}{suffix}" for suffix in DELTA_SUFFIXES)):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


# --- checking a batch, column by column ---------------------------------------------------------


@dataclass
class _Rule:
    """How one column of the file is checked: where its cells are, and its fast and full paths."""

    index: int  # the cell's position in a source row
    column: Column
    at: int | None  # position among the staged columns (None: read, checked, not staged)
    order: int  # position among the file's known columns (errors of a row in file order)
    whole: re.Pattern[str] | None  # canonical cells of a whole column, joined by newlines
    text: bool  # free text: trimmed, any characters
    empty: Any  # what an empty optional cell stages as ("" for text columns, else NULL)
    month: bool = False
    cell: str | None = None  # ``whole`` for one cell, anchored (Arrow's RE2 syntax)


def _rule(index: int, column: Column, at: int | None, order: int) -> _Rule:
    cell = interface.canonical_cell(column)
    if cell and not column.required:
        cell = f"(?:{cell})?"
    whole = re.compile(f"(?:{cell}\n)*{cell}") if cell else None
    return _Rule(
        index=index,
        column=column,
        at=at,
        order=order,
        whole=whole,
        text=column.parse is interface.parse_text,
        empty="" if column.sql_type == "text" else None,
        month=column.parse is MONTH,
        cell=f"^(?:{cell})$" if cell else None,
    )


# What ``str.strip`` removes: a text cell starting or ending with one of these needs trimming.
_SPACE = "[" + "".join(re.escape(c) for c in map(chr, range(0x3001)) if c.isspace()) + "]"
_UNTRIMMED = f"^{_SPACE}|{_SPACE}$"


def _all_text(values: Sequence[Any]) -> bool:
    return all(type(v) is str for v in values)


def _true_everywhere(mask: pa.Array) -> bool:
    return bool(pc.all(mask, min_count=0).as_py())  # (an empty mask is true everywhere)


class _Stager:
    """The streaming pass (step 1): checks the rows batch by batch and stages the clean ones."""

    def __init__(self, plan: Plan, columns_at: list[tuple[int, Column]], result, error, errors, text_only):
        self.plan, self.result, self.error, self.errors = plan, result, error, errors
        self.text_only = text_only
        kind = plan.kind
        renames = RENAMES.get(kind, {})
        positions = self.positions = {name: i for i, name in enumerate(plan.columns)}
        self.rules = [
            _rule(index, column, positions.get(renames.get(column.name, column.name)), order)
            for order, (index, column) in enumerate(sorted(columns_at, key=lambda ic: ic[0]))
        ]
        self.need = max(rule.index for rule in self.rules) + 1
        self.first_required = next(r for r in self.rules if r.column.required)
        given = {rule.at for rule in self.rules}
        # Staged columns the file does not give: optional columns (text "" or NULL) and the ones
        # the row rules fill (current amount, level).
        self.absent: list[tuple[int, Any]] = []
        kinds = {renames.get(c.name, c.name): c for c in interface.SPECS[kind]}
        for name, at in positions.items():
            if at not in given:
                column = kinds.get(name)
                self.absent.append((at, "" if column is not None and column.sql_type == "text" else None))
        self.year_start, self.year_end = f"{plan.year}-01-01", f"{plan.year}-12-31"
        self.known_units: set[str] | None = None
        self.known_functions: set[str] | None = None
        self.known_indicators: set[str] | None = None
        if kind in {"indicators", "payments"}:  # units are few: their codes fit in memory
            self.known_units = set(
                BudgetUnit.objects.filter(region_code=plan.region).values_list("code", flat=True)
            )
            functions = set(
                ClassificationItem.objects.filter(year=plan.year, scheme="function").values_list(
                    "code", flat=True
                )
            )
            if ClassificationItem.objects.filter(year=plan.year).exists():
                self.known_functions = functions
        if kind == "payments":
            self.known_indicators = set(
                Indicator.objects.filter(region_code=plan.region, year=plan.year).values_list(
                    "indicator_no", flat=True
                )
            )
        self.unknown_functions = self.unknown_indicators = 0
        self.arrow_sets = {
            name: pa.array(sorted(known), pa.string())
            for name, known in (
                ("unit_code", self.known_units),
                ("function_code", self.known_functions),
                ("indicator_no", self.known_indicators),
            )
            if known is not None
        }
        self.key_at = positions[plan.target.key[0]] if len(plan.target.key) == 1 else None
        plan.keys_sorted = self.key_at is not None
        self.last_key: Any = None
        if plan.direct:  # straight into the payments, with the columns every row shares
            self.shared = [plan.region, str(plan.year), str(plan.batch_id)]
            self.writer = RowWriter(
                Payment._meta.db_table, [*plan.columns, "region_code", "year", "batch_id"]
            )
        else:
            self.writer = RowWriter(plan.stage, ["line", *plan.columns])
        # A year's first payments (applied, not a dry run): summed for the summaries as they go.
        plan.streamed = StreamedTotals() if plan.first_load and not result.dry_run else None

    # -- one batch ------------------------------------------------------------------------------

    def batch(self, lines: Sequence[int], rows: list[list[Any]]) -> None:
        need = self.need
        if rows and min(map(len, rows)) < need:  # short rows: the missing cells are empty
            rows = [r if len(r) >= need else [*r, *([""] * (need - len(r)))] for r in rows]
        text = self.text_only or all(map(_all_text, rows))
        columns = list(zip(*rows, strict=False))  # rows may be longer than needed
        blank = self._blank_rows(columns[self.first_required.index], rows, text)
        if blank:
            keep = [i for i in range(len(rows)) if i not in blank]
            lines, rows = [lines[i] for i in keep], [rows[i] for i in keep]
            if not rows:
                return
            columns = list(zip(*rows, strict=False))  # rows may be longer than needed
        n = len(rows)
        self.result.rows += n
        problems: list[tuple[int, int, int, str, Any, str]] = []  # row, phase, order, column, value, why
        out: list[Any] = [None] * len(self.plan.columns)
        for rule in self.rules:
            cells = columns[rule.index]
            values, bad = self._column(cells, rule, text)
            problems.extend((i, 0, rule.order, rule.column.name, cells[i], why) for i, why in bad)
            if rule.at is not None:
                out[rule.at] = values
        for at, value in self.absent:
            out[at] = [value] * n
        bad_rows = {p[0] for p in problems}
        self._row_rules(out, n, bad_rows, problems)
        self._unit_rule(out, bad_rows, problems)
        if problems:
            for i, _phase, _order, column, value, why in sorted(problems, key=lambda p: p[:3]):
                self.error(lines[i], column, value, why)
            return
        if self.errors:  # after the first error nothing more is staged (every row is still checked)
            return
        self._stage(lines, [pa.array(values, pa.string()) for values in out], n)

    # -- one batch of a CSV, read by Arrow ------------------------------------------------------

    def arrow_batch(self, first_line: int, batch: pa.RecordBatch) -> None:
        """A batch that Arrow's CSV parser read (text columns ``c0``, ``c1``, … in file order).

        The fast path of :meth:`batch`: when every cell of a payment batch is in its canonical
        form and the row rules hold, Arrow's vectorised kernels check it and it is staged with no
        Python step per cell. Any other batch goes through :meth:`batch`, cell by cell, which
        names every bad cell."""
        n = batch.num_rows
        lines = range(first_line, first_line + n)
        out = self._arrow_checked(batch) if self.plan.kind == "payments" else None
        if out is None:
            columns = [column.to_pylist() for column in batch.columns]
            self.batch(lines, [list(row) for row in zip(*columns, strict=True)])
            return
        self.result.rows += n
        if not self.errors:
            self._stage(lines, out, n)

    def _arrow_checked(self, batch: pa.RecordBatch) -> list[Any] | None:
        """The staged columns of a batch whose every cell passes its column's canonical form and
        whose rows pass the row rules; ``None`` when any does not (the slow path decides)."""
        n = batch.num_rows
        out: list[Any] = [None] * len(self.plan.columns)
        for rule in self.rules:
            column = batch.column(rule.index)
            if rule.text:
                limit = rule.column.max_length
                if (
                    (rule.column.required and pc.any(pc.equal(column, "")).as_py())
                    or (limit and (pc.max(pc.utf8_length(column)).as_py() or 0) > limit)
                    or pc.any(pc.match_substring_regex(column, _UNTRIMMED)).as_py()
                    or pc.any(pc.match_substring(column, "\x00")).as_py()
                ):
                    return None
            elif rule.cell is not None:
                pattern = rule.cell if rule.column.required else f"^(?:{rule.cell[1:-1]})?$"
                if not _true_everywhere(pc.match_substring_regex(column, pattern)):
                    return None
                if rule.empty is None and not rule.column.required:  # an empty number or date: NULL
                    column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
            else:
                return None
            if rule.at is not None:
                out[rule.at] = column
        for at, value in self.absent:
            out[at] = pa.nulls(n, pa.string()) if value is None else pa.array([value] * n, pa.string())
        at = self.positions
        low, high = pc.min_max(out[at["pay_date"]]).values()
        if n and not (self.year_start <= low.as_py() and high.as_py() <= self.year_end):
            return None
        if "unit_code" in self.arrow_sets and not _true_everywhere(
            pc.is_in(out[at["unit_code"]], value_set=self.arrow_sets["unit_code"])
        ):
            return None
        return out

    def _blank_rows(self, first: Sequence[Any], rows: list[list[Any]], text: bool) -> set[int]:
        """Rows with nothing in them (skipped, keeping their line numbers). A blank row has an
        empty first required cell, so only rows with one are looked at."""
        if text and min(map(len, map(str.strip, first))) > 0:
            return set()
        candidates = [i for i, v in enumerate(first) if not v or (type(v) is str and v.isspace())]
        return {
            i
            for i in candidates
            if not any(rows[i]) or not "".join(str(c) for c in rows[i] if c is not None).strip()
        }

    def _column(self, cells: Sequence[Any], rule: _Rule, text: bool) -> tuple[Sequence[Any], list]:
        """The staged values of one column of a batch, and its bad cells ``(row, reason)``."""
        if text and rule.text:
            values = list(map(str.strip, cells))
            limit = rule.column.max_length
            if (
                (not rule.column.required or "" not in values)
                and (not limit or max(map(len, values)) <= limit)
                and "\x00" not in "".join(values)
            ):
                return values, []
        elif text and rule.whole is not None:
            joined = "\n".join(cells)
            if rule.whole.fullmatch(joined) and joined.count("\n") == len(cells) - 1:
                if rule.empty is None and "" in cells:  # an optional number or date left empty
                    return [v or None for v in cells], []
                return cells, []
        return self._cells(cells, rule)

    def _cells(self, cells: Sequence[Any], rule: _Rule) -> tuple[list[Any], list[tuple[int, str]]]:
        """The full path: every cell through the interface's parser (each distinct value once)."""
        column, year = rule.column, self.plan.year
        header, limit, parse = column.header, column.max_length, column.parse

        def convert(raw: Any) -> tuple[bool, Any]:
            if raw is None or raw == "" or (type(raw) is str and raw.isspace()):
                return (False, f"{header}不能为空") if column.required else (True, rule.empty)
            if type(raw) is not str and (isinstance(raw, bool) or not isinstance(raw, _SCALARS)):
                return False, "值的类型不正确"
            try:
                value = interface.parse_month(raw, year) if rule.month else parse(raw)
            except BadValue as exc:
                return False, str(exc)
            if limit and len(value) > limit:
                return False, f"{header}超过 {limit} 个字符"
            if type(value) is str and "\x00" in value:
                return False, "含有不允许的控制字符"
            return True, interface.canonical_text(value)

        values: list[Any] = []
        bad: list[tuple[int, str]] = []
        seen: dict[tuple[type, Any], tuple[bool, Any]] = {}
        for i, raw in enumerate(cells):
            try:
                key = (type(raw), raw)
                hit = seen.get(key)
                if hit is None:
                    hit = seen[key] = convert(raw)
            except TypeError:  # an unhashable value (a list or object in a JSON row)
                hit = convert(raw)
            ok, value = hit
            if ok:
                values.append(value)
            else:
                values.append(None)
                bad.append((i, value))
        return values, bad

    def _row_rules(self, out: list[Any], n: int, bad_rows: set[int], problems: list) -> None:
        """Rules across the cells of a row (on rows whose cells all parsed)."""
        at, kind = self.positions, self.plan.kind
        good = range(n) if not bad_rows else [i for i in range(n) if i not in bad_rows]
        if kind == "payments":
            dates = out[at["pay_date"]]
            start, end = self.year_start, self.year_end
            if bad_rows or not (start <= min(dates) and max(dates) <= end):
                why = f"支付日期不在 {self.plan.year} 年度内"
                problems.extend(
                    (i, 1, 0, "pay_date", dates[i], why) for i in good if not start <= dates[i] <= end
                )
        elif kind == "indicators":
            original, adjusted = out[at["original_amount"]], out[at["adjusted_amount"]]
            if None in adjusted:
                adjusted = out[at["adjusted_amount"]] = ["0.00" if a is None else a for a in adjusted]
            out[at["current_amount"]] = [
                None if o is None else str(Decimal(o) + Decimal(a))
                for o, a in zip(original, adjusted, strict=True)
            ]
        elif kind == "classification":
            schemes, codes, parents = out[at["scheme"]], out[at["code"]], out[at["parent_code"]]
            levels = out[at["level"]] = list(out[at["level"]])
            parents = out[at["parent_code"]] = list(parents)
            for i in good:
                code = codes[i]
                try:
                    if schemes[i] == "function":
                        interface.parse_function_code(code)
                    else:
                        interface.parse_econ_code(code)
                except BadValue as exc:
                    problems.append((i, 1, 0, "code", code, str(exc)))
                    continue
                levels[i] = str({3: 1, 5: 2, 7: 3}[len(code)])
                parent, expected = parents[i] or "", code[:-2] if len(code) > 3 else ""
                if parent and parent != expected:
                    problems.append((i, 1, 0, "parent_code", parent, f"上级编码应为 {expected}"))
                    continue
                parents[i] = expected
        elif kind == "units":
            codes, parents = out[at["code"]], out[at["parent_code"]]
            problems.extend(
                (i, 1, 0, "parent_code", parents[i], "上级单位不能是本单位")
                for i in good
                if parents[i] and parents[i] == codes[i]
            )

    def _unit_rule(self, out: list[Any], bad_rows: set[int], problems: list) -> None:
        if self.known_units is None:
            return
        units = out[self.positions["unit_code"]]
        unknown = set(units) - self.known_units - {None}
        if unknown:
            why = "单位编码不存在（请先导入预算单位）"
            problems.extend(
                (i, 2, 0, "unit_code", u, why)
                for i, u in enumerate(units)
                if u in unknown and i not in bad_rows
            )

    def _stage(self, lines: Sequence[int], out: list[pa.Array], n: int) -> None:
        plan = self.plan
        if plan.keys_sorted and self.key_at is not None:
            keys = out[self.key_at]
            if (self.last_key is not None and keys[0].as_py() <= self.last_key) or not _true_everywhere(
                pc.greater(keys.slice(1), keys.slice(0, n - 1))
            ):
                plan.keys_sorted = False
                if plan.direct:  # a repeated key must be found with its lines: stage the file
                    raise _Restage("keys out of order")
            self.last_key = keys[n - 1].as_py()
        if self.known_functions is not None:
            functions = out[self.positions["function_code"]]
            self.unknown_functions += (
                n - pc.sum(pc.is_in(functions, value_set=self.arrow_sets["function_code"])).as_py()
            )
        if self.known_indicators is not None:
            numbers = out[self.positions["indicator_no"]]
            known = pc.or_(
                pc.equal(numbers, ""), pc.is_in(numbers, value_set=self.arrow_sets["indicator_no"])
            )
            self.unknown_indicators += n - pc.sum(known).as_py()
        if plan.direct:
            self.writer.write([*out, *(pa.array([value] * n, pa.string()) for value in self.shared)])
        else:
            self.writer.write([pa.array(lines, pa.int64()), *out])
        if plan.streamed is not None:
            plan.streamed.add({name: out[self.positions[name]] for name in StreamedTotals.COLUMNS})
        plan.staged += n

    def warnings(self) -> list[str]:
        """Warnings that do not reject the file: codes outside the year's classification,
        payments naming an indicator that is not (yet) loaded."""
        year, found = self.plan.year, []
        if self.unknown_functions:
            found.append(f"{self.unknown_functions} 行的功能分类编码不在 {year} 年度分类表中")
        if self.unknown_indicators:
            found.append(f"{self.unknown_indicators} 笔支付的指标编号在 {year} 年度指标中不存在")
        return found


# --- the import ---------------------------------------------------------------------------------


def _stage_batches(table: Table, stager: _Stager, *, arrow: bool) -> Iterator[None]:
    """Feeds the table's rows to the stager a batch at a time, yielding after each batch."""
    if arrow and table.arrow_batches is not None:
        line = 2  # the first data row
        for batch in table.arrow_batches(ARROW_BLOCK_BYTES):
            stager.arrow_batch(line, batch)
            line += batch.num_rows
            yield
        return
    for lines, rows in iter_batches(table, STAGE_BATCH):
        stager.batch(lines, rows)
        yield


Progress = Callable[[int, float], None]


class _Restage(Exception):
    """A direct load gives way to the staged one (keys out of order, a key already stored, or a
    file Arrow declines): its transaction is rolled back and the file is read again."""

    def __init__(self, why: str, *, arrow: bool = True):
        super().__init__(why)
        self.arrow = arrow


@dataclass
class _Import:
    """One run of :func:`run_import`: the file, the plan, and the outcome being gathered."""

    plan: Plan
    table: Table
    columns_at: list[tuple[int, Column]]
    result: ImportResult
    error: Callable[[int, str, Any, str], None]
    errors: list[ImportError_]
    batch: ImportBatch
    actor: Any
    dry_run: bool
    progress: Progress | None
    warnings_kept: int = 0  # warnings given before the rows were read (the headers')

    def __post_init__(self) -> None:
        self.warnings_kept = len(self.result.warnings)

    def stage(self, *, arrow: bool) -> _Stager:
        """Step 1, with progress: check every row, stage the clean ones."""
        stager = _Stager(
            self.plan, self.columns_at, self.result, self.error, self.errors, self.table.text_only
        )
        reported, reported_at = 0, time.perf_counter()
        try:
            for _ in _stage_batches(self.table, stager, arrow=arrow):
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
            self.error(1, "", "", "文件没有数据行")
        return stager

    def staged(self, *, arrow: bool) -> None:
        """Stage, check, then apply in one transaction (steps 1–3)."""
        plan, result, errors = self.plan, self.result, self.errors
        _create_stage(plan)
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
            _check_stage(plan, self.error)
            _check_year_totals(plan, self.error)
            since = plan.timed("check", since)
        if errors:
            return
        result.warnings.extend(stager.warnings())
        if self.progress:
            self.progress(result.rows, 0.95)
        try:
            with transaction.atomic():
                _apply(plan, result, self.batch, self.actor, self.error)
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
                        _check_year_totals(plan, self.error)
                    if errors:
                        raise Rejected
                result.warnings.extend(stager.warnings())
                if self.progress:
                    self.progress(result.rows, 0.95)
                _apply(plan, result, self.batch, self.actor, self.error)
                since = time.perf_counter()
        except Rejected:
            pass
        except ArrowUnreadable as exc:
            raise _Restage(str(exc), arrow=False) from exc
        except (IntegrityError, psycopg.IntegrityError) as exc:  # stored meanwhile by another import
            raise _Restage(str(exc)) from exc
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
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``source`` as ``kind`` for fiscal ``year``, recording the outcome on ``batch``."""
    result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk)
    plan = _plan(kind, year)
    plan.batch_id = batch.pk
    plan.first_load = (
        kind == "payments" and not Payment.objects.filter(region_code=plan.region, year=year).exists()
    )
    table = source.table
    errors: list[ImportError_] = []
    bad_lines: set[int] = set()

    def error(line: int, column: str, value: Any, message: str) -> None:
        if line not in bad_lines:
            bad_lines.add(line)
            result.rejected += 1
        if len(errors) < MAX_ERRORS:
            shown = "" if value is None else str(value)[:200].replace("\x00", "\u2400")  # NUL: ␀
            errors.append(ImportError_(line, column.replace("\x00", "\u2400"), shown, message))

    try:
        columns_at = _map_headers(kind, table.headers, source.rename, result, error)
        if columns_at is None:
            return _finish(result, errors, batch)
        _leave_absent_columns(plan, columns_at)
        if connection.vendor == "sqlite":
            # a larger page cache for the bulk load (128 MiB), and no memory map: a bulk load reads
            # the file through once, and mapped pages would count in the worker's resident memory
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -131072")
                cursor.execute("PRAGMA mmap_size = 0")
        run = _Import(plan, table, columns_at, result, error, errors, batch, actor, dry_run, progress)
        arrow = table.arrow_batches is not None and kind == "payments"
        try:
            if arrow and is_postgres() and not dry_run and plan.first_load:
                try:
                    run.direct()
                    return _finish(result, errors, batch)
                except _Restage as exc:
                    logger.info("import %s %s: staged after all (%s)", kind, year, exc)
                    bad_lines.clear()
                    run.restart()
                    arrow = exc.arrow
            run.staged(arrow=arrow)
        finally:
            _drop_stage(plan)
    except UnreadableFile as exc:
        error(exc.line, exc.column, "", str(exc))
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
        warnings=[w.replace("\x00", "\u2400") for w in result.warnings[:100]],
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    return result


def _leave_absent_columns(plan: Plan, columns_at: list[tuple[int, Column]]) -> None:
    renames = RENAMES.get(plan.kind, {})
    present = {renames.get(column.name, column.name) for _, column in columns_at}
    absent = {name for name in plan.target.kept_when_absent if name not in present}
    if absent:
        values = tuple(v for v in plan.target.values if v not in absent)
        plan.target = replace(plan.target, values=values)


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
    """Set-based checks on the staged rows: duplicate keys, unknown parents.

    Keys that arrived in strictly increasing order cannot repeat, so a sorted file skips the
    duplicate search (and the index it needs)."""
    key = ", ".join(plan.target.key)
    with connection.cursor() as cursor:
        if not plan.keys_sorted or plan.kind in {"units", "classification", "indicators"}:
            cursor.execute(f"CREATE INDEX {plan.stage}_key ON {plan.stage} ({key}, line)")
        if is_postgres():  # temporary tables are never auto-analysed: give the planner their size
            cursor.execute(f"ANALYZE {plan.stage}")
        if not plan.keys_sorted:
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


def _check_year_totals(plan: Plan, error) -> None:
    """金额合计上限: each amount column of the interface, over the year's stored rows and the new
    ones, adds up in absolute value to at most :data:`YEAR_TOTAL_LIMIT` (else a file-level error
    names the column). Stored rows count whole, even those the file replaces: a bound suffices.

    A year's first payments were summed while they streamed in (nothing is stored yet)."""
    table = plan.target.model._meta.db_table
    where, params = _where_target(plan)
    total = "SUM" if is_postgres() else "TOTAL"  # SQLite's TOTAL: a float, which cannot overflow
    # SQLite would seek the year through an index and read its rows out of order: 1.4 s at 10^6
    # payments, against 0.16 s for reading the table through
    scan = "" if is_postgres() else "NOT INDEXED"
    with connection.cursor() as cursor:
        for name, column in _kind_columns(plan).items():
            if column.sql_type != "money" or name not in plan.columns:
                continue
            if plan.streamed is not None and name == "amount":
                magnitude = Decimal(plan.streamed.magnitude())
            else:
                cursor.execute(f"SELECT {total}(ABS({name})) FROM {plan.stage}")
                staged = cursor.fetchone()[0] or 0
                cursor.execute(f"SELECT {total}(ABS(t.{name})) FROM {table} t {scan} WHERE {where}", params)
                magnitude = Decimal(staged) + Decimal(cursor.fetchone()[0] or 0)
            if magnitude > YEAR_TOTAL_LIMIT:
                error(
                    1,
                    name,
                    f"{magnitude:,.2f}",
                    f"本年度{column.header}的绝对值合计（含已导入的数据）超过 {YEAR_TOTAL_LIMIT:,} 元的"
                    "上限：请核对金额的单位（元）",
                )


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}"


def _apply(plan: Plan, result: ImportResult, batch: ImportBatch, actor: Any, error) -> None:
    target, stage = plan.target, plan.stage
    table = target.model._meta.db_table
    where, params = _where_target(plan)
    join = _join_key(plan)
    differs = " OR ".join(_distinct(f"t.{v}", f"s.{v}") for v in target.values)
    since = time.perf_counter()
    with connection.cursor() as cursor:
        if is_postgres():  # room to hash and sort in memory (this transaction only)
            cursor.execute("SET LOCAL work_mem = '256MB'")
        staged = plan.staged
        if not plan.direct:
            cursor.execute(f"SELECT 1 FROM {table} t WHERE {where} LIMIT 1", params)
        if plan.direct or cursor.fetchone() is None:  # nothing stored yet for the year: all new
            matched = changed = 0
        else:
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {differs} THEN 1 ELSE 0 END), 0) "
                f"FROM {stage} s JOIN {table} t ON {join} AND {where}",
                params,
            )
            matched, changed = (int(v) for v in cursor.fetchone())
        result.inserted, result.updated, result.unchanged = staged - matched, changed, matched - changed
        since = plan.timed("compare", since)
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
        # A year whose summaries are kept: what this import changes in them, from the staged rows
        # and the payments they replace (before these change), merged in after the writes.
        merge_summaries = (
            plan.kind == "payments"
            and (changed or staged - matched)
            and not result.dry_run
            and not plan.direct
            and has_summaries(plan.region, plan.year)
        )
        if merge_summaries:
            stage_summary_delta(plan, cursor, stored=bool(matched))
            since = plan.timed("summary delta", since)
        if changed:
            sets = ", ".join(f"{v} = s.{v}" for v in target.values)
            cursor.execute(
                f"UPDATE {table} AS t SET {sets}, batch_id = %s FROM {stage} s "
                f"WHERE {join} AND {where} AND ({differs})",
                [batch.pk, *params],
            )
            since = plan.timed("update", since)
        if staged - matched and not plan.direct:
            _insert_new(plan, cursor, batch, table, where, params, join, matched, staged - matched)
            since = time.perf_counter()
        if plan.kind == "indicators":
            _record_first_adjustments(plan, cursor, batch, where, params)
            since = plan.timed("adjustments", since)
            _upsert_projects(plan, cursor, batch)
            since = plan.timed("projects", since)
        if plan.kind == "units":
            _refresh_departments(plan)
        if merge_summaries:
            merge_summary_delta(plan, cursor)
            since = time.perf_counter()
        elif plan.kind == "payments" and (changed or staged - matched) and not result.dry_run:
            if matched or not plan.first_load:  # payments were stored, but no summaries
                rebuild_payment_summary(plan.region, plan.year)
            else:  # the year's first payments
                add_to_payment_summary(
                    plan, cursor, batch, whole_stage=not plan.direct, streamed=plan.streamed
                )
            since = plan.timed("summary", since)
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


def _insert_new(plan, cursor, batch, table, where, params, join, matched, new) -> None:
    """Insert the staged rows whose key is not stored yet (all of them when nothing matched)."""
    target = plan.target
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
    sql = (
        f"INSERT INTO {table} ({', '.join([*cols, *extra_cols])}) "
        f"SELECT {select_cols}, {', '.join(extra_vals)} FROM {plan.stage} s"
    )
    if matched:
        sql += f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {join} AND {where})"
        insert_params += params
    if not plan.keys_sorted:  # in key order, which keeps the unique index's pages in order
        sql += f" ORDER BY {', '.join(f's.{k}' for k in target.key)}"
    since = time.perf_counter()
    with bulk_load(plan, cursor, table, new):
        cursor.execute(sql, insert_params)
        plan.timed("insert", since)


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
    """Record progress on the batch row (read by the upload page's progress bar). While the
    import's own transaction is open (a direct load on PostgreSQL), through a connection of its
    own, so that the page sees it before the commit."""
    table = ImportBatch._meta.db_table

    def write(rows: int, share: float) -> None:
        status = ImportBatch.Status.LOADING if share >= 0.9 else ImportBatch.Status.VALIDATING
        values = {"processed_rows": rows, "progress": min(int(share * 100), 99), "status": status}
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
    actor: Any = None,
    dry_run: bool = False,
    file_format: str = "auto",
    track: bool = True,
) -> ImportResult:
    try:
        source = file_source(path, kind, file_format)
    except UnreadableFile as exc:
        result = ImportResult(kind=kind, year=year, dry_run=dry_run, batch_id=batch.pk, rejected=1)
        return _finish(result, [ImportError_(exc.line, exc.column, "", str(exc))], batch)
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
