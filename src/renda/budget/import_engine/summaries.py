# ruff: noqa: S608 - the SQL here is built from model table names and fixed column names only;
# every value travels as a query parameter (or through COPY).
"""The payment summaries (支付汇总) kept up to date by every payments import.

The query pages read :class:`PaymentSummary` (per unit × functional code × economic code ×
budget type × project × month), its coarser :class:`PaymentRollup` (without economic code and
project) and :class:`PaymentClassSummary` (without unit and project), and :class:`PayeeSummary`,
instead of the payments. A year's first payments are summed while they stream in
(:class:`StreamedTotals`); an import that later adds or changes payments changes the summaries by
the totals of what it changes (:func:`stage_summary_delta`, :func:`merge_summary_delta`), at a
cost that grows with the rows it brings, not with the year.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from renda.budget.import_engine.bulk import RowWriter, bulk_load, is_postgres
from renda.budget.models import (
    ImportBatch,
    PayeeSummary,
    Payment,
    PaymentClassSummary,
    PaymentRollup,
    PaymentSummary,
)
from renda.core.money import money_sql, money_sum_sql

SUMMARY_KEY = ("unit_code", "function_code", "budget_type", "month", "econ_code", "project_code")
ROLLUP_KEY = ("unit_code", "function_code", "budget_type", "month")
CLASS_KEY = ("function_code", "budget_type", "month", "econ_code")
PAYEE_KEY = ("month", "payee_name", "payee_type")
# the temporary tables of an import's summary deltas: the staging table's name and these
DELTA_SUFFIXES = ("_sum", "_roll", "_class", "_payee", "_signed")
logger = logging.getLogger("renda.budget.import")
_SUMMED = [("amount", "sum"), ("payments", "sum")]  # Arrow's aggregations of folded totals


def month_sql(column: str = "pay_date") -> str:
    if is_postgres():
        return f"CAST(EXTRACT(MONTH FROM {column}) AS integer)"
    return f"CAST(strftime('%%m', {column}) AS integer)"


class _Codes:
    """A column's distinct texts, each numbered in order of first appearance (a global
    dictionary across batches, which Arrow's per-array dictionaries are not)."""

    def __init__(self) -> None:
        self.values = pa.array([], pa.string())

    def of(self, column: pa.Array) -> pa.Array:
        """The codes (int64) of ``column``'s cells, numbering the texts not seen before."""
        encoded = pc.dictionary_encode(column)
        local = encoded.dictionary
        known = pc.index_in(local, value_set=self.values)
        if known.null_count:
            self.values = pa.concat_arrays([self.values, local.filter(pc.is_null(known))])
            known = pc.index_in(local, value_set=self.values)
        return pc.take(pc.cast(known, pa.int64()), encoded.indices)


