# ruff: noqa: S608 - the SQL here is built from model table names and fixed column names only;
# every value travels as a query parameter (or through COPY).
"""Step 1, stage: the plan of an import, the staging table and the streaming pass that reads the
rows in batches, checks them column by column and stages the clean ones."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from renda.budget import interface
from renda.budget.import_engine.bulk import RowWriter, is_postgres
from renda.budget.import_engine.sources import Table, iter_batches
from renda.budget.import_engine.summaries import DELTA_SUFFIXES, StreamedTotals
from renda.budget.interface import MONTH, BadValue, Column
from renda.budget.models import (
    BudgetUnit,
    ClassificationItem,
    Debt,
    Indicator,
    Payment,
    Revenue,
)
from renda.core.words import Words, say

_SCALARS = (int, float, Decimal, dt.date)
STAGE_BATCH = 10_000  # rows read, checked and staged at a time
ARROW_BLOCK_BYTES = 2 << 20  # bytes of a CSV that Arrow reads, checks and stages at a time (small
# batches keep the database busy while the next one is checked)


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


# --- staging ------------------------------------------------------------------------------------


def kind_columns(plan: Plan) -> dict[str, Column]:
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


def make_plan(kind: str, year: int) -> Plan:
    target = TARGETS[kind]
    columns = list(dict.fromkeys([*target.key, *target.values]))
    if kind == "indicators":
        columns += ["project_name", "adjust_date", "adjust_document"]
    if kind == "units":
        columns = ["code", "name", "parent_code", "kind"]
    stage = f"budget_stage_{kind}_{os.getpid()}_{abs(hash((kind, year, timezone.now()))) % 10**8}"
    return Plan(kind, year, settings.RENDA_REGION_CODE, target, columns, stage)


def create_stage(plan: Plan) -> None:
    columns = kind_columns(plan)
    defs = ", ".join(f"{c} {_sql_type(c, columns)}" for c in plan.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {plan.stage} (line integer, {defs})")


def drop_stage(plan: Plan) -> None:
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


class Stager:
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
        problems: list[tuple[int, int, int, str, Any, Words]] = []  # row, phase, order, column, value, why
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
        positions = self.positions
        low, high = pc.min_max(out[positions["pay_date"]]).values()
        if n and not (self.year_start <= low.as_py() and high.as_py() <= self.year_end):
            return None
        if "unit_code" in self.arrow_sets and not _true_everywhere(
            pc.is_in(out[positions["unit_code"]], value_set=self.arrow_sets["unit_code"])
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

    def _cells(self, cells: Sequence[Any], rule: _Rule) -> tuple[list[Any], list[tuple[int, Words]]]:
        """The full path: every cell through the interface's parser (each distinct value once)."""
        column, year = rule.column, self.plan.year
        header, limit, parse = column.header, column.max_length, column.parse

        def convert(raw: Any) -> tuple[bool, Any]:
            if raw is None or raw == "" or (type(raw) is str and raw.isspace()):
                return (
                    (False, say(gettext_noop("%(column)s is empty"), column=header))
                    if column.required
                    else (True, rule.empty)
                )
            if type(raw) is not str and (isinstance(raw, bool) or not isinstance(raw, _SCALARS)):
                return False, say(gettext_noop("The value is of the wrong type"))
            try:
                value: Any = interface.parse_month(raw, year) if rule.month else parse(raw)
            except BadValue as exc:
                return False, exc.words
            if limit and len(value) > limit:
                return False, say(
                    gettext_noop("%(column)s is longer than %(limit)s characters"),
                    column=header,
                    limit=str(limit),
                )
            if type(value) is str and "\x00" in value:
                return False, say(gettext_noop("Contains a control character that is not allowed"))
            return True, interface.canonical_text(value)

        values: list[Any] = []
        bad: list[tuple[int, Words]] = []
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
                why = say(
                    gettext_noop("The payment date is not in the fiscal year %(year)s"),
                    year=str(self.plan.year),
                )
                problems.extend(
                    (i, 1, 0, "pay_date", dates[i], why) for i in good if not start <= dates[i] <= end
                )
        elif kind == "indicators":
            original, adjusted = out[at["original_amount"]], out[at["adjusted_amount"]]
            if None in adjusted:
                adjusted = out[at["adjusted_amount"]] = ["0.00" if a is None else a for a in adjusted]
            current: list[str | None] = []
            for i, (o, a) in enumerate(zip(original, adjusted, strict=True)):
                total = None if o is None else Decimal(o) + Decimal(a)
                if total is not None and abs(total) > interface.MAX_AMOUNT:  # each in range, the sum not
                    why = say(gettext_noop("The current amount (approved plus adjustment) is out of range"))
                    problems.append((i, 1, 0, "adjusted_amount", a, why))
                    total = None
                current.append(None if total is None else str(total))
            out[at["current_amount"]] = current
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
                    problems.append((i, 1, 0, "code", code, exc.words))
                    continue
                levels[i] = str({3: 1, 5: 2, 7: 3}[len(code)])
                parent, expected = parents[i] or "", code[:-2] if len(code) > 3 else ""
                if parent and parent != expected:
                    problems.append(
                        (
                            i,
                            1,
                            0,
                            "parent_code",
                            parent,
                            say(gettext_noop("The parent code must be %(code)s"), code=expected),
                        )
                    )
                    continue
                parents[i] = expected
        elif kind == "units":
            codes, parents = out[at["code"]], out[at["parent_code"]]
            problems.extend(
                (i, 1, 0, "parent_code", parents[i], say(gettext_noop("A unit cannot be its own parent")))
                for i in good
                if parents[i] and parents[i] == codes[i]
            )

    def _unit_rule(self, out: list[Any], bad_rows: set[int], problems: list) -> None:
        if self.known_units is None:
            return
        units = out[self.positions["unit_code"]]
        unknown = set(units) - self.known_units - {None}
        if unknown:
            why = say(gettext_noop("No such unit code (import the budget units first)"))
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
                    raise Restage("keys out of order")
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
            found.append(
                gettext(
                    "%(n)s rows have a functional classification code outside the %(year)s classification"
                )
                % {"n": self.unknown_functions, "year": year}
            )
        if self.unknown_indicators:
            found.append(
                gettext("%(n)s payments name an indicator number the %(year)s indicators lack")
                % {"n": self.unknown_indicators, "year": year}
            )
        return found


