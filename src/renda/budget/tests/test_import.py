"""The import: all-or-nothing, idempotent, every accepted file shape, the command's contract."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Sum
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from renda.budget.models import (
    BudgetUnit,
    ClassificationItem,
    ImportBatch,
    Indicator,
    PayeeSummary,
    Payment,
    PaymentClassSummary,
    PaymentRollup,
    PaymentSummary,
    Project,
    Revenue,
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
    assert last is not None
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


REVENUE = [
    ["month", "item_code", "item_name", "budget_type", "amount", "budget_amount"],
    ["2025-01", "1010101", "国内增值税", "1", "1000000.00", "12,000,000.00"],
    ["2025-02", "1010101", "国内增值税", "1", "1100000.00", "12,000,000.00"],
    ["2025-01", "1030148", "国有土地使用权出让收入", "2", "500000.00", ""],
]


def test_revenue_with_its_annual_budget_imports_and_reimports_unchanged(db, tmp_path):
    result = load("revenue", write_csv(tmp_path / "rev.csv", REVENUE))
    assert (result.errors, result.inserted) == ([], 3)
    vat = Revenue.objects.get(item_code="1010101", month=2)
    assert (vat.amount, vat.budget_amount) == (Decimal("1100000.00"), Decimal("12000000.00"))
    assert Revenue.objects.get(item_code="1030148").budget_amount is None  # an empty cell
    again = load("revenue", write_csv(tmp_path / "again.csv", REVENUE))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_revenue_budget_by_its_chinese_header_and_a_change_is_audited(db, tmp_path):
    load("revenue", write_csv(tmp_path / "rev.csv", REVENUE))
    rows = [["月份", "收入科目编码", "收入科目名称", "预算类型", "金额", "年度预算数"]]
    rows += [list(r) for r in REVENUE[1:]]
    rows[1][5] = "12500000元"
    result = load("revenue", write_csv(tmp_path / "zh.csv", rows))
    assert (result.errors, result.updated, result.unchanged) == ([], 1, 2)
    assert Revenue.objects.get(item_code="1010101", month=1).budget_amount == Decimal("12500000.00")
    change = AuditEvent.objects.get(action="budget.import_revenue_change")
    assert change.changes["budget_amount"] == ["12000000.00", "12500000.00"]


def test_revenue_without_the_budget_column_keeps_the_stored_budget(db, tmp_path):
    without = [row[:5] for row in REVENUE]
    first = load("revenue", write_csv(tmp_path / "without.csv", without))
    assert (first.errors, first.inserted) == ([], 3)
    assert set(Revenue.objects.values_list("budget_amount", flat=True)) == {None}
    load("revenue", write_csv(tmp_path / "with.csv", REVENUE))
    again = load("revenue", write_csv(tmp_path / "without2.csv", without))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert Revenue.objects.get(item_code="1010101", month=1).budget_amount == Decimal("12000000.00")
    changed = [list(r) for r in without]
    changed[1][4] = "1000001.00"
    result = load("revenue", write_csv(tmp_path / "changed.csv", changed))
    assert (result.updated, result.unchanged) == (1, 2)
    vat = Revenue.objects.get(item_code="1010101", month=1)
    assert (vat.amount, vat.budget_amount) == (Decimal("1000001.00"), Decimal("12000000.00"))


def test_a_bad_revenue_budget_is_refused_with_its_line(db, tmp_path):
    rows = [list(r) for r in REVENUE]
    rows[2][5] = "12.345"
    result = load("revenue", write_csv(tmp_path / "bad.csv", rows))
    assert [(e["line"], e["column"]) for e in result.errors] == [(3, "budget_amount")]
    assert not Revenue.objects.exists()


@pytest.mark.parametrize("months", [11, 12])
def test_synthetic_revenue_reaches_80_to_95_percent_of_budget_by_november(db, tmp_path, months):
    import random

    from renda.demo import budget_synth as synth

    plan = synth.Year(YEAR)
    synth.write_revenue(tmp_path / "revenue.csv", random.Random(3), plan, months)
    result = load("revenue", tmp_path / "revenue.csv")
    assert result.errors == [] and result.inserted == 9 * months
    for code in Revenue.objects.values_list("item_code", flat=True).distinct():
        rows = Revenue.objects.filter(item_code=code)
        budget = {r.budget_amount for r in rows}
        assert len(budget) == 1  # the annual figure, repeated on each month's row
        received = rows.filter(month__lte=11).aggregate(s=Sum("amount"))["s"]
        share = received / budget.pop()
        assert Decimal("0.795") <= share <= Decimal("0.955"), (code, share)


# --- the streaming pass: batches, fast and full paths, bulk loads, summaries ---------------------


def _payment(n: int, **cells: str) -> list[str]:
    row = dict(zip(PAYMENTS[0], PAYMENTS[1], strict=True))
    row.update(voucher_no=f"B{n:05d}", pay_date=f"2025-06-{1 + n % 28:02d}", amount=f"{n}.50")
    row.update(cells)
    return [row[c] for c in PAYMENTS[0]]


def _summary_rows():
    from renda.budget.models import PaymentRollup

    fine = sorted(
        PaymentSummary.objects.values_list(
            "month",
            "unit_code",
            "function_code",
            "econ_code",
            "budget_type",
            "project_code",
            "amount",
            "payments",
        )
    )
    coarse = sorted(
        PaymentRollup.objects.values_list(
            "month", "unit_code", "function_code", "budget_type", "amount", "payments"
        )
    )
    classes = sorted(
        PaymentClassSummary.objects.values_list(
            "month", "function_code", "econ_code", "budget_type", "amount", "payments"
        )
    )
    return fine, coarse, classes


def test_errors_are_found_in_every_batch_and_across_batch_boundaries(loaded_year, tmp_path, monkeypatch):
    from renda.budget.import_engine import stage

    monkeypatch.setattr(stage, "STAGE_BATCH", 3)
    rows = [PAYMENTS[0]] + [_payment(n) for n in range(1, 11)]
    rows[4] = _payment(4, amount="12.3x")  # line 5, batch 2
    rows[7] = _payment(3)  # line 8: the voucher of line 4 again, in another batch
    rows.insert(9, ["", "", ""])  # line 10: a blank (short) row, skipped
    rows[10] = _payment(9, unit_code="999")  # line 11: an unknown unit
    result = load("payments", write_csv(tmp_path / "b.csv", rows))
    assert [(e["line"], e["column"]) for e in result.errors] == [(5, "amount"), (11, "unit_code")]
    assert Payment.objects.count() == 4
    # Duplicates are looked for once every cell is good: alone, the repeated voucher is named.
    rows[4], rows[10] = _payment(4), _payment(9)
    result = load("payments", write_csv(tmp_path / "d.csv", rows))
    assert [(e["line"], e["column"], e["value"]) for e in result.errors] == [(8, "voucher_no", "B00003")]


def test_unsorted_keys_with_a_duplicate_across_batches_are_refused(loaded_year, tmp_path, monkeypatch):
    from renda.budget.import_engine import stage

    monkeypatch.setattr(stage, "STAGE_BATCH", 2)
    rows = [PAYMENTS[0], _payment(5), _payment(2), _payment(9), _payment(5, amount="1.00")]
    result = load("payments", write_csv(tmp_path / "u.csv", rows))
    assert [(e["line"], e["value"]) for e in result.errors] == [(5, "B00005")]
    rows = [PAYMENTS[0], _payment(5), _payment(2), _payment(9), _payment(7)]
    result = load("payments", write_csv(tmp_path / "ok.csv", rows))
    assert (result.errors, result.inserted) == ([], 4)


def test_cells_outside_the_canonical_form_are_parsed_one_by_one(loaded_year, tmp_path):
    rows = [
        PAYMENTS[0],
        _payment(1),
        _payment(2, amount="1,234.5元", pay_date="2025年6月3日", budget_type="一般公共预算"),
    ]
    rows.append(_payment(3, payee_name="  某公司  ", econ_code=" 30201 ", pay_method="授权支付"))
    result = load("payments", write_csv(tmp_path / "mixed.csv", rows))
    assert result.errors == [] and result.inserted == 3
    two = Payment.objects.get(voucher_no="B00002")
    assert (two.amount, str(two.pay_date), two.budget_type) == (Decimal("1234.50"), "2025-06-03", 1)
    three = Payment.objects.get(voucher_no="B00003")
    assert (three.payee_name, three.econ_code) == ("某公司", "30201")


def test_a_control_character_in_text_is_refused(loaded_year, tmp_path):
    rows = [PAYMENTS[0], _payment(1, purpose="维修\x00费")]
    result = load("payments", write_csv(tmp_path / "nul.csv", rows))
    assert [(e["line"], e["column"]) for e in result.errors] == [(2, "purpose")]


def test_payments_added_later_are_added_to_the_summaries(loaded_year, tmp_path):
    from renda.budget.import_engine.summaries import rebuild_payment_summary

    first = [PAYMENTS[0]] + [_payment(n) for n in range(1, 6)]
    load("payments", write_csv(tmp_path / "1.csv", first))
    # the same rows again (unchanged) and new ones: only the new ones are added
    second = first + [_payment(n, unit_code="102", function_code="21004") for n in range(6, 9)]
    result = load("payments", write_csv(tmp_path / "2.csv", second))
    assert (result.inserted, result.unchanged, result.updated) == (3, 5, 0)
    added = _summary_rows()
    rebuild_payment_summary(settings.RENDA_REGION_CODE, YEAR)
    assert added == _summary_rows()
    assert PaymentSummary.objects.aggregate(s=Sum("payments"))["s"] == Payment.objects.count() == 12
    # a changed payment changes the year's summaries as a rebuild would
    third = [PAYMENTS[0], _payment(1, amount="99999.00")]
    assert load("payments", write_csv(tmp_path / "3.csv", third)).updated == 1
    changed = _summary_rows()
    rebuild_payment_summary(settings.RENDA_REGION_CODE, YEAR)
    assert changed == _summary_rows()
    assert (
        PaymentSummary.objects.aggregate(s=Sum("amount"))["s"]
        == Payment.objects.aggregate(s=Sum("amount"))["s"]
    )


def _grouped_payments(key: tuple[str, ...]) -> list[tuple]:
    """The year's payments grouped by a summary's key, as the summary should hold them."""
    from django.db.models import Count
    from django.db.models.functions import ExtractMonth

    rows = (
        Payment.objects.filter(region_code=settings.RENDA_REGION_CODE, year=YEAR)
        .annotate(month=ExtractMonth("pay_date"))
        .values(*key)
        .annotate(total=Sum("amount"), n=Count("id"))
        .values_list(*key, "total", "n")
    )
    return sorted(rows)


def _summary_cells(model, key: tuple[str, ...]) -> list[tuple]:
    rows = model.objects.filter(region_code=settings.RENDA_REGION_CODE, year=YEAR)
    return sorted(rows.values_list(*key, "amount", "payments"))


def test_adds_and_changes_into_a_year_with_summaries_keep_every_summary_cell_exact(loaded_year, tmp_path):
    """Payments added to and changed in a year whose summaries are kept are merged into them group
    by group (from the staged rows, not by summing the year again): every cell of every summary
    equals a GROUP BY of the payments — groups a change empties are gone, new ones appear."""
    from renda.budget.import_engine.summaries import CLASS_KEY, PAYEE_KEY, ROLLUP_KEY, SUMMARY_KEY

    summaries = (
        (PaymentSummary, SUMMARY_KEY),
        (PaymentRollup, ROLLUP_KEY),
        (PaymentClassSummary, CLASS_KEY),
        (PayeeSummary, PAYEE_KEY),
    )

    def exact() -> None:
        for model, key in summaries:
            assert _summary_cells(model, key) == _grouped_payments(key), model.__name__

    first = [PAYMENTS[0]] + [_payment(n) for n in range(1, 21)]
    load("payments", write_csv(tmp_path / "1.csv", first))
    exact()
    # new payments into new and existing groups, with the stored ones unchanged
    added = first + [
        _payment(n, unit_code="102", function_code="21004", payee_name=f"新收款人{n % 3}")
        for n in range(21, 31)
    ]
    result = load("payments", write_csv(tmp_path / "2.csv", added))
    assert (result.inserted, result.updated, result.unchanged) == (10, 0, 20)
    exact()
    # changes: an amount; a payment moved to another unit, code, month and payee; a change that
    # empties its group (PZ004, alone in May); one outside the summaries (the purpose); new rows
    changes = [
        PAYMENTS[0],
        _payment(1, amount="99999.00"),
        _payment(2, unit_code="101", function_code="20501", econ_code="30101", project_code="P2"),
        _payment(3, pay_date="2025-11-03", payee_name="另一收款人", payee_type="个人"),
        _payment(4, purpose="改了用途"),
        _payment(5, econ_code="", project_code=""),
        [*PAYMENTS[4][:1], "2025-06-20", *PAYMENTS[4][2:11], "5000.00", *PAYMENTS[4][12:]],
        *(_payment(n, amount="0.01") for n in range(31, 34)),
    ]
    result = load("payments", write_csv(tmp_path / "3.csv", changes))
    assert (result.inserted, result.updated, result.unchanged) == (3, 6, 0)
    assert not PaymentSummary.objects.filter(month=5).exists()
    exact()
    # a file that changes payments back and adds nothing
    result = load("payments", write_csv(tmp_path / "4.csv", first))
    assert (result.inserted, result.updated) == (0, 5)
    exact()
    # a rejected file and a dry run leave the summaries as they were
    before = [_summary_cells(model, key) for model, key in summaries]
    assert load("payments", write_csv(tmp_path / "5.csv", [*changes, _payment(40, amount="x")])).errors
    assert load("payments", write_csv(tmp_path / "6.csv", changes), dry_run=True).updated == 5
    assert [_summary_cells(model, key) for model, key in summaries] == before


def _indexes(model):
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name for name, spec in found.items() if spec["index"] or spec["foreign_key"]}


def test_a_bulk_load_rebuilds_the_indexes_it_dropped(loaded_year, tmp_path, monkeypatch):
    from renda.budget.import_engine import bulk

    monkeypatch.setattr(bulk, "BULK_REBUILD_MIN", 1)
    before = {model: _indexes(model) for model in (Payment, PaymentSummary)}
    rows = [PAYMENTS[0]] + [_payment(n) for n in range(1, 40)]
    result = load("payments", write_csv(tmp_path / "bulk.csv", rows))
    assert (result.errors, result.inserted) == ([], 39)
    assert {model: _indexes(model) for model in (Payment, PaymentSummary)} == before
    assert Payment.objects.filter(voucher_no="B00039").get().amount == Decimal("39.50")
    # a rejected bulk file and a dry run leave the indexes (and the data) as they were
    bad = [PAYMENTS[0]] + [_payment(n) for n in range(100, 140)] + [_payment(100)]
    assert load("payments", write_csv(tmp_path / "bad.csv", bad)).errors
    assert load("payments", write_csv(tmp_path / "dry.csv", bad[:-1]), dry_run=True).inserted == 40
    assert {model: _indexes(model) for model in (Payment, PaymentSummary)} == before
    assert Payment.objects.count() == 43


def test_a_database_error_while_staging_leaves_nothing_behind(loaded_year, tmp_path, monkeypatch):
    from renda.budget.import_engine import bulk

    def broken(self, columns):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk.RowWriter, "write", broken)
    with pytest.raises(RuntimeError):
        load("payments", write_csv(tmp_path / "x.csv", [PAYMENTS[0], _payment(1)]))
    monkeypatch.undo()
    assert load("payments", write_csv(tmp_path / "y.csv", [PAYMENTS[0], _payment(1)])).inserted == 1


# --- Arrow's reading and the first load of a year ------------------------------------------------

NEXT = YEAR + 1


def _next_year(n: int, **cells: str) -> list[str]:
    return _payment(n, **{"pay_date": f"{NEXT}-07-{1 + n % 28:02d}", "indicator_no": "", **cells})


def _payments_of(year: int) -> list[tuple]:
    fields = [f for f in PAYMENTS[0] if f not in {"payee_account"}]
    return sorted(Payment.objects.filter(year=year).values_list(*fields))


def test_the_first_load_of_a_year_is_whole_and_summed(loaded_year, tmp_path, monkeypatch):
    """On PostgreSQL the year's first payments go straight into the table (and its summaries are
    summed from them); on SQLite through the staging table. Either way: all or nothing."""
    from renda.budget.import_engine import bulk, stage
    from renda.budget.import_engine.summaries import rebuild_payment_summary

    monkeypatch.setattr(bulk, "BULK_REBUILD_MIN", 1)
    monkeypatch.setattr(stage, "STAGE_BATCH", 7)
    monkeypatch.setattr(stage, "ARROW_BLOCK_BYTES", 1000)  # several batches
    before = _indexes(Payment)
    rows = [PAYMENTS[0]] + [_next_year(n) for n in range(1, 30)]
    bad = [*rows, _next_year(30, amount="12.3x")]
    result = load("payments", write_csv(tmp_path / "bad.csv", bad), year=NEXT)
    assert [(e["line"], e["column"]) for e in result.errors] == [(31, "amount")]
    assert not Payment.objects.filter(year=NEXT).exists()
    assert not PaymentSummary.objects.filter(year=NEXT).exists()
    assert _indexes(Payment) == before
    result = load("payments", write_csv(tmp_path / "good.csv", rows), year=NEXT)
    assert (result.errors, result.inserted, result.unchanged) == ([], 29, 0)
    assert _indexes(Payment) == before
    assert Payment.objects.filter(year=NEXT).aggregate(s=Sum("amount"))["s"] == sum(
        Decimal(f"{n}.50") for n in range(1, 30)
    )
    summed = _summary_rows()
    rebuild_payment_summary(settings.RENDA_REGION_CODE, NEXT)
    assert summed == _summary_rows()
    again = load("payments", write_csv(tmp_path / "again.csv", rows), year=NEXT)
    assert (again.inserted, again.unchanged) == (0, 29)


def _all_summaries() -> list[list[tuple]]:
    from renda.budget.models import PayeeSummary

    payees = PayeeSummary.objects.values_list("month", "payee_name", "payee_type", "amount", "payments")
    return [*_summary_rows(), sorted(payees)]


@pytest.mark.parametrize("codes_fit", [True, False])
def test_summaries_summed_while_streaming_equal_the_databases(loaded_year, tmp_path, monkeypatch, codes_fit):
    """A year's first summaries are summed in the import process (texts numbered, keys packed,
    totals folded every few rows); they must equal the database's grouping of the stored
    payments, cell for cell, over varied keys and amounts, batches Arrow checks and batches
    parsed cell by cell. When the codes do not fit their bits the database sums instead."""
    import random

    from renda.budget.import_engine import stage
    from renda.budget.import_engine.summaries import StreamedTotals, rebuild_payment_summary

    monkeypatch.setattr(stage, "ARROW_BLOCK_BYTES", 1500)  # many small batches
    monkeypatch.setattr(StreamedTotals, "FOLD_ROWS", 9)  # several folds
    if not codes_fit:
        monkeypatch.setattr(StreamedTotals, "_BITS", {**StreamedTotals._BITS, "project_code": 1})
    rng = random.Random(7)
    rows = [PAYMENTS[0]]
    for n in range(1, 160):
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        cells = {
            "unit_code": rng.choice(["101", "101001", "102"]),
            "function_code": rng.choice(["205", "20502", "2050201", "2100101"]),
            "econ_code": rng.choice(["", "302", "30201", "501"]),
            "budget_type": rng.choice(["1", "2", "3", "4"]),
            "project_code": rng.choice(["", "P1", "P-2025/07"]),
            "payee_name": rng.choice(["", "县第一中学", "张三", "Acme Ltd."]),
            "payee_type": rng.choice(["", "单位", "个人"]),
            "amount": rng.choice(["0.01", "-12.30", "9999999999.99", f"{n}.50", "1,234.00", "（5.00）"]),
            "pay_date": rng.choice([f"{NEXT}-{month:02d}-{day:02d}", f"{NEXT}/{month}/{day}"]),
        }
        rows.append(_next_year(n, **cells))
    result = load("payments", write_csv(tmp_path / "varied.csv", rows), year=NEXT)
    assert (result.errors, result.inserted) == ([], 159)
    from renda.budget.models import PayeeSummary

    for model in (PaymentSummary, PayeeSummary):
        assert model.objects.filter(year=NEXT).aggregate(n=Sum("payments"))["n"] == 159
    streamed = _all_summaries()
    rebuild_payment_summary(settings.RENDA_REGION_CODE, NEXT)
    assert streamed == _all_summaries()


def test_streamed_totals_give_way_where_64_bit_sums_could_overflow():
    """Amounts whose sum could pass 2^62 fen leave the summing to the database (which reports a
    total too large for its column instead of storing a wrapped one)."""
    import pyarrow as pa

    from renda.budget.import_engine.summaries import StreamedTotals

    def batch(amount: str) -> dict[str, pa.Array]:
        cells = dict.fromkeys(StreamedTotals.COLUMNS, "")
        cells.update(pay_date="2025-03-01", amount=amount, unit_code="101", budget_type="1")
        return {name: pa.array([value] * 3, pa.string()) for name, value in cells.items()}

    small, large = StreamedTotals(), StreamedTotals()
    small.add(batch("1.25"))
    for _ in range(2):
        large.add(batch("9999999999999999.99"))
    [(_, _, fine), *_rest] = small.tables()
    assert fine.column("amount").to_pylist() == [Decimal("3.75")]
    assert large.tables() == [] and large.overflow


# --- 金额合计上限: every sum of a year's amounts fits the money columns ----------------------------

HALF_LIMIT = "500000000000000.00"  # half of check.YEAR_TOTAL_LIMIT (10^15 yuan)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_year_whose_amounts_add_up_past_the_limit_is_refused(loaded_year, tmp_path, dry_run):
    """The rows pass one by one (each under 10^16 yuan), but their sum would not fit the summaries'
    money columns: the file is refused whole, naming the column, whichever way it loads (a first
    load is summed while streaming; a dry run sums the staged rows)."""
    rows = [PAYMENTS[0], _next_year(1, amount=HALF_LIMIT), _next_year(2, amount=f"-{HALF_LIMIT}")]
    over = [*rows, _next_year(3, amount="1,000.00")]
    result = load("payments", write_csv(tmp_path / "over.csv", over), year=NEXT, dry_run=dry_run)
    assert [(e["line"], e["column"], e["value"]) for e in result.errors] == [
        (1, "amount", "1,000,000,000,001,000.00")
    ]
    assert "支付金额的绝对值合计" in result.errors[0]["message"]
    assert not result.applied and not Payment.objects.filter(year=NEXT).exists()
    result = load("payments", write_csv(tmp_path / "at.csv", rows), year=NEXT, dry_run=dry_run)
    assert (result.errors, result.inserted) == ([], 2)


def test_stored_payments_count_towards_the_years_limit(loaded_year, tmp_path):
    rows = [PAYMENTS[0], _next_year(1, amount=HALF_LIMIT), _next_year(2, amount=HALF_LIMIT)]
    assert load("payments", write_csv(tmp_path / "at.csv", rows), year=NEXT).inserted == 2
    assert PaymentRollup.objects.filter(year=NEXT).get().amount == Decimal(10**15)
    more = [PAYMENTS[0], _next_year(3, amount="1,000.00")]
    result = load("payments", write_csv(tmp_path / "more.csv", more), year=NEXT)
    assert [(e["line"], e["column"]) for e in result.errors] == [(1, "amount")]
    assert Payment.objects.filter(year=NEXT).count() == 2


def test_indicators_whose_amounts_add_up_past_the_limit_are_refused(loaded_year, tmp_path):
    rows = [list(INDICATORS[0])]
    for n in range(3):
        row = list(INDICATORS[1])
        row[0], row[8], row[9] = f"ZBX{n}", "400000000000000.00", ""
        rows.append(row)
    result = load("indicators", write_csv(tmp_path / "big.csv", rows))
    assert [(e["line"], e["column"]) for e in result.errors] == [(1, "original_amount")]
    assert "年初预算数的绝对值合计" in result.errors[0]["message"]
    assert not Indicator.objects.filter(indicator_no__startswith="ZBX").exists()


def test_a_first_load_with_a_repeated_voucher_out_of_order_names_its_line(loaded_year, tmp_path):
    rows = [PAYMENTS[0], _next_year(5), _next_year(2), _next_year(9), _next_year(2, amount="3.00")]
    result = load("payments", write_csv(tmp_path / "dup.csv", rows), year=NEXT)
    assert [(e["line"], e["column"], e["value"]) for e in result.errors] == [(5, "voucher_no", "B00002")]
    assert not Payment.objects.filter(year=NEXT).exists()
    rows[4] = _next_year(7)
    assert load("payments", write_csv(tmp_path / "ok.csv", rows), year=NEXT).inserted == 4


def test_arrow_and_python_read_a_file_alike(loaded_year, tmp_path, monkeypatch):
    """The same file, read by Arrow's parser (canonical batches checked by its kernels, the others
    cell by cell) and by Python's csv alone, stores the same payments."""
    from renda.budget.import_engine import run, stage

    monkeypatch.setattr(stage, "STAGE_BATCH", 4)
    monkeypatch.setattr(stage, "ARROW_BLOCK_BYTES", 600)
    rows = [PAYMENTS[0]] + [_next_year(n) for n in range(1, 13)]
    rows[3] = _next_year(3, amount="1,234.5元", pay_date=f"{NEXT}年7月4日", budget_type="一般公共预算")
    rows[6] = _next_year(6, purpose='维修,"加固"\n第二行', payee_name="  某公司  ")
    rows[9] = _next_year(9, econ_code="", project_code="", payee_type="", pay_method="")
    path = write_csv(tmp_path / "mixed.csv", rows)
    assert load("payments", path, year=NEXT).inserted == 12
    by_arrow = _payments_of(NEXT)
    Payment.objects.filter(year=NEXT).delete()
    PaymentSummary.objects.filter(year=NEXT).delete()
    PaymentRollup.objects.filter(year=NEXT).delete()
    monkeypatch.setattr(run, "file_source", _without_arrow(run.file_source))
    assert load("payments", path, year=NEXT).inserted == 12
    assert _payments_of(NEXT) == by_arrow
    six = Payment.objects.get(year=NEXT, voucher_no="B00006")
    assert (six.purpose, six.payee_name) == ('维修,"加固"\n第二行', "某公司")
    assert Payment.objects.get(year=NEXT, voucher_no="B00003").amount == Decimal("1234.50")


