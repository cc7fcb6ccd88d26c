"""English is complete on the budget pages read most (issue 15.9): the findings a warning run wrote
(list and detail), an import rejected with errors, the reports page. Data — the names of units,
payees and projects, a file's own cells — is shown as written; every other word is English. The
same pages in Chinese still show the Chinese texts the run and the import stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from renda.budget.models import Finding, ImportBatch
from renda.budget.services.imports import budget_import
from renda.budget.services.warnings import warnings_evaluate
from renda.budget.tests.conftest import write_csv
from renda.budget.tests.test_warnings_rules import YEAR, indicator, payment, save, unit
from renda.conftest import chinese_outside

pytestmark = pytest.mark.django_db

UNIT, PAYEE, PERSON = "教育局", "示范县城关建设工程有限公司", "王小明"


def english(client, url: str, **params) -> str:
    client.cookies["django_language"] = "en"
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def found(budget_staff):
    """A run that finds an overspent indicator, a payment without one, payments on a Saturday and
    the same amount paid twice, and a large payment to a person."""
    unit("101", UNIT)
    indicator("ZB1", "101", 100_000, project="P1")
    save(
        payment("2025-03-03", "101", 60_000, indicator_no="ZB1", voucher="A1", project="P1"),
        payment("2025-04-03", "101", 50_000, indicator_no="ZB1", voucher="A2", project="P1"),
        payment("2025-05-06", "101", 1_000, voucher="NOIND"),
        payment("2025-03-08", "101", 2_345, indicator_no="ZB1", voucher="SAT1"),
        payment("2025-06-02", "101", 7_777, indicator_no="ZB1", voucher="DUP1"),
        payment("2025-06-04", "101", 7_777, indicator_no="ZB1", voucher="DUP2"),
        payment(
            "2025-07-01", "101", 900_000, indicator_no="ZB1", voucher="BIG", payee=PERSON, payee_type="个人"
        ),
    )
    warnings_evaluate(actor=None, year=YEAR, as_of=dt.date(YEAR, 12, 31))
    findings = list(Finding.objects.filter(year=YEAR))
    assert len({f.rule_code for f in findings}) >= 4, [f.rule_code for f in findings]
    return findings


def _data(*people) -> set[str]:
    """The data an English page shows as written: the names of units, payees and projects, and of
    the people signed in (and their organisations)."""
    names = {UNIT, PAYEE, PERSON, "项目P1", "王**", "测试"}  # 测试: the purpose of the planted payments
    for person in people:
        names |= {person.display_name, person.organisation.name if person.organisation else ""}
    return names


def test_findings_read_in_english(client_for, budget_staff, found):
    client = client_for(budget_staff)
    listing = english(client, reverse("budget:findings"), year=YEAR)
    assert not chinese_outside(listing, _data(budget_staff))
    for finding in found:
        page = english(client, reverse("budget:finding", args=[finding.pk]))
        assert not chinese_outside(page, _data(budget_staff)), (
            finding.rule_code,
            chinese_outside(page, _data(budget_staff)),
        )
        assert finding.message not in page


def test_findings_keep_their_chinese_text_for_a_chinese_reader(client_for, budget_staff, found):
    client = client_for(budget_staff)
    for finding in found:
        page = client.get(reverse("budget:finding", args=[finding.pk])).content.decode()
        assert finding.message in page and finding.title in page


def test_an_import_rejected_with_errors_reads_in_english(client_for, budget_staff, tmp_path):
    rows = [
        ["unit_code", "unit_name", "parent_code", "unit_kind"],
        ["201", "县财政局", "", "行政"],
        ["202", "", "", "行政"],
        ["203", "县文旅局", "203", "行政"],
    ]
    batch = budget_import(
        actor=None, kind="units", year=YEAR, source=write_csv(tmp_path / "u.csv", rows)
    ).batch
    assert batch.status == ImportBatch.Status.REJECTED and len(batch.errors) == 2
    page = english(client_for(budget_staff), reverse("budget:import_detail", args=[batch.pk]))
    file_cells = {cell for row in rows for cell in row}
    # the data interface's Chinese column names are the file's words, shown as written
    column_names = {"单位名称", "上级单位编码"}
    assert 'data-testid="import-error"' in page
    assert not chinese_outside(page, file_cells | column_names | _data(budget_staff))
    # the data interface still answers in Chinese (budget_import --json, the API)
    assert {e["message"] for e in batch.errors} == {"单位名称不能为空", "上级单位不能是本单位"}


def test_the_reports_page_reads_in_english(client_for, budget_staff, loaded_year):
    page = english(client_for(budget_staff), reverse("budget:reports"))
    assert not chinese_outside(page, _data(budget_staff))
