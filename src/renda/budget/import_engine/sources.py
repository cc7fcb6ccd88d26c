"""Reading the files of the data interface: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK; comma,
semicolon or tab), XLSX (openpyxl, read-only) and Fiscal Data Packages (``datapackage.json``).

A reader yields ``(line, cells)`` where ``line`` is the row as a spreadsheet shows it (the header
is line 1). Readers stream: memory stays bounded whatever the file's size.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_noop

from renda.core.words import Words, chinese, say

CHUNK = 1 << 20
XLSX_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The file cannot be read at all (encoding, format); the message is Chinese. ``line`` and
    ``column`` say where, when the trouble is at one place of the file."""

    def __init__(self, message: Words, *, line: int = 1, column: str = ""):
        super().__init__(message if isinstance(message, str) else chinese(message))
        self.line, self.column, self.words = line, column, message


# Python's csv refuses a field longer than this (131,072 characters): kept as the guard it is (an
# unclosed quote would otherwise read the rest of the file into one field), and explained.
FIELD_LIMIT = csv.field_size_limit()
EXPLAIN_LIMIT = 16 << 20  # how long a field the explanation reads to find which field it was


def field_too_long(path: Path, encoding: str, delimiter: str, headers: Sequence[Any]) -> UnreadableFile:
    """Why Python's csv stopped on ``path``: the first field over :data:`FIELD_LIMIT`, named by its
    line (as a spreadsheet shows it) and column. Reads the file again, only on this error path."""
    number, found = 0, None
    previous = csv.field_size_limit(max(EXPLAIN_LIMIT, FIELD_LIMIT))
    try:
        with path.open("r", encoding=encoding, newline="") as text:
            for number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=1):  # noqa: B007
                long = next((i for i, cell in enumerate(cells) if len(cell) > FIELD_LIMIT), None)
                if long is not None:
                    found = (long, len(cells[long]))
                    break
            else:
                number += 1
    except csv.Error:  # longer still: the line is known, not the column
        number += 1
    finally:
        csv.field_size_limit(previous)
    if found is None:
        return UnreadableFile(
            say(
                gettext_noop(
                    "Line %(line)s has a field longer than %(limit)s characters (the limit of a CSV field): "
                    "the file cannot be read. An unpaired quote, which makes the rest of the file one "
                    "field, is the usual cause."
                ),
                line=str(number),
                limit=f"{FIELD_LIMIT:,}",
            ),
            line=number,
        )
    index, length = found
    name = str(headers[index])[:40] if number > 1 and index < len(headers) else ""
    column = say(gettext_noop(" “%(name)s”"), name=name) if name else ""
    return UnreadableFile(
        say(
            gettext_noop(
                "Line %(line)s, column %(index)s%(column)s has %(length)s characters, over the limit of "
                "%(limit)s characters of a CSV field: the file cannot be read. An unpaired quote, which "
                "makes the rest of the file one field, is the usual cause."
            ),
            line=str(number),
            index=str(index + 1),
            column=column,
            length=f"{length:,}",
            limit=f"{FIELD_LIMIT:,}",
        ),
        line=number,
        column=name,
    )


class ArrowUnreadable(Exception):
    """Arrow's CSV parser declines the file: read it with Python's ``csv`` instead."""


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, for progress."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8 (with or without BOM), else ``gb18030``."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as raw:
                while chunk := raw.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(say(gettext_noop("Unknown file encoding (use UTF-8 or GB18030/GBK)")))


def detect_delimiter(header_line: str, sample: str) -> str:
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        if dialect.delimiter in header_line:
            return dialect.delimiter
    except csv.Error:
        pass
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])


Batch = tuple[Sequence[int], list[list[Any]]]  # the lines of the rows, and the rows