class StreamedTotals:
    """The three summaries' totals of a year's first payments, summed while they stream in.

    Each text of a key (unit, functional and economic code, project, payee, payee type) gets a
    number (:class:`_Codes`), and a row's keys are packed into 64-bit integers, so that Arrow groups
    integers, not text: the batches collect until :attr:`FOLD_ROWS` rows and are then folded into
    the totals in one grouping. Memory holds the summaries' groups and one fold's rows, never the
    year's payments; the database writes the summaries without a second pass over the payments
    (at 10^7 payments that pass took PostgreSQL 26 s: two hash aggregates of every row).

    The cells are the staged text: dates ``2025-03-01``, amounts ``1234.50`` (two decimals, summed
    exactly as fen), budget types ``1``–``4``."""

    COLUMNS = ("pay_date", "amount", *(k for k in (*SUMMARY_KEY, *PAYEE_KEY) if k != "month"))
    FOLD_ROWS = 2_000_000
    # the bits each column's codes are packed in (more texts than fit: the database sums instead)
    _BITS = {
        "unit_code": 31,
        "function_code": 24,
        "econ_code": 31,
        "project_code": 32,
        "payee_name": 31,
        "payee_type": 2,
    }
    _FEN_LIMIT = 2.0**62  # sums of amounts (fen) stay below it in 64-bit integers

    def __init__(self) -> None:
        self.codes = {name: _Codes() for name in self._BITS}
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._totals: dict[str, pa.Table] = {}
        self.overflow = False  # the totals cannot be kept: the database sums instead
        self._magnitude = 0.0  # the sum of the amounts' absolute values (fen)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="renda-streamed-totals")
        self._adding: Future[None] | None = None

    def add(self, cells: Mapping[str, pa.Array]) -> None:
        """One staged batch: its columns by name (:attr:`COLUMNS`). It is summed by a worker
        thread, one batch at a time, while the import reads and writes the next: Arrow's kernels
        release the GIL, so the two share the machine's cores."""
        self._wait()
        self._adding = self._worker.submit(self._add, {name: cells[name] for name in self.COLUMNS})

    def _wait(self) -> None:
        if self._adding is not None:
            adding, self._adding = self._adding, None
            adding.result()

    def close(self) -> None:
        """Stop the worker thread (after the batch it is summing, if any)."""
        self._worker.shutdown(wait=True)

    def magnitude(self) -> float:
        """The sum of the amounts' absolute values so far, in yuan (as a float: exact enough to be
        held against a limit far above any budget's)."""
        self._wait()
        return self._magnitude / 100

    def _add(self, cells: Mapping[str, pa.Array]) -> None:
        fen = pc.cast(pc.replace_substring(cells["amount"], ".", ""), pa.int64())
        self._magnitude += pc.sum(pc.abs(pc.cast(fen, pa.float64(), safe=False))).as_py() or 0.0
        if self.overflow:
            return
        code = {name: self.codes[name].of(cells[name]) for name in self._BITS}
        if self._magnitude >= self._FEN_LIMIT or any(
            len(self.codes[name].values) > 1 << bits for name, bits in self._BITS.items()
        ):
            self.overflow = True
            self._pending, self._totals = [], {}
            return
        month = pc.cast(pc.utf8_slice_codeunits(cells["pay_date"], 5, 7), pa.int64())
        budget_type = pc.cast(cells["budget_type"], pa.int64())
        when = pc.add(pc.multiply(month, 8), budget_type)  # month × 8 + budget type: 7 bits
        self._pending.append(
            pa.table(
                {
                    # unit | functional code | month, budget type
                    "a": _packed(code["unit_code"], _packed(code["function_code"], when, 8), 32),
                    "b": _packed(code["econ_code"], code["project_code"], 32),  # econ | project
                    # payee | payee type | month
                    "p": _packed(_packed(code["payee_name"], code["payee_type"], 2), month, 4),
                    "fen": fen,
                }
            )
        )
        self._pending_rows += len(month)
        if self._pending_rows >= self.FOLD_ROWS:
            self._fold()

    def _fold(self) -> None:
        rows = pa.concat_tables(self._pending)
        self._pending, self._pending_rows = [], 0
        for name, key in (("fine", ["a", "b"]), ("payee", ["p"])):
            new = _grouped(rows.select([*key, "fen"]), key, [("fen", "sum"), ("fen", "count")])
            if name in self._totals:
                new = _grouped(pa.concat_tables([self._totals[name], new]), key, _SUMMED)
            self._totals[name] = new

    def tables(self) -> list[tuple[Any, tuple[str, ...], pa.Table]]:
        """Each summary model, its key, and its totals (columns: the key, amount, payments), in
        key order; nothing when the totals could not be kept (the database sums instead)."""
        self._wait()
        self.close()
        if self._pending:
            self._fold()
        if self.overflow or not self._totals:
            return []
        fine = self._totals["fine"].sort_by([("a", "ascending"), ("b", "ascending")])
        b = fine.column("b")
        fine_keys = {
            **self._unit_function_month(fine.column("a")),
            "econ_code": self._decoded("econ_code", _bits(b, 32, 32)),
            "project_code": self._decoded("project_code", _bits(b, 0, 32)),
        }
        rollup = _grouped(fine.select(["a", "amount", "payments"]), ["a"], _SUMMED)
        rollup_keys = self._unit_function_month(rollup.column("a"))
        # econ | functional code | month, budget type (the low 32 bits of a)
        c = _packed(_bits(b, 32, 32), _bits(fine.column("a"), 0, 32), 32)
        classes = _grouped(fine.select(["amount", "payments"]).append_column("c", c), ["c"], _SUMMED)
        c = classes.column("c")
        class_keys = {**self._function_month(c), "econ_code": self._decoded("econ_code", _bits(c, 32, 32))}
        payees = self._totals["payee"].sort_by("p")
        p = payees.column("p")
        payee_keys = {
            "month": _bits(p, 0, 4),
            "payee_name": self._decoded("payee_name", _bits(p, 6, 32)),
            "payee_type": self._decoded("payee_type", _bits(p, 4, 2)),
        }
        return [
            (model, key, _keyed(keys, key, totals))
            for model, key, keys, totals in (
                (PaymentSummary, SUMMARY_KEY, fine_keys, fine),
                (PaymentRollup, ROLLUP_KEY, rollup_keys, rollup),
                (PaymentClassSummary, CLASS_KEY, class_keys, classes),
                (PayeeSummary, PAYEE_KEY, payee_keys, payees),
            )
        ]

    def _unit_function_month(self, a: pa.Array) -> dict[str, pa.Array]:
        """The unit, functional code, budget type and month packed in the key ``a``."""
        return {"unit_code": self._decoded("unit_code", _bits(a, 32, 32)), **self._function_month(a)}

    def _function_month(self, packed: pa.Array) -> dict[str, pa.Array]:
        """The functional code, budget type and month packed in the low 32 bits of a key."""
        when = _bits(packed, 0, 8)
        return {
            "function_code": self._decoded("function_code", _bits(packed, 8, 24)),
            "budget_type": _bits(when, 0, 3),
            "month": _bits(when, 3, 5),
        }

    def _decoded(self, name: str, codes: pa.Array) -> pa.Array:
        return pc.take(self.codes[name].values, codes)


