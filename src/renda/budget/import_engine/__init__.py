"""The import engine: one file (or API batch) of one kind into the budget facts, all-or-nothing.

The engine is called by the one service door, :func:`renda.budget.services.imports.budget_import`,
which checks permission, creates the batch and writes the audit trail; the engine takes that batch,
records its outcome on it and returns the counts and rejections. It is split by stage:
:mod:`.sources` (reading CSV, XLSX, Fiscal Data Packages and API rows), :mod:`.stage`, :mod:`.check`,
:mod:`.apply`, :mod:`.summaries` (the payment summaries) and :mod:`.bulk` (the database's bulk path);
:mod:`.run` runs them in order.

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
   unchanged/updated/inserted rows against the natural keys, updates changed rows (``UPDATE …
   FROM``), inserts new ones (``INSERT … SELECT``; a load that at least doubles a table drops its
   secondary indexes first and rebuilds them after, which is much faster than maintaining them row
   by row), brings the payment summaries up to date (:mod:`.summaries`: a year's first payments
   were summed while they were staged; a later load adds what it changes, grouped from the staged
   rows and the payments they replace, group by group) and, still in that transaction, calls the
   service's ``on_applied`` with the result (the counts, plus before/after of the first changed
   rows), which writes the audit trail. On SQLite only this step holds the database's write lock
   (``BEGIN IMMEDIATE``): its work grows with the file, not with the year.

Nothing in the facts changes unless step 3 runs, so a bad row anywhere rejects the whole file.
"""

from renda.budget.import_engine.result import ImportResult
from renda.budget.import_engine.run import Progress, import_path, progress_writer, record_outcome, run_import
from renda.budget.import_engine.sources import Source, UnreadableFile, file_source, rows_source

__all__ = [
    "ImportResult",
    "Progress",
    "Source",
    "UnreadableFile",
    "file_source",
    "import_path",
    "progress_writer",
    "record_outcome",
    "rows_source",
    "run_import",
]
