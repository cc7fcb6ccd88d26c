"""core.excel: the one writer of workbooks keeps user text from being taken for a formula,
keeps numbers and dates, streams, and is the only place a workbook is made (issue 13.4)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from renda.core import excel
from renda.core.audit import audit

SRC = Path(__file__).resolve().parents[2]  # src/renda
FORMULA = '=HYPERLINK("http://x","y")'


def _book(**kwargs) -> openpyxl.Workbook:
    out = io.BytesIO()
    excel.write_workbook(out, **kwargs)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1"])
def test_formula_like_text_is_a_text_cell_with_the_quote_prefix(text):
    sheet = _book(title="t", headers=["a"], rows=[[text]]).active
    cell = sheet["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_values_keep_their_types():
    when = dt.datetime(2026, 3, 16, 0, 30, 15)
    rows = [["文本", 12, Decimal("-1234.56"), 1.5, True, dt.date(2025, 3, 1), when, None, "a<&>\x0bb"]]
    sheet = _book(title="凭证:[x]", headers=list("abcdefghi"), rows=rows, footer="脚注").active
    values = [c.value for c in sheet[2]]
    assert values[:5] == ["文本", 12, -1234.56, 1.5, True]
    assert values[5] == dt.datetime(2025, 3, 1) and sheet["F2"].number_format == "yyyy-mm-dd"
    assert values[6] == when and sheet["G2"].is_date
    assert values[7] is None and values[8] == "a<&>b"  # (a vertical tab cannot be in a sheet)
    assert [c.data_type for c in sheet[2]][:5] == ["s", "n", "n", "n", "b"]
    assert not any(c.quotePrefix for c in sheet[2][:3])  # plain text and negative numbers
    assert sheet["A3"].value == "脚注" and sheet.title == "凭证  x" and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b


def test_text_is_cut_at_excels_limit():
    sheet = _book(title="t", headers=["a"], rows=[["字" * 40000]]).active
    assert len(sheet["A2"].value) == excel.CELL_TEXT_MAX


def test_the_export_streams_as_it_is_written():
    made = []

    def rows():
        for n in range(5000):
            made.append(n)
            yield [f"V{n}", n]

    chunks = excel.xlsx_chunks(title="t", headers=["a", "b"], rows=rows())
    first = next(chunks)
    assert first.startswith(b"PK") and not made  # the first bytes leave before any row is read
    second = next(chunks)
    assert second and len(made) < 5000  # and more leave while rows are still to come
    content = first + second + b"".join(chunks)
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    assert sum(1 for _ in sheet.iter_rows()) == 5001


def test_openpyxl_document_rows_are_kept_as_text():
    book = excel.new_workbook()
    excel.append_row(book.active, [FORMULA, -5, "-x", "ok"])
    out = io.BytesIO()
    book.save(out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [(c.value, c.data_type) for c in sheet[1]] == [(FORMULA, "s"), (-5, "n"), ("-x", "s"), ("ok", "s")]
    assert sheet["A1"].quotePrefix and not sheet["D1"].quotePrefix


def test_no_workbook_is_made_outside_core_excel():
    """Every workbook Renda writes goes through core.excel (formula-safe)."""
    made = re.compile(r"\bWorkbook\s*\(|from openpyxl import .*\bWorkbook\b|xlsxwriter|\.to_excel\(")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and path != SRC / "core" / "excel.py" and made.search(path.read_text())
    ]
    assert offenders == []


@pytest.mark.django_db
def test_the_audit_export_keeps_a_formula_like_note_as_text(client_for, admin_user):
    audit(admin_user, "test.formula", None, note=FORMULA)
    response = client_for(admin_user).get("/audit/export.xlsx", {"action": "test."})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c for c in cells if c.data_type == "f"]
    note = next(c for c in cells if c.value == FORMULA)
    assert note.data_type == "s" and note.quotePrefix