def _packed(high: pa.Array, low: pa.Array, low_bits: int) -> pa.Array:
    return pc.bit_wise_or(pc.shift_left(high, low_bits), low)


def _bits(packed: pa.Array, shift: int, width: int) -> pa.Array:
    return pc.bit_wise_and(pc.shift_right(packed, shift), (1 << width) - 1)


def _grouped(table: pa.Table, key: list[str], aggregations: list[tuple[str, str]]) -> pa.Table:
    """``table`` grouped by ``key``: the key's columns, ``amount`` (fen) and ``payments``."""
    grouped = table.group_by(key, use_threads=False).aggregate(aggregations)
    amount, payments = (f"{column}_{how}" for column, how in aggregations)
    columns = {k: grouped.column(k) for k in key}
    return pa.table({**columns, "amount": grouped.column(amount), "payments": grouped.column(payments)})


def _keyed(keys: Mapping[str, pa.Array], key: tuple[str, ...], totals: pa.Table) -> pa.Table:
    """The rows a summary stores: the key's columns in order, the amount in yuan, the count."""
    fen = pc.cast(totals.column("amount"), pa.decimal128(38, 0)).combine_chunks()
    yuan = fen.view(pa.decimal128(38, 2))  # the same digits, two of them after the point
    return pa.table({**{k: keys[k] for k in key}, "amount": yuan, "payments": totals.column("payments")})


def _write_streamed(plan: Any, cursor, streamed: StreamedTotals) -> bool:
    """Write a year's first summaries from ``streamed``; ``False`` when it holds none."""
    tables = streamed.tables()
    for model, key, totals in tables:
        table = model._meta.db_table
        since = time.perf_counter()
        with bulk_load(plan, cursor, table, totals.num_rows):
            writer = RowWriter(table, ["region_code", "year", *key, "amount", "payments"])
            for part in totals.to_batches(max_chunksize=100_000):
                n = part.num_rows
                shared = [pa.array([value] * n, pa.string()) for value in (plan.region, str(plan.year))]
                amount = pc.cast(part.column("amount"), pa.string())
                writer.write([*shared, *part.columns[: len(key)], amount, part.column("payments")])
            writer.flush()
        plan.timed(f"write {table}", since)
    return bool(tables)


def has_summaries(region: str, year: int) -> bool:
    """Whether the year's summaries are kept (its first payments were summed)."""
    return PaymentSummary.objects.filter(region_code=region, year=year).exists()


def add_to_payment_summary(
    plan: Any, cursor, batch: ImportBatch, *, whole_stage: bool, streamed: StreamedTotals | None = None
) -> None:
    """A year's first payments (its summaries are empty): their summaries come from ``streamed``
    (when every payment the import inserted was summed while streaming in) or are summed straight
    from the staged rows (``whole_stage``) or the payments this batch inserted."""
    if whole_stage:
        source, params = plan.stage, []
    else:
        source = (
            f"(SELECT * FROM {Payment._meta.db_table} WHERE region_code = %s AND year = %s "
            f"AND batch_id = %s) p"
        )
        params = [plan.region, plan.year, batch.pk]
    if streamed is not None and _write_streamed(plan, cursor, streamed):
        return
    _insert_summaries(cursor, plan.region, plan.year, source, params, plan=plan)


