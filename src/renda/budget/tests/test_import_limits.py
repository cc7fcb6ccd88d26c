"""Imports refuse what they cannot read with a reason (issue 13.4): a CSV field over Python's
field limit names its line and column; an XLSX whose shared strings would take far more memory
than the file's size is refused before openpyxl reads it."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from renda.budget.import_engine import sources
from renda.budget.models import BudgetUnit, ImportBatch
from renda.budget.tests.conftest import load, write_csv

pytestmark = pytest.mark.django_db

UNITS = ["unit_code", "unit_name", "parent_code", "unit_kind"]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_csv_field_over_the_limit_names_its_line_and_column(tmp_path, encoding):
    path = write_csv(
        tmp_path / "units.csv",
        [UNITS, ["101", "教育局", "", "行政单位"], ["102", "卫" * (sources.FIELD_LIMIT + 5), "", "行政单位"]],
        encoding=encoding,
    )
    result = load("units", path)
    assert not result.applied and BudgetUnit.objects.count() == 0
    [error] = result.errors
    assert error["line"] == 3 and error["column"] == "unit_name"
    assert "第 3 行第 2 列“unit_name”" in error["message"] and "131,072" in error["message"]
    batch = ImportBatch.objects.get(pk=result.batch_id)
    assert batch.status == ImportBatch.Status.REJECTED and batch.errors[0]["line"] == 3


def test_an_unclosed_quote_is_explained(tmp_path):
    path = tmp_path / "units.csv"
    rows = "".join(f"1{n:05d},单位{n},,行政单位\n" for n in range(20000))
    path.write_text(",".join(UNITS) + '\n101,"教育局,,行政单位\n' + rows, encoding="utf-8")
    result = load("units", path)
    [error] = result.errors
    assert error["line"] == 2 and "引号未配对" in error["message"]


def _xlsx(path: Path, shared: bytes) -> Path:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets/></workbook>')
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{main}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            "</sheetData></worksheet>",
        )
        archive.writestr("xl/sharedStrings.xml", shared)
    return path


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_an_xlsx_of_millions_of_tiny_shared_strings_is_refused_quickly(tmp_path, prefix):
    """Shaped like the attack: a small file whose uniqueCount understates millions of strings."""
    n = sources.XLSX_SHARED_STRINGS_MAX * 2
    ns = f'xmlns{":x" if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    body = f"<{prefix}si><{prefix}t>a</{prefix}t></{prefix}si>".encode() * n
    shared = f'<{prefix}sst {ns} count="1" uniqueCount="1">'.encode() + body + f"</{prefix}sst>".encode()
    path = _xlsx(tmp_path / "payments.xlsx", shared)
    assert path.stat().st_size < 200_000
    started = time.perf_counter()
    result = load("payments", path)
    assert time.perf_counter() - started < 10
    [error] = result.errors
    assert "共享字符串超过 500,000 个" in error["message"] and "CSV" in error["message"]
    assert ImportBatch.objects.get(pk=result.batch_id).status == ImportBatch.Status.REJECTED


def test_an_xlsx_part_too_large_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "XLSX_PART_MAX", 1000)
    path = _xlsx(tmp_path / "units.xlsx", b"<sst>" + b" " * 5000 + b"</sst>")
    with pytest.raises(sources.UnreadableFile, match="xl/sharedStrings.xml"):
        sources.check_xlsx(path)


def test_an_ordinary_xlsx_passes_the_check(tmp_path):
    shared = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
        b"<si><t>a</t></si><si><r><t>b</t></r></si></sst>"
    )
    sources.check_xlsx(_xlsx(tmp_path / "units.xlsx", shared))