def stage_batches(table: Table, stager: Stager, *, arrow: bool) -> Iterator[None]:
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


class Restage(Exception):
    """A direct load gives way to the staged one (keys out of order, a key already stored, or a
    file Arrow declines): its transaction is rolled back and the file is read again."""

    def __init__(self, why: str, *, arrow: bool = True):
        super().__init__(why)
        self.arrow = arrow


def leave_absent_columns(plan: Plan, columns_at: list[tuple[int, Column]]) -> None:
    renames = RENAMES.get(plan.kind, {})
    present = {renames.get(column.name, column.name) for _, column in columns_at}
    absent = {name for name in plan.target.kept_when_absent if name not in present}
    if absent:
        values = tuple(v for v in plan.target.values if v not in absent)
        plan.target = replace(plan.target, values=values)


def map_headers(kind, headers, rename, result, error) -> list[tuple[int, Column]] | None:
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
                result.warnings.append(gettext("Unknown column “%(name)s” ignored") % {"name": text})
            continue
        if column.name in seen:
            error(1, text, text, say(gettext_noop("The column appears twice")))
            continue
        seen.add(column.name)
        found.append((index, column))
    missing = [c for c in interface.SPECS[kind] if c.required and c.name not in seen]
    for column in missing:
        error(
            1,
            column.name,
            "",
            say(
                gettext_noop("A required column is missing: %(name)s (%(header)s)"),
                name=column.name,
                header=column.header,
            ),
        )
    if missing or not found:
        if not headers:
            error(1, "", "", say(gettext_noop("The file has no header row")))
        return None
    return found