# the payment's columns that its summaries' keys and totals come from
SUMMED_COLUMNS = (
    "pay_date",
    "unit_code",
    "function_code",
    "econ_code",
    "budget_type",
    "project_code",
    "payee_name",
    "payee_type",
    "amount",
)


def stage_summary_delta(plan: Any, cursor, *, stored: bool) -> None:
    """Before an import changes the payments of a year whose summaries are kept: the signed totals
    by which it changes each summary, grouped from the staged rows into temporary tables (one per
    summary, :data:`DELTA_SUFFIXES`). A new payment counts once; a changed one counts its new
    cells once and its stored cells once negatively (``stored``: some staged vouchers are stored
    already — they are looked up by the payments' unique key, one by one). Groups whose totals
    do not change are left out. The cost grows with the staged rows, not with the year."""
    fine, coarse, classes, payees, signed = (f"{plan.stage}{suffix}" for suffix in DELTA_SUFFIXES)
    money = "numeric(18, 2)" if is_postgres() else "decimal"
    if stored:
        columns = ", ".join(SUMMED_COLUMNS)
        new = ", ".join(f"s.{c}" for c in SUMMED_COLUMNS)
        old = ", ".join(f"t.{c}" for c in SUMMED_COLUMNS[:-1])
        payments = Payment._meta.db_table
        match = "t.voucher_no = s.voucher_no AND t.region_code = %s AND t.year = %s"
        differs = " OR ".join(f"t.{c} IS DISTINCT FROM s.{c}" for c in SUMMED_COLUMNS)
        where = [plan.region, plan.year]
        # (CROSS JOIN: SQLite reads the staged rows first and seeks each voucher by the key)
        changed = f"FROM {plan.stage} s CROSS JOIN {payments} t WHERE {match} AND ({differs})"
        cursor.execute(
            f"CREATE TEMPORARY TABLE {signed} AS SELECT {columns}, 1 AS n FROM {plan.stage} WHERE 0 = 1"
        )
        cursor.execute(
            f"INSERT INTO {signed} SELECT {new}, 1 FROM {plan.stage} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {payments} t WHERE {match})",
            where,
        )
        cursor.execute(f"INSERT INTO {signed} SELECT {new}, 1 {changed}", where)
        cursor.execute(f"INSERT INTO {signed} SELECT {old}, -t.amount, -1 {changed}", where)
        source, count = signed, "SUM(n)"
    else:
        source, count = plan.stage, "COUNT(*)"
    # exact to the fen on SQLite too: summed as integer fen (renda.core.money)
    total = money_sum_sql("amount", yuan=True)
    for table, key in ((fine, SUMMARY_KEY), (coarse, ROLLUP_KEY), (classes, CLASS_KEY), (payees, PAYEE_KEY)):
        types = ", ".join(f"{k} {'integer' if k in {'month', 'budget_type'} else 'text'}" for k in key)
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} ({types}, amount {money}, payments integer, target_id bigint)"
        )
    for table, key in ((fine, SUMMARY_KEY), (payees, PAYEE_KEY)):
        names = ", ".join(month_sql() if k == "month" else k for k in key)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(key)}, amount, payments) "
            f"SELECT {names}, {total}, {count} FROM {source} GROUP BY {names}",
            [],  # (with parameters, so that the month's %% reaches the database as %)
        )
    cursor.execute(f"DELETE FROM {fine} WHERE payments = 0 AND amount = 0")
    for table, key in ((coarse, ROLLUP_KEY), (classes, CLASS_KEY)):
        names = ", ".join(key)
        cursor.execute(
            f"INSERT INTO {table} ({names}, amount, payments) "
            f"SELECT {names}, {total}, SUM(payments) FROM {fine} GROUP BY {names}"
        )
    for table in (coarse, classes, payees):
        cursor.execute(f"DELETE FROM {table} WHERE payments = 0 AND amount = 0")