@dataclass
class Table:
    """An open table: its header cells, its rows, and how far the reading has got (0–1).

    ``batches(size)``, when a reader provides it, yields the same rows as ``rows`` in lists of
    up to ``size`` (with their lines), without a Python step per row; :func:`iter_batches`
    falls back to grouping ``rows``. A table is read once, by one of the two.
    """

    headers: list[Any]
    rows: Iterator[tuple[int, list[Any]]]
    done: Any = field(default=lambda: 0.0)
    close: Any = field(default=lambda: None)
    batches: Callable[[int], Iterator[Batch]] | None = None
    text_only: bool = False  # every cell is a string (CSV)
    # The same rows as Arrow record batches of text columns (``c0``, ``c1``, … in file order, a
    # batch per block of the given size),
    # parsed in C++: a UTF-8 CSV offers it. It raises :class:`ArrowUnreadable` where Arrow's
    # parser and Python's ``csv`` might read the file differently (a row of another width, an
    # empty line); the reader then starts again on ``rows``/``batches``, which read the file anew.
    arrow_batches: Callable[[int], Iterator[Any]] | None = None
    size: int = 0  # bytes, where known


def iter_batches(table: Table, size: int) -> Iterator[Batch]:
    if table.batches is not None:
        yield from table.batches(size)
        return
    while chunk := list(itertools.islice(table.rows, size)):
        yield [line for line, _cells in chunk], [cells for _line, cells in chunk]


def is_xlsx(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(4) == XLSX_MAGIC


def open_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    size = max(path.stat().st_size, 1)
    with path.open("r", encoding=encoding, newline="") as text:
        sample = text.read(64 * 1024)
    header_line = sample.splitlines()[0] if sample else ""
    delimiter = detect_delimiter(header_line, sample)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, CHUNK), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        headers = []
    except csv.Error as exc:
        text.close()
        raw.close()
        raise field_too_long(path, encoding, delimiter, []) from exc

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = 1
        try:
            for cells in reader:
                line += 1
                yield line, cells
        except csv.Error as exc:
            raise field_too_long(path, encoding, delimiter, headers) from exc

    def batches(n: int) -> Iterator[Batch]:
        line = 2  # the first data row (each record is one line, as a spreadsheet shows it)
        try:
            while chunk := list(itertools.islice(reader, n)):
                yield range(line, line + len(chunk)), chunk
                line += len(chunk)
        except csv.Error as exc:
            raise field_too_long(path, encoding, delimiter, headers) from exc

    def close() -> None:
        text.close()
        raw.close()

    read = [0]  # bytes Arrow has read
    multiline_header = not headers or any("\n" in h or "\r" in h for h in headers)

    def arrow_batches(block_bytes: int) -> Iterator[Any]:
        import pyarrow as pa
        from pyarrow import csv as arrow_csv

        names = [f"c{i}" for i in range(len(headers))]
        with path.open("rb") as arrow_raw:
            arrow_counter = _CountingReader(arrow_raw)
            source = io.BufferedReader(arrow_counter, CHUNK)
            try:
                reader = arrow_csv.open_csv(
                    source,
                    read_options=arrow_csv.ReadOptions(
                        column_names=names, skip_rows=1, block_size=block_bytes
                    ),
                    parse_options=arrow_csv.ParseOptions(
                        delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=True
                    ),
                    convert_options=arrow_csv.ConvertOptions(
                        column_types=dict.fromkeys(names, pa.string()),
                        strings_can_be_null=False,
                        quoted_strings_can_be_null=False,
                    ),
                )
                for batch in reader:
                    read[0] = arrow_counter.count
                    yield batch
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                read[0] = 0
                raise ArrowUnreadable(str(exc)) from exc

    return Table(
        headers,
        rows(),
        lambda: min(max(counter.count, read[0]) / size, 1.0),
        close,
        batches,
        text_only=True,
        # (not when a header cell spans lines: Arrow skips the header as one line)
        arrow_batches=arrow_batches if encoding == "utf-8-sig" and not multiline_header else None,
        size=size,
    )


# openpyxl reads the shared strings (and the styles, the workbook) whole, even in read-only mode:
# a small file can hold millions of tiny shared strings (a 1.2 MB file with 3 million took 600 MB
# before it was refused). The parts are measured in the zip before openpyxl opens it.
XLSX_SHARED_STRINGS_MAX = 500_000  # distinct texts of a workbook; more: save it as CSV
XLSX_PART_MAX = 64 << 20  # uncompressed bytes of a part read whole (all but the worksheets)
XLSX_TOTAL_MAX = 2 << 30  # uncompressed bytes of the whole file
_TOO_LARGE = say(gettext_noop("; save it as CSV (UTF-8) and import that"))


