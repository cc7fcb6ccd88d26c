# ruff: noqa: S608 - the SQL here is built from table names and fixed column names only.
"""Bulk loading of the budget facts: rows written a batch at a time (``COPY`` on PostgreSQL,
``executemany`` on SQLite) and a large insert's secondary indexes built once after it."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
from django.db import connection
from pyarrow import csv as arrow_csv

# A load inserting at least this many rows, and at least as many as the table holds, drops the
# table's secondary (non-unique) indexes and builds them again after the insert.
BULK_REBUILD_MIN = 100_000


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def arrow_csv_bytes(columns: Sequence[pa.Array]) -> bytes:
    """Columns as CSV for ``COPY … (FORMAT csv)``: text quoted (so ``""`` stays an empty text),
    a null left unquoted (so it arrives as NULL)."""
    sink = io.BytesIO()
    table = pa.table({f"c{i}": column for i, column in enumerate(columns)})
    arrow_csv.write_csv(table, sink, arrow_csv.WriteOptions(include_header=False))
    return sink.getvalue()


class RowWriter:
    """Appends rows, given as Arrow columns, to a table (the staging table, or within the import's
    transaction the payments or a summary): on PostgreSQL through one ``COPY`` kept open across
    batches (the server stores one batch while the next is read); on SQLite by ``executemany``,
    outside a transaction in one of its own across batches (for the temporary staging table,
    which leaves the database itself unlocked). ``flush`` ends the COPY or that transaction, as
    any other statement on the connection needs."""

    def __init__(self, table: str, names: Sequence[str]):
        self.names = ", ".join(names)
        self.table, self.width = table, len(names)
        self._copy: Any = None  # (cursor, copy context, copy) while a COPY is open
        self._begun = False

    def write(self, columns: Sequence[Any]) -> None:
        if not columns or not len(columns[0]):
            return
        connection.ensure_connection()
        raw = connection.connection
        if is_postgres():
            if self._copy is None:
                cursor = raw.cursor()
                context = cursor.copy(f"COPY {self.table} ({self.names}) FROM STDIN (FORMAT csv)")
                self._copy = (cursor, context, context.__enter__())
            self._copy[2].write(arrow_csv_bytes(columns))
            return
        if not self._begun and not connection.in_atomic_block:
            raw.execute("BEGIN")
            self._begun = True
        marks = ", ".join(["?"] * self.width)
        raw.executemany(
            f"INSERT INTO {self.table} ({self.names}) VALUES ({marks})",
            zip(*(column.to_pylist() for column in columns), strict=True),
        )

    def flush(self) -> None:
        if self._copy is not None:
            cursor, context, _copy = self._copy
            self._copy = None
            context.__exit__(None, None, None)
            cursor.close()
        if self._begun:
            self._begun = False
            connection.connection.execute("COMMIT")

    def abort(self, exc: BaseException) -> None:
        """After a failure: end the COPY (the server drops what it received) or roll back."""
        if self._copy is not None:
            cursor, context, _copy = self._copy
            self._copy = None
            try:
                context.__exit__(type(exc), exc, exc.__traceback__)
            finally:
                cursor.close()
        if self._begun:
            self._begun = False
            connection.connection.execute("ROLLBACK")


@contextmanager
def bulk_load(plan: Any, cursor, table: str, new: int) -> Iterator[None]:
    """Around an insert of ``new`` rows: when that at least doubles the table (and is large),
    its secondary (non-unique) indexes are dropped before and built again after — one sort per
    index instead of a search per row — and on PostgreSQL its foreign keys likewise (added back
    with one set-based check instead of a trigger per row); then PostgreSQL's planner statistics
    are refreshed (as after any large load). All inside the import's transaction, so a rollback
    restores them as they were.
    Unique indexes stay: they guard the keys. While this runs, PostgreSQL holds the table (and
    the batch table, for the foreign key) locked against other writers until the commit."""
    postgres = is_postgres()
    cursor.execute(f"SELECT MAX(id) FROM {table}")
    if new < BULK_REBUILD_MIN or new < (cursor.fetchone()[0] or 0):
        yield
        if postgres and new >= BULK_REBUILD_MIN:
            cursor.execute(f"ANALYZE {table}")
        return
    if postgres:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
            [table],
        )
        indexes, foreign_keys = cursor.fetchall(), []  # SQLite checks a foreign key cheaply
    quote = connection.ops.quote_name
    if foreign_keys:  # rows written earlier in this transaction have their checks run first,
        # as PostgreSQL alters no table with deferred checks pending (Django defers them again)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for name, _definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    since = time.perf_counter()
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
    since = plan.timed(f"foreign keys {table}", since)
    if postgres:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    for _name, definition in indexes:
        cursor.execute(definition)
    since = plan.timed(f"index builds {table}", since)
    if postgres:  # (not SQLite: its queries here are shaped to plan well without statistics)
        cursor.execute(f"ANALYZE {table}")
        plan.timed(f"analyze {table}", since)
