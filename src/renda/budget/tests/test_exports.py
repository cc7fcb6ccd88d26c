"""Exports of the budget module (issue 13.4): every workbook keeps formula-like text as text, and
the voucher export is capped, saying so on the page."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from renda.budget.models import BudgetUnit, Payment
from renda.budget.services.reports import budget_report_generate
from renda.budget.tests.conftest import YEAR
from renda.budget.views import query as query_views

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def hostile_names(loaded_year):
    """A department and a unit named like a formula (as a finance feed could push them), and a
    voucher whose payee and purpose are formula-like."""
    BudgetUnit.objects.filter(code__in=["101", "101001"]).update(name=FORMULA)
    Payment.objects.filter(voucher_no="PZ003").update(payee_name="+SUM(1,2)", purpose="@cmd|' /C calc'!A0")
    return loaded_year


def cells_of(content: bytes) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_text_only(content: bytes, *texts: str) -> None:
    """Each of ``texts`` is in the workbook as a text cell, and no cell is a formula."""
    cells = cells_of(content)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for text in texts:
        found = [c for c in cells if isinstance(c.value, str) and text in c.value]
        assert found, text
        assert all(c.data_type == "s" for c in found)
        exact = [c for c in found if c.value == text]
        assert all(c.quotePrefix for c in exact)  # stays text when edited in Excel


def test_the_query_export_keeps_a_formula_like_unit_name_as_text(client_for, budget_staff, hostile_names):
    response = client_for(budget_staff).get(
        reverse("budget:query"), {"year": YEAR, "group": "unit", "export": "xlsx"}
    )
    assert response.status_code == 200
    assert_text_only(b"".join(response.streaming_content), FORMULA)


def test_the_voucher_export_keeps_formula_like_text_as_text(client_for, budget_staff, hostile_names):
    response = client_for(budget_staff).get(reverse("budget:vouchers"), {"year": YEAR, "export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert_text_only(content, "+SUM(1,2)", "@cmd|' /C calc'!A0")
    amounts = [c for c in cells_of(content) if c.column == 11 and c.row > 1]  # numbers stay numbers
    assert amounts and all(c.data_type == "n" for c in amounts)


def test_the_execution_report_keeps_a_formula_like_department_name_as_text(budget_staff, hostile_names):
    report = budget_report_generate(
        actor=budget_staff, year=YEAR, period_kind="quarter", period=2, run_now=True
    )
    with report.excel_file.open("rb") as f:
        content = f.read()
    assert_text_only(content, FORMULA)
    book = openpyxl.load_workbook(io.BytesIO(content))
    names = [row[1] for row in book["按主管部门"].iter_rows(min_row=4, values_only=True)]
    assert FORMULA in names


def test_the_voucher_export_is_capped_and_the_page_says_why(
    client_for, budget_staff, loaded_year, monkeypatch
):
    monkeypatch.setattr(query_views, "VOUCHER_EXPORT_CAP", 3)
    client = client_for(budget_staff)
    response = client.get(reverse("budget:vouchers"), {"year": YEAR, "export": "xlsx"})
    assert response.status_code == 302
    assert "export" not in response["Location"] and f"year={YEAR}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "共有 4 张支付凭证" in page and "最多导出 3 张" in page and "缩小查询范围" in page
    # within the cap the export is made
    response = client.get(reverse("budget:vouchers"), {"year": YEAR, "unit": "101001", "export": "xlsx"})
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert 1 < len(rows) <= 4
