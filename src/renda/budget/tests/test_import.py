"""The import: all-or-nothing, idempotent, every accepted file shape, the command's contract."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models import Sum

from renda.budget.models import (
    BudgetUnit,
    ClassificationItem,
    ImportBatch,
    Indicator,
    Payment,
    PaymentRollup,
    PaymentSummary,
    Project,
)
from renda.budget.services.imports import classification_ensure_baseline
from renda.budget.tests.conftest import INDICATORS, PAYMENTS, UNITS, YEAR, load, write_csv
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_year_loads_with_departments_projects_adjustments_and_summary(loaded_year):
    assert BudgetUnit.objects.get(code="101001").department_code == "101"
    assert BudgetUnit.objects.get(code="102").department_code == "102"
    zb2 = Indicator.objects.get(indicator_no="ZB002")
    assert zb2.current_amount == Decimal("520000.00")
    assert list(zb2.adjustments.values_list("amount", flat=True)) == [Decimal("20000.00")]
    assert Project.objects.get(code="P1").name == "校舍维修"
    assert Payment.objects.count() == 4
    assert all(p.batch_id for p in Payment.objects.all())
    march = PaymentSummary.objects.get(unit_code="101001", month=3)
    assert march.amount == Decimal("31200.50") and march.payments == 2
    rollup = PaymentRollup.objects.get(unit_code="101001", month=3)
    assert (rollup.amount, rollup.payments) == (Decimal("31200.50"), 2)
    assert PaymentRollup.objects.aggregate(s=Sum("amount"))["s"] == Decimal("136200.50")
    assert ClassificationItem.objects.filter(year=YEAR, scheme="function", code="201").exists()


def test_reimport_reports_everything_unchanged(loaded_year, tmp_path):
    result = load("payments", write_csv(tmp_path / "again.csv", PAYMENTS))
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (0, 0, 4, 0)
    assert Payment.objects.count() == 4


def test_a_changed_row_is_updated_and_audited(loaded_year, tmp_path):
    rows = [list(r) for r in PAYMENTS]
    rows[2][11] = "1300.00"
    rows[2][9] = "6217000000009999"
    result = load("payments", write_csv(tmp_path / "changed.csv", rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 3)
    assert Payment.objects.get(voucher_no="PZ002").amount == Decimal("1300.00")
    assert PaymentSummary.objects.get(unit_code="101001", month=3).amount == Decimal("31300.00")
    change = AuditEvent.objects.get(action="budget.import_payments_change")
    assert change.changes["amount"] == ["1200.50", "1300.00"]
    assert "6217000000005678" not in str(change.changes)  # accounts are masked in the trail
    assert "6217000000009999" not in str(change.changes)


def test_an_indicator_adjustment_is_recorded_with_its_document(loaded_year, tmp_path):
    header = [*INDICATORS[0], "adjust_date", "adjust_document"]
    row = list(INDICATORS[2])
    row[9] = "50000.00"
    write_csv(tmp_path / "adj.csv", [header, [*row, "2025-06-30", "县财预〔2025〕12号"]])
    result = load("indicators", tmp_path / "adj.csv")
    assert result.updated == 1
    indicator = Indicator.objects.get(indicator_no="ZB002")
    assert indicator.current_amount == Decimal("550000.00")
    last = indicator.adjustments.order_by("-id").first()
    assert (last.amount, last.document, str(last.date)) == (
        Decimal("30000.00"),
        "县财预〔2025〕12号",
        "2025-06-30",
    )


def test_a_gbk_file_with_chinese_headers_imports(db, tmp_path):
    rows = [
        ["单位编码", "单位名称", "上级单位编码", "单位类型"],
        ["201", "民政局", "", "行政单位"],
        ["201001", "社会福利院", "201", "事业单位"],
    ]
    result = load("units", write_csv(tmp_path / "gbk.csv", rows, encoding="gbk"))
    assert result.errors == [] and result.inserted == 2
    assert BudgetUnit.objects.get(code="201001").name == "社会福利院"


def test_a_semicolon_file_with_a_bom_imports(loaded_year, tmp_path):
    rows = [
        ["voucher_no", "pay_date", "unit_code", "function_code", "budget_type", "amount", "payee_name"],
        ["PZ100", "2025/6/1", "102", "21004", "政府性基金预算", "1,234.56元", "某公司"],
        ["PZ101", "2025年6月2日", "102", "21004", "2", "（１２．００）", "某公司"],
    ]
    result = load("payments", write_csv(tmp_path / "semi.csv", rows, encoding="utf-8-sig", delimiter=";"))
    assert result.errors == [] and result.inserted == 2
    assert Payment.objects.get(voucher_no="PZ100").amount == Decimal("1234.56")
    assert Payment.objects.get(voucher_no="PZ101").amount == Decimal("-12.00")


def test_a_tab_separated_file_in_any_column_order_imports(db, tmp_path):
    rows = [
        ["unit_kind", "parent_code", "unit_name", "unit_code", "备注"],
        ["行政单位", "", "财政局", "301", "x"],
    ]
    result = load("units", write_csv(tmp_path / "tab.tsv", rows, delimiter="\t"))
    assert result.errors == [] and result.inserted == 1
    assert any("备注" in w for w in result.warnings)


def test_an_xlsx_file_imports(loaded_year, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["支付凭证号", "支付日期", "单位编码", "功能分类编码", "预算类型", "支付金额"])
    import datetime as dt

    sheet.append(["PZ200", dt.date(2025, 7, 1), "102", 21004, 1, 99.5])
    path = tmp_path / "p.xlsx"
    workbook.save(path)
    result = load("payments", path)
    assert result.errors == [] and result.inserted == 1
    payment = Payment.objects.get(voucher_no="PZ200")
    assert (payment.amount, payment.function_code, str(payment.pay_date)) == (
        Decimal("99.50"),
        "21004",
        "2025-07-01",
    )


def test_bad_rows_are_all_listed_and_nothing_changes(loaded_year, tmp_path):
    rows = [list(r) for r in PAYMENTS]
    rows[1][11] = "12.345"  # line 2
    rows[3][1] = "2024-12-31"  # line 4: outside the year
    rows.append(
        ["PZ900", "2025-05-01", "999", "20501", "", "1", "", "", "", "", "", "1.00", "", ""]
    )  # line 6
    before = list(Payment.objects.values_list("voucher_no", "amount").order_by("voucher_no"))
    result = load("payments", write_csv(tmp_path / "bad.csv", rows))
    assert result.rejected == 3
    assert [(e["line"], e["column"]) for e in result.errors] == [
        (2, "amount"),
        (4, "pay_date"),
        (6, "unit_code"),
    ]
    assert all(e["message"] for e in result.errors)
    assert list(Payment.objects.values_list("voucher_no", "amount").order_by("voucher_no")) == before
    assert ImportBatch.objects.latest("id").status == ImportBatch.Status.REJECTED


def test_a_duplicate_voucher_in_the_file_is_an_error(loaded_year, tmp_path):
    rows = [*PAYMENTS, PAYMENTS[1]]
    result = load("payments", write_csv(tmp_path / "dup.csv", rows))
    assert [(e["line"], e["column"]) for e in result.errors] == [(6, "voucher_no")]


def test_a_file_without_data_rows_is_an_error(db, tmp_path):
    result = load("units", write_csv(tmp_path / "empty.csv", [UNITS[0]]))
    assert result.rejected == 1 and result.errors[0]["line"] == 1


def test_a_missing_required_column_is_an_error(db, tmp_path):
    result = load("units", write_csv(tmp_path / "cols.csv", [["unit_code"], ["1"]]))
    assert result.errors and "unit_name" in result.errors[0]["message"]


def test_a_unit_cycle_is_refused(db, tmp_path):
    rows = [UNITS[0], ["1", "甲", "2", ""], ["2", "乙", "1", ""]]
    result = load("units", write_csv(tmp_path / "cycle.csv", rows))
    assert result.errors and BudgetUnit.objects.count() == 0


def test_dry_run_changes_nothing_but_counts(loaded_year, tmp_path):
    rows = [*PAYMENTS, ["PZ300", "2025-08-01", "102", "21004", "", "1", "", "", "", "", "", "5.00", "", ""]]
    result = load("payments", write_csv(tmp_path / "dry.csv", rows), dry_run=True)
    assert (result.inserted, result.unchanged, result.errors) == (1, 4, [])
    assert not Payment.objects.filter(voucher_no="PZ300").exists()


def test_a_bad_row_on_line_90000_leaves_the_database_untouched(loaded_year, tmp_path):
    path = tmp_path / "large.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(PAYMENTS[0]) + "\n")
        for n in range(2, 100_001):
            amount = "12.3x" if n == 90_000 else f"{n}.25"
            f.write(f"L{n:06d},2025-09-01,102,21004,30217,1,,,某公司,,单位,{amount},直接支付,\n")
    result = load("payments", path)
    assert result.rejected == 1
    assert result.errors == [
        {"line": 90_000, "column": "amount", "value": "12.3x", "message": result.errors[0]["message"]}
    ]
    assert Payment.objects.count() == 4
    assert not Payment.objects.filter(voucher_no__startswith="L").exists()


def test_the_command_prints_the_json_contract_and_exits_by_outcome(loaded_year, tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", PAYMENTS)
    call_command("budget_import", "--kind", "payments", "--year", str(YEAR), str(good), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out == {
        "kind": "payments",
        "year": YEAR,
        "inserted": 0,
        "updated": 0,
        "unchanged": 4,
        "rejected": 0,
        "errors": [],
    }
    bad = write_csv(tmp_path / "bad.csv", [PAYMENTS[0], ["X", "nodate", *PAYMENTS[1][2:]]])
    with pytest.raises(SystemExit) as exit_info:
        call_command("budget_import", "--kind", "payments", "--year", str(YEAR), str(bad), "--json")
    assert exit_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["rejected"] == 1 and out["errors"][0]["line"] == 2 and out["errors"][0]["column"] == "pay_date"


def test_a_fiscal_data_package_imports(loaded_year, tmp_path):
    package = tmp_path / "fdp"
    package.mkdir()
    write_csv(
        package / "spending.csv",
        [
            ["txn", "date", "admin", "cofog", "econ", "budget", "value"],
            ["FDP1", "2025-10-01", "101", "20501", "30101", "1", "1500.00"],
            ["FDP2", "2025-10-02", "102", "21004", "30217", "2", "250.10"],
        ],
    )
    (package / "datapackage.json").write_text(
        json.dumps(
            {
                "name": "county-spending-2025",
                "resources": [
                    {
                        "name": "spending",
                        "path": "spending.csv",
                        "format": "csv",
                        "schema": {
                            "fields": [
                                {"name": "txn", "type": "string", "columnType": "transaction-id"},
                                {"name": "date", "type": "date", "columnType": "date:generic"},
                                {
                                    "name": "admin",
                                    "type": "string",
                                    "columnType": "administrative-classification:generic:code",
                                },
                                {
                                    "name": "cofog",
                                    "type": "string",
                                    "columnType": "functional-classification:generic:code",
                                },
                                {
                                    "name": "econ",
                                    "type": "string",
                                    "columnType": "economic-classification:generic:code",
                                },
                                {"name": "budget", "type": "string", "renda:field": "budget_type"},
                                {"name": "value", "type": "number", "columnType": "value"},
                            ]
                        },
                    }
                ],
                "model": {
                    "measures": {"value": {"source": "value", "currency": "CNY"}},
                    "dimensions": {
                        "unit_code": {"attributes": {"code": {"source": "admin"}}, "primaryKey": "code"}
                    },
                },
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = load("payments", package / "datapackage.json", file_format="fdp")
    assert result.errors == [] and result.inserted == 2
    assert Payment.objects.get(voucher_no="FDP2").amount == Decimal("250.10")


def test_the_baseline_classification_loads_once_per_year(db):
    classification_ensure_baseline(year=2030)
    n = ClassificationItem.objects.filter(year=2030).count()
    assert n > 200
    assert classification_ensure_baseline(year=2030) == []
    assert ClassificationItem.objects.get(year=2030, scheme="econ_dept", code="30217").name


def test_the_command_runs_as_a_program(tmp_path):
    """``python manage.py budget_import`` is a real command (exit status from a fresh process)."""
    missing = tmp_path / "missing.csv"
    completed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "budget_import",
            "--kind",
            "units",
            "--year",
            "2025",
            str(missing),
            "--json",
            "--dry-run",
        ],
        cwd=Path(__file__).resolve().parents[4],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "RENDA_DATA_DIR": str(tmp_path)},
    )
    assert completed.returncode != 0