def merge_summary_delta(plan: Any, cursor) -> None:
    """Add the totals that :func:`stage_summary_delta` grouped to the year's summaries: each
    group's row is found through an index on the summary's key (one lookup per group), updated,
    and deleted when no payment is left in it; a group not stored yet becomes a new row."""
    deltas = zip(
        (PaymentSummary, PaymentRollup, PaymentClassSummary, PayeeSummary),
        (SUMMARY_KEY, ROLLUP_KEY, CLASS_KEY, PAYEE_KEY),
        DELTA_SUFFIXES,
        strict=False,
    )
    since = time.perf_counter()
    for model, key, suffix in deltas:
        table, delta = model._meta.db_table, f"{plan.stage}{suffix}"
        same = " AND ".join(f"t.{k} = {delta}.{k}" for k in key)
        cursor.execute(
            f"UPDATE {delta} SET target_id = (SELECT t.id FROM {table} t "
            f"WHERE t.region_code = %s AND t.year = %s AND {same})",
            [plan.region, plan.year],
        )
        if is_postgres():  # temporary tables are never auto-analysed
            cursor.execute(f"ANALYZE {delta}")
        cursor.execute(f"SELECT COUNT(*) FROM {delta} WHERE target_id IS NULL AND payments <= 0")
        if cursor.fetchone()[0]:  # the summary has lost a group that stored payments are in
            logger.warning(
                "payment summaries of %s %s disagree with the payments: rebuilt", plan.region, plan.year
            )
            rebuild_payment_summary(plan.region, plan.year)
            plan.timed("summary rebuild", since)
            return
        added = f"{table}.amount + d.amount"
        if not is_postgres():  # (added as integer fen: exact)
            added = f"({money_sql(f'{table}.amount')} + {money_sql('d.amount')}) / 100.0"
        cursor.execute(
            f"UPDATE {table} SET amount = {added}, payments = {table}.payments + d.payments "
            f"FROM {delta} d WHERE {table}.id = d.target_id"
        )
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT target_id FROM {delta} WHERE target_id IS NOT NULL) "
            f"AND payments = 0"
        )
        cursor.execute(f"SELECT COUNT(*) FROM {delta} WHERE target_id IS NULL")
        with bulk_load(plan, cursor, table, cursor.fetchone()[0]):
            cursor.execute(
                f"INSERT INTO {table} (region_code, year, {', '.join(key)}, amount, payments) "
                f"SELECT %s, %s, {', '.join(key)}, amount, payments FROM {delta} WHERE target_id IS NULL",
                [plan.region, plan.year],
            )
        since = plan.timed(f"merge into {table}", since)


def rebuild_payment_summary(region: str, year: int) -> None:
    """Recompute the year's summaries from the payments, in set-based queries."""
    with connection.cursor() as cursor:
        for model in (PaymentSummary, PaymentRollup, PaymentClassSummary, PayeeSummary):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE region_code = %s AND year = %s", [region, year]
            )
        _insert_summaries(
            cursor,
            region,
            year,
            f"(SELECT * FROM {Payment._meta.db_table} WHERE region_code = %s AND year = %s) p",
            [region, year],
        )


def _totalled(key: tuple[str, ...], source: str, *, summed: bool = False) -> str:
    """A SELECT of ``source``'s rows totalled per ``key``: its columns, the amount, the number of
    payments (``summed``: the source holds totals already). A month is the payment date's."""
    columns = ", ".join(month_sql() if k == "month" and not summed else k for k in key)
    count = "SUM(payments)" if summed else "COUNT(*)"
    return f"SELECT {columns}, {money_sum_sql('amount', yuan=True)}, {count} FROM {source} GROUP BY {columns}"


def _insert_summaries(cursor, region: str, year: int, source: str, params: list[Any], plan=None) -> None:
    """Sum the payments of ``source`` (all of the year's) into the year's empty summaries: the
    fine one and the payees' grouped from the payments, the rollup and the classification
    summary from the fine one. Within an import (``plan``), a large load drops the summaries'
    secondary indexes and builds them after."""
    year_of = f"(SELECT * FROM {PaymentSummary._meta.db_table} WHERE region_code = %s AND year = %s) s"
    totals = (
        (PaymentSummary, SUMMARY_KEY, _totalled(SUMMARY_KEY, source), params),
        (PaymentRollup, ROLLUP_KEY, _totalled(ROLLUP_KEY, year_of, summed=True), [region, year]),
        (PaymentClassSummary, CLASS_KEY, _totalled(CLASS_KEY, year_of, summed=True), [region, year]),
        (PayeeSummary, PAYEE_KEY, _totalled(PAYEE_KEY, source), params),
    )
    for model, key, select, select_params in totals:
        table = model._meta.db_table
        sql = (
            f"INSERT INTO {table} (region_code, year, {', '.join(key)}, amount, payments) "
            f"SELECT %s, %s, g.* FROM ({select}) g"
        )
        if plan is None:
            cursor.execute(sql, [region, year, *select_params])
            continue
        since = time.perf_counter()
        with bulk_load(plan, cursor, table, plan.staged // 2):
            cursor.execute(sql, [region, year, *select_params])
        plan.timed(f"sum into {table}", since)
