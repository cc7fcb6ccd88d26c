"""Excel export (导出 Excel) for every module: write-only workbooks streamed from a temporary file.

A module supplies its headers and rows; this module writes them with openpyxl in write-only
mode (constant memory whatever the row count), keeps user text from being taken for a formula,
and answers with a download whose Chinese file name survives every browser.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import IO, Any
from urllib.parse import quote

from django.http import FileResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from renda.core.text import excel_text

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet: Any, value: Any) -> Any:
    """A cell whose text is never taken for a formula (``=…`` typed by a user stays text) and
    holds no character a sheet cannot (a control character stored before input was cleaned)."""
    value = excel_text(value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_workbook(
    out: IO[bytes], *, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], footer: str = ""
) -> None:
    """Write one sheet: ``headers``, then ``rows`` as they come, then an optional footer line."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=excel_text(title)[:31])
    sheet.append([_cell(sheet, value) for value in headers])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    if footer:
        sheet.append([_cell(sheet, footer)])
    workbook.save(out)


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(
    *,
    filename: str,
    fallback: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    footer: str = "",
) -> FileResponse:
    """A download of the workbook, written to a temporary file and streamed from it."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once streamed
    try:
        write_workbook(out, title=title, headers=headers, rows=rows, footer=footer)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback)
    return response