def _without_arrow(file_source):
    """``run.file_source`` as if Arrow were not there: Python's csv reads the file."""

    def source(*args, **kwargs):
        found = file_source(*args, **kwargs)
        found.table.arrow_batches = None
        return found

    return source


def test_a_row_arrow_declines_is_read_by_python_with_its_line(loaded_year, tmp_path):
    rows = [PAYMENTS[0]] + [_next_year(n) for n in range(1, 6)]
    rows[2] = [*rows[2], "多出的单元格"]  # line 3: a cell beyond the header (Python's csv keeps it)
    rows[4] = _next_year(4, unit_code="999")  # line 5: an unknown unit
    result = load("payments", write_csv(tmp_path / "wide.csv", rows), year=NEXT)
    assert [(e["line"], e["column"]) for e in result.errors] == [(5, "unit_code")]
    rows[4] = _next_year(4)
    result = load("payments", write_csv(tmp_path / "wide-ok.csv", rows), year=NEXT)
    assert (result.errors, result.inserted) == ([], 5)


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_by_others_while_a_direct_load_is_open(db):
    """The upload page polls the batch row from another connection while the import's own
    transaction is still open (a direct load on PostgreSQL holds one)."""
    from django.db import connection, connections, transaction

    from renda.budget.import_engine.run import progress_writer

    if connection.vendor != "postgresql":
        pytest.skip("SQLite loads through the staging table, outside any transaction")
    batch = ImportBatch.objects.create(kind="payments", year=NEXT, source=ImportBatch.Source.UPLOAD)
    with transaction.atomic():
        progress_writer(batch)(20000, 0.5)
        other = connections.create_connection(connection.alias)
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT processed_rows, progress FROM budget_importbatch WHERE id = %s", [batch.pk]
                )
                assert cursor.fetchone() == (20000, 50)
        finally:
            other.close()