def check_xlsx(path: Path) -> None:
    """Refuse an XLSX whose reading would take more memory than its size suggests (see above)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            total = sum(part.file_size for part in parts)
            if total > XLSX_TOTAL_MAX:
                size = f"{total / 2**20:,.0f} MB"
                raise UnreadableFile(
                    say(
                        gettext_noop(
                            "The Excel file unpacks to %(size)s, over the limit of %(limit)s MB%(advice)s"
                        ),
                        size=size,
                        limit=f"{XLSX_TOTAL_MAX >> 20:,}",
                        advice=_TOO_LARGE,
                    )
                )
            for part in parts:
                if part.filename.startswith("xl/worksheets/") or part.is_dir():
                    continue
                if part.file_size > XLSX_PART_MAX:
                    size = f"{part.file_size / 2**20:,.0f} MB"
                    raise UnreadableFile(
                        say(
                            gettext_noop(
                                "The part %(part)s of the Excel file unpacks to %(size)s, over the limit of "
                                "%(limit)s MB%(advice)s"
                            ),
                            part=part.filename[:60],
                            size=size,
                            limit=str(XLSX_PART_MAX >> 20),
                            advice=_TOO_LARGE,
                        )
                    )
                if part.filename.lower().endswith("sharedstrings.xml"):
                    strings = _count_shared_strings(archive, part)
                    if strings > XLSX_SHARED_STRINGS_MAX:
                        raise UnreadableFile(
                            say(
                                gettext_noop(
                                    "The Excel file has more than %(limit)s shared strings (reading them "
                                    "needs far more memory than the file's size)%(advice)s"
                                ),
                                limit=f"{XLSX_SHARED_STRINGS_MAX:,}",
                                advice=_TOO_LARGE,
                            )
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise UnreadableFile(say(gettext_noop("The Excel file cannot be read"))) from exc


# The start of a shared string item: ``<si>``, ``<si/>``, ``<si attr…>``, or the same with a
# namespace prefix (``<x:si>``). XML allows no space after ``<`` and no ``<`` inside text, so no
# item escapes the count.
_SI_STARTS = (b"<si>", b"<si/>", b"<si ", b"<si\t", b"<si\n", b"<si\r")
_PREFIXED_SI_START = re.compile(rb"<[^\s<>/!?:]{1,256}:si[\s/>]")


def _si_starts(data: bytes, end: int) -> int:
    count = sum(data.count(start, 0, end) for start in _SI_STARTS)
    if data.find(b":si", 0, end) >= 0:
        count += len(_PREFIXED_SI_START.findall(data, 0, end))
    return count


def _count_shared_strings(archive: Any, part: Any) -> int:
    """The ``si`` items of the shared-string table, counted in its bytes as it is decompressed
    (a declared ``uniqueCount`` may lie); stops once past the limit."""
    count, tail = 0, b""
    with archive.open(part) as stream:
        while count <= XLSX_SHARED_STRINGS_MAX and (chunk := stream.read(CHUNK)):
            data = tail + chunk
            last = data.rfind(b"<")  # (a tag cut by the chunk's end is counted with the next)
            if last < 0:
                last = len(data)
            count += _si_starts(data, last)
            tail = data[last:] if len(data) - last <= 4096 else b""
    return count + _si_starts(tail, len(tail))


def open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    check_xlsx(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any damage to the file
        raise UnreadableFile(say(gettext_noop("The Excel file cannot be read"))) from exc
    sheet = workbook.worksheets[0]
    total = max(sheet.max_row or 1, 1)
    iterator = sheet.iter_rows(values_only=True)
    try:
        headers = list(next(iterator))
    except StopIteration:
        headers = []
    state = {"line": 1}

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for cells in iterator:
            state["line"] += 1
            yield state["line"], ["" if c is None else c for c in cells]

    return Table(headers, rows(), lambda: min(state["line"] / total, 1.0), workbook.close)


def open_table(path: Path) -> Table:
    if not path.exists():
        raise UnreadableFile(say(gettext_noop("The file does not exist")))
    if is_xlsx(path):
        return open_xlsx(path)
    return open_csv(path)


# --- Fiscal Data Package -------------------------------------------------------------------

# Fiscal Data Package ``columnType`` values, and the field each means for each kind.
FDP_COLUMN_TYPES = {
    "payments": {
        "value": "amount",
        "date:generic": "pay_date",
        "administrative-classification:generic:code": "unit_code",
        "functional-classification:generic:code": "function_code",
        "economic-classification:generic:code": "econ_code",
        "project:code": "project_code",
        "budget-line-item": "voucher_no",
        "transaction-id": "voucher_no",
        "payee:generic:name": "payee_name",
        "payee:generic:code": "payee_account",
    },
    "indicators": {
        "value": "original_amount",
        "budget-line-item": "indicator_no",
        "administrative-classification:generic:code": "unit_code",
        "functional-classification:generic:code": "function_code",
        "economic-classification:generic:code": "econ_code",
        "project:code": "project_code",
        "project:name": "project_name",
        "date:generic": "issued_date",
    },
    "revenue": {
        "value": "amount",
        "economic-classification:generic:code": "item_code",
        "economic-classification:generic:label": "item_name",
        "date:fiscal-period": "month",
    },
}


def read_datapackage(path: Path, kind: str) -> tuple[Path, dict[str, str]]:
    """The CSV a Fiscal Data Package describes, and ``{source column: our field}``.

    ``path`` is the ``datapackage.json`` (or its directory). Its first tabular resource is read;
    its measures and dimensions (the FDP ``model``) and each field's ``columnType`` map onto our
    fields; a field already named like ours (English name or Chinese header) keeps its meaning.
    """
    if path.is_dir():
        path = path / "datapackage.json"
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8-sig"))
        resource = next(r for r in descriptor["resources"] if r.get("path"))
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise UnreadableFile(
            say(gettext_noop("datapackage.json cannot be read or names no data resource (resources[].path)"))
        ) from exc
    resource_path = resource["path"]
    if isinstance(resource_path, list):
        resource_path = resource_path[0]
    csv_path = (path.parent / resource_path).resolve()
    if path.parent.resolve() not in csv_path.parents:
        raise UnreadableFile(say(gettext_noop("The data resource must be inside the package's folder")))
    mapping: dict[str, str] = {}
    by_type = FDP_COLUMN_TYPES.get(kind, {})
    for fdp_field in resource.get("schema", {}).get("fields", []):
        name = fdp_field.get("name", "")
        target = fdp_field.get("renda:field") or by_type.get(fdp_field.get("columnType", ""))
        if target:
            mapping[name] = target
    model = descriptor.get("model") or resource.get("model") or {}
    for measure, spec in (model.get("measures") or {}).items():
        source = spec.get("source", measure) if isinstance(spec, dict) else measure
        target = spec.get("renda:field") if isinstance(spec, dict) else None
        mapping.setdefault(source, target or ("amount" if kind in {"payments", "revenue"} else measure))
    for dimension, spec in (model.get("dimensions") or {}).items():
        if not isinstance(spec, dict):
            continue
        target = spec.get("renda:field") or dimension
        attributes = spec.get("attributes") or {}
        key = spec.get("primaryKey")
        if isinstance(key, list):
            key = key[0] if key else None
        attribute = attributes.get(key) if key else next(iter(attributes.values()), None)
        source = attribute.get("source") if isinstance(attribute, dict) else None
        if source:
            mapping.setdefault(source, target)
    return csv_path, mapping


# --- sources of rows ----------------------------------------------------------------------------


@dataclass
class Source:
    """Rows to import: headers, ``(line, cells)`` rows, and a progress reading (0–1)."""

    table: Table
    rename: dict[str, str] = field(default_factory=dict)  # source header → our field name
    # our field → how an error names it (a Fiscal Data Package's file and field)
    labels: dict[str, str] = field(default_factory=dict)


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