_CELLS = {
    # per column: canonical cells; other good cells (a finance system writes these too); bad ones
    "pay_date": ([f"{NEXT}-07-01"], [f"{NEXT}-7-2", f"{NEXT}年7月3日", f"{NEXT}0704"], ["2019-01-01", ""]),
    "amount": (["12.50", "-3.00"], ["1,234.50", "１２.００", "(3.00)", "7元"], ["12.3x", ""]),
    "budget_type": (["1", "2"], ["政府性基金预算"], ["5"]),
    "econ_code": (["30201", ""], [" 30201 "], ["3020"]),
    "payee_name": (["城关建设公司", "", '引号"与,逗号', "多\n行"], [" 前后空格 ", "\u3000全角空格"], []),
    "payee_type": (["单位", "个人", ""], [], ["法人"]),
    "purpose": (["维修", ""], [], ["a\x00b", "x" * 301]),
    "unit_code": (["101001", "102"], [], ["999"]),
}


_CANONICAL_ROWS = st.lists(
    st.tuples(*(st.sampled_from(canonical) for canonical, _other, _bad in _CELLS.values())),
    min_size=1,
    max_size=12,
)


def _cells_of(kind: int) -> st.SearchStrategy[tuple[int, tuple[str, str]]]:
    """A row number and one (column, cell) of the ``kind`` (1: other good cells, 2: bad ones)."""
    cells = [(column, cell) for column, kinds in _CELLS.items() for cell in kinds[kind]]
    return st.tuples(st.integers(0, 11), st.sampled_from(cells))


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(choices=_CANONICAL_ROWS, odd=st.lists(_cells_of(1), max_size=3), bad=st.none() | _cells_of(2))
def test_arrow_and_python_agree_on_any_file(loaded_year, tmp_path, monkeypatch, choices, odd, bad):
    """Whatever the cells — canonical or not, good or bad — the Arrow reading and Python's alone
    report the same errors and store the same payments."""
    from renda.budget.import_engine import run, stage

    monkeypatch.setattr(stage, "ARROW_BLOCK_BYTES", 700)  # several batches
    rows = [PAYMENTS[0]] + [
        _next_year(n, **dict(zip(_CELLS, cells, strict=True))) for n, cells in enumerate(choices)
    ]
    for at, (column, value) in [*odd, *([bad] if bad else [])]:  # a few odd cells, maybe a bad one
        rows[1 + at % len(choices)][PAYMENTS[0].index(column)] = value
    path = write_csv(tmp_path / "any.csv", rows)
    outcomes = []
    for arrow in (True, False):
        with monkeypatch.context() as patch:
            if not arrow:
                patch.setattr(run, "file_source", _without_arrow(run.file_source))
            result = load("payments", path, year=NEXT)
        outcomes.append((result.errors, result.inserted, _payments_of(NEXT)))
        Payment.objects.filter(year=NEXT).delete()
        for model in (PaymentSummary, PaymentRollup, PayeeSummary):
            model.objects.filter(year=NEXT).delete()
    assert outcomes[0] == outcomes[1]
