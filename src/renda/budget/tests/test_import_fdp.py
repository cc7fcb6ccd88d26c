# ruff: noqa: E501 - the packages written here keep a row of data on a line
"""Fiscal Data Packages in the 2016 mapping form (FDP 0.3: ``model`` with measures and typed
dimensions), written here from the published specification in several shapes: aggregated budget
lines, transactions with suppliers and dates, several years in one file, and a package that needs
a mapping file. Each is imported through the one door, twice (nothing changes the second time)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from renda.budget.models import BudgetUnit, ClassificationItem, ImportBatch, Indicator, Payment, Revenue
from renda.budget.services.imports import budget_import
from renda.budget.tests.conftest import YEAR, write_csv

pytestmark = pytest.mark.django_db


def package(
    root: Path, rows: list[list[str]], model: dict[str, Any], *, name: str = "pkg", **extra: Any
) -> Path:
    """A package directory: ``data.csv`` and its ``datapackage.json`` (schema from the header)."""
    folder = root / name
    folder.mkdir()
    write_csv(folder / "data.csv", rows)
    descriptor = {
        "name": name,
        "title": f"测试数据包 {name}",
        "profiles": {"fiscal": "*", "tabular": "*"},
        "resources": [
            {
                "name": "data",
                "path": "data.csv",
                "format": "csv",
                "schema": {"fields": [{"name": h, "type": "string"} for h in rows[0]]},
            }
        ],
        "model": model,
        **extra,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    return folder / "datapackage.json"


def run(kind: str, path: Path, year: int = YEAR, **kwargs: Any):
    return budget_import(actor=None, kind=kind, year=year, source=path, **kwargs)


# --- shape 1: aggregated budget lines (no payee; administrative, functional, economic) ----------

BUDGET_ROWS = [
    ["年度", "部门编码", "部门", "单位编码", "单位", "类", "类名", "款", "款名", "项", "项名", "经济科目", "科目名", "批准数", "调整后"],
    ["2025", "301", "县人大常委会办公室", "301001", "县人大机关", "201", "一般公共服务支出", "01", "人大事务", "01", "行政运行", "30101", "基本工资", "123.4567", "130.0000"],
    ["2025", "301", "县人大常委会办公室", "301001", "县人大机关", "201", "一般公共服务支出", "01", "人大事务", "12", "人大代表联络站建设", "30201", "办公费", "8.5", "8.5"],
    ["2025", "301", "县人大常委会办公室", "301002", "县人大代表服务中心", "201", "一般公共服务支出", "01", "人大事务", "04", "人大会议", "30211", "差旅费", "2.25", "2"],
]  # fmt: skip

BUDGET_MODEL = {
    "measures": {
        "approved": {"source": "批准数", "currency": "CNY", "factor": 10000, "phase": "approved"},
        "adjusted": {"source": "调整后", "currency": "CNY", "factor": 10000, "phase": "adjusted"},
    },
    "dimensions": {
        "fiscal-year": {
            "dimensionType": "datetime",
            "attributes": {"year": {"source": "年度"}},
            "primaryKey": "year",
        },
        "administrative-classification": {
            "dimensionType": "classification",
            "classificationType": "administrative",
            "attributes": {
                "department": {"source": "部门编码"},
                "department_name": {"source": "部门", "labelfor": "department"},
                "unit": {"source": "单位编码", "parent": "department"},
                "unit_name": {"source": "单位", "labelfor": "unit"},
            },
            "primaryKey": ["department", "unit"],
        },
        "functional-classification": {
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {
                "lei": {"source": "类"},
                "lei_name": {"source": "类名", "labelfor": "lei"},
                "kuan": {"source": "款", "parent": "lei"},
                "kuan_name": {"source": "款名", "labelfor": "kuan"},
                "xiang": {"source": "项", "parent": "kuan"},
                "xiang_name": {"source": "项名", "labelfor": "xiang"},
            },
            "primaryKey": ["lei", "kuan", "xiang"],
        },
        "economic-classification": {
            "dimensionType": "classification",
            "classificationType": "economic",
            "attributes": {
                "code": {"source": "经济科目"},
                "title": {"source": "科目名", "labelfor": "code"},
            },
            "primaryKey": "code",
        },
    },
}


def test_aggregated_budget_lines_import_with_units_labels_and_derived_numbers(loaded_year, tmp_path):
    path = package(tmp_path, BUDGET_ROWS, BUDGET_MODEL, granularity="aggregated")
    imported = run("indicators", path, budget_type="一般公共预算")
    result = imported.result
    assert result.errors == [], result.errors
    assert result.inserted == 3
    # units from the administrative hierarchy's labels, the unit under its department
    assert BudgetUnit.objects.get(code="301").name == "县人大常委会办公室"
    unit = BudgetUnit.objects.get(code="301001")
    assert (unit.name, unit.parent_code) == ("县人大机关", "301")
    # the functional levels joined (201 + 01 + 01), amounts in 万元 times the factor, to the fen
    line = Indicator.objects.get(unit_code="301001", function_code="2010101")
    assert line.indicator_no == "301-301001-2010101-30101"
    assert line.original_amount == Decimal("1234567.00")
    assert line.adjusted_amount == Decimal("65433.00")  # 1,300,000 − 1,234,567
    assert line.current_amount == Decimal("1300000.00")
    assert line.budget_type == 1
    # a 项 the county's table lacked is added under its stored 款, with the package's name
    added = ClassificationItem.objects.get(year=YEAR, scheme="function", code="2010112")
    assert (added.name, added.parent_code, added.level) == ("人大代表联络站建设", "20101", 3)
    # a stored item keeps its own name
    assert ClassificationItem.objects.get(year=YEAR, scheme="function", code="2010101").name == "行政运行"
    assert any("新增预算单位 3 个" in w for w in result.warnings)
    assert ImportBatch.objects.get(pk=imported.batch.pk).status == ImportBatch.Status.APPLIED

    again = run("indicators", path, budget_type="一般公共预算").result
    assert again.errors == []
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert BudgetUnit.objects.filter(code__startswith="301").count() == 3
    assert ClassificationItem.objects.filter(year=YEAR, code="2010112").count() == 1
    assert not any("新增" in w for w in again.warnings)


# --- shape 2: transactions with suppliers and dates ----------------------------------------------

SPENDING_ROWS = [
    ["transaction_id", "date", "admin_id", "cofog", "econ", "supplier", "supplier_account", "amount"],
    ["T-0001", "2025-03-02", "101001", "2050201", "31002", "城关办公设备有限公司", "6222020000001111", "48000.00"],
    ["T-0002", "2025/3/9", "101001", "2050201", "30201", "县电力公司", "6222020000002222", "3,512.40"],
    ["T-0003", "2025-04-12", "102", "2990101", "30299", "县自来水公司", "6222020000003333", "920.00"],
]  # fmt: skip

SPENDING_MODEL = {
    "measures": {"amount": {"source": "amount", "currency": "CNY", "direction": "expenditure", "phase": "executed"}},
    "dimensions": {
        "date": {"dimensionType": "datetime", "attributes": {"date": {"source": "date"}}, "primaryKey": "date"},
        "transaction-id": {"dimensionType": "fact", "attributes": {"id": {"source": "transaction_id"}}, "primaryKey": "id"},
        "administrator": {"dimensionType": "entity", "attributes": {"id": {"source": "admin_id"}}, "primaryKey": "id"},
        "cofog": {
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {"code": {"source": "cofog"}},
            "primaryKey": "code",
        },
        "gfsm": {
            "dimensionType": "classification",
            "classificationType": "economic",
            "attributes": {"code": {"source": "econ"}},
            "primaryKey": "code",
        },
        "supplier": {
            "dimensionType": "entity",
            "attributes": {"name": {"source": "supplier"}, "account": {"source": "supplier_account"}},
            "primaryKey": "name",
        },
    },
}  # fmt: skip


def test_transactions_with_suppliers_and_dates_import(loaded_year, tmp_path):
    path = package(tmp_path, SPENDING_ROWS, SPENDING_MODEL, granularity="transactional")
    result = run("payments", path).result
    assert result.errors == [], result.errors
    assert result.inserted == 3
    first = Payment.objects.get(voucher_no="T-0001")
    assert (first.payee_name, first.payee_account, first.econ_code) == (
        "城关办公设备有限公司",
        "6222020000001111",
        "31002",
    )
    assert first.unit_code == "101001" and first.budget_type == 1
    assert Payment.objects.get(voucher_no="T-0002").amount == Decimal("3512.40")
    # a code the package gives no name for is not added: it is warned about, as in any file
    assert not ClassificationItem.objects.filter(year=YEAR, code="2990101").exists()
    assert any("功能分类编码不在" in w for w in result.warnings)
    again = run("payments", path).result
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


# --- shape 3: several years in one file (the year from the date dimension) ----------------------

YEARS_ROWS = [
    ["year", "month", "day", "dept", "func", "econ", "payee", "amount"],
    ["2024", "12", "30", "101001", "2050201", "30201", "县电力公司", "100.00"],
    ["2025", "1", "15", "101001", "2050201", "30201", "县电力公司", "200.00"],
    ["2025", "6", "15", "101001", "2050201", "30201", "县电力公司", "200.00"],
    ["2025", "6", "15", "101001", "2050201", "30201", "县电力公司", "200.00"],
    ["2026", "1", "2", "101001", "2050201", "30201", "县电力公司", "400.00"],
]

YEARS_MODEL = {
    "measures": {"amount": {"source": "amount", "currency": "CNY"}},
    "dimensions": {
        "date": {
            "dimensionType": "datetime",
            "attributes": {
                "year": {"source": "year"},
                "month": {"source": "month"},
                "day": {"source": "day"},
            },
            "primaryKey": ["year", "month", "day"],
        },
        "administrative-classification": {
            "dimensionType": "classification",
            "classificationType": "administrative",
            "attributes": {"code": {"source": "dept"}},
            "primaryKey": "code",
        },
        "functional-classification": {
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {"code": {"source": "func"}},
            "primaryKey": "code",
        },
        "economic-classification": {
            "dimensionType": "classification",
            "classificationType": "economic",
            "attributes": {"code": {"source": "econ"}},
            "primaryKey": "code",
        },
        "payee": {
            "dimensionType": "entity",
            "attributes": {"name": {"source": "payee"}},
            "primaryKey": "name",
        },
    },
}


def test_a_multi_year_file_imports_only_the_rows_of_the_year(loaded_year, tmp_path):
    path = package(tmp_path, YEARS_ROWS, YEARS_MODEL)
    before = Payment.objects.filter(year=YEAR).count()
    result = run("payments", path).result
    assert result.errors == [], result.errors
    assert result.inserted == 3 and result.rows == 3
    assert any("2024 年的 1 行" in w for w in result.warnings)
    assert any("2026 年的 1 行" in w for w in result.warnings)
    new = Payment.objects.filter(year=YEAR, voucher_no__startswith="FDP-")
    assert new.count() == 3 and Payment.objects.filter(year=YEAR).count() == before + 3
    # two identical rows stay two payments, with stable numbers
    assert sorted(p.pay_date.isoformat() for p in new) == ["2025-01-15", "2025-06-15", "2025-06-15"]
    numbers = set(new.values_list("voucher_no", flat=True))
    assert not Payment.objects.filter(year__in=[2024, 2026]).exists()

    again = run("payments", path).result
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert (
        set(
            Payment.objects.filter(year=YEAR, voucher_no__startswith="FDP-").values_list(
                "voucher_no", flat=True
            )
        )
        == numbers
    )

    other = run("payments", path, year=2026).result
    assert other.errors == [] and other.inserted == 1
    assert Payment.objects.get(year=2026).amount == Decimal("400.00")


# --- shape 4: names nothing can infer, and a mapping file ----------------------------------------

LEDGER_ROWS = [
    ["凭证", "日期", "部门", "功能", "经济", "收款方", "摘要", "金额（元）"],
    ["V1", "2025-07-01", "102", "21004", "30217", "县宾馆", "接待", "1800.00"],
    ["V2", "2025-07-03", "102", "21004", "30217", "县宾馆", "接待", "600.00"],
]

LEDGER_MODEL = {
    "measures": {"金额": {"source": "金额（元）"}},
    "dimensions": {
        "凭证": {"attributes": {"no": {"source": "凭证"}}, "primaryKey": "no"},
        "日期": {"attributes": {"d": {"source": "日期"}}, "primaryKey": "d"},
        "部门": {"attributes": {"c": {"source": "部门"}}, "primaryKey": "c"},
        "功能": {"attributes": {"c": {"source": "功能"}}, "primaryKey": "c"},
        "经济": {"attributes": {"c": {"source": "经济"}}, "primaryKey": "c"},
        "收款方": {"attributes": {"n": {"source": "收款方"}}, "primaryKey": "n"},
    },
}

LEDGER_MAPPING = {
    "dimensions": {"凭证": "voucher", "日期": "date", "部门": "unit", "功能": "function", "经济": "econ", "收款方": "payee"},
    "fields": {"purpose": "摘要"},
    "constants": {"payee_type": "单位", "pay_method": "直接支付"},
    "budget_type": "政府性基金预算",
}  # fmt: skip


def test_a_package_that_needs_a_mapping_file(loaded_year, tmp_path):
    path = package(tmp_path, LEDGER_ROWS, LEDGER_MODEL)
    refused = run("payments", path).result
    assert refused.rejected and "映射文件" in refused.errors[0]["message"]
    assert not Payment.objects.filter(voucher_no="V1").exists()

    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(LEDGER_MAPPING, ensure_ascii=False), encoding="utf-8")
    imported = run("payments", path, mapping_file=mapping)
    assert imported.result.errors == [], imported.result.errors
    v1 = Payment.objects.get(voucher_no="V1")
    assert (v1.payee_name, v1.purpose, v1.payee_type, v1.budget_type) == ("县宾馆", "接待", "单位", 2)
    assert any("映射文件指定" in line for line in imported.mapping)
    again = run("payments", path, mapping_file=mapping).result
    assert (again.inserted, again.unchanged) == (0, 2)


def test_a_bad_mapping_file_is_refused_in_chinese(loaded_year, tmp_path):
    path = package(tmp_path, LEDGER_ROWS, LEDGER_MODEL)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"dimensions": {"凭证": "receipt"}}), encoding="utf-8")
    result = run("payments", path, mapping_file=mapping).result
    assert (
        result.rejected
        and "应为" in result.errors[0]["message"]
        and "mapping.json" in result.errors[0]["message"]
    )


# --- revenue, rejections, the command ------------------------------------------------------------


def test_revenue_by_month_with_item_names(loaded_year, tmp_path):
    rows = [
        ["period", "item", "item_name", "actual", "plan"],
        ["2025-01", "10101", "增值税", "52.5", "600"],
        ["2025-02", "10101", "增值税", "48", "600"],
    ]
    model = {
        "measures": {
            "actual": {"source": "actual", "currency": "CNY", "factor": 10000, "direction": "revenue", "phase": "executed"},
            "plan": {"source": "plan", "currency": "CNY", "factor": 10000, "phase": "approved"},
        },
        "dimensions": {
            "date": {"dimensionType": "datetime", "attributes": {"p": {"source": "period"}}, "primaryKey": "p"},
            "chart-of-accounts": {
                "dimensionType": "classification",
                "classificationType": "economic",
                "attributes": {"code": {"source": "item"}, "title": {"source": "item_name", "labelfor": "code"}},
                "primaryKey": "code",
            },
        },
    }  # fmt: skip
    result = run("revenue", package(tmp_path, rows, model)).result
    assert result.errors == [], result.errors
    january = Revenue.objects.get(month=1, item_code="10101")
    assert (january.item_name, january.amount, january.budget_amount) == (
        "增值税",
        Decimal("525000.00"),
        Decimal("6000000.00"),
    )


def test_a_bad_cell_is_named_by_file_line_and_field(loaded_year, tmp_path):
    rows = [list(r) for r in SPENDING_ROWS]
    rows[2][7] = "三千"
    rows[3][1] = "2025-13-40"
    result = run("payments", package(tmp_path, rows, SPENDING_MODEL)).result
    assert result.rejected == 2 and not Payment.objects.filter(voucher_no="T-0001").exists()
    by_line = {e["line"]: e for e in result.errors}
    assert by_line[3]["column"] == "data.csv 的字段“amount”" and "金额" in by_line[3]["message"]
    assert by_line[4]["column"] == "data.csv 的字段“date”" and "日期" in by_line[4]["message"]


def test_a_foreign_currency_or_a_missing_column_is_refused(loaded_year, tmp_path):
    model = json.loads(json.dumps(SPENDING_MODEL))
    model["measures"]["amount"]["currency"] = "USD"
    result = run("payments", package(tmp_path, SPENDING_ROWS, model, name="usd")).result
    assert result.rejected and "USD" in result.errors[0]["message"]
    assert result.errors[0]["column"] == "model.measures.amount.currency"

    rows = [[c for i, c in enumerate(r) if i != 5] for r in SPENDING_ROWS]  # no supplier column
    result = run("payments", package(tmp_path, rows, SPENDING_MODEL, name="short")).result
    assert result.rejected and "“supplier”" in result.errors[0]["message"]
    assert "data.csv" in result.errors[0]["message"]


def test_a_rejected_package_leaves_no_unit_or_item_behind(loaded_year, tmp_path):
    rows = [list(r) for r in BUDGET_ROWS]
    rows[3][13] = "abc"
    result = run("indicators", package(tmp_path, rows, BUDGET_MODEL)).result
    assert result.rejected == 1 and result.errors[0]["line"] == 4
    assert not BudgetUnit.objects.filter(code__startswith="301").exists()
    assert not ClassificationItem.objects.filter(year=YEAR, code="2010112").exists()


def test_dry_run_prints_the_mapping_and_writes_nothing(loaded_year, tmp_path, capsys):
    path = package(tmp_path, BUDGET_ROWS, BUDGET_MODEL)
    indicators = Indicator.objects.aggregate(s=Sum("original_amount"))["s"]
    call_command("budget_import", "--kind", "indicators", "--year", str(YEAR), "--dry-run", str(path))
    out = capsys.readouterr().out
    assert "推断的映射" in out and "检查通过（未写入）：新增 3" in out
    assert "“administrative-classification”（分类·行政）→ 预算单位" in out
    assert "指标编号：数据包没有" in out and "乘以系数 10,000" in out
    assert "预算类型：一般公共预算" in out
    assert not BudgetUnit.objects.filter(code__startswith="301").exists()
    assert Indicator.objects.aggregate(s=Sum("original_amount"))["s"] == indicators
    assert not ClassificationItem.objects.filter(year=YEAR, code="2010112").exists()


def test_the_command_takes_a_mapping_file_and_a_budget_type(loaded_year, tmp_path, capsys):
    path = package(tmp_path, BUDGET_ROWS, BUDGET_MODEL)
    call_command(
        "budget_import",
        "--kind",
        "indicators",
        "--year",
        str(YEAR),
        "--budget-type",
        "政府性基金预算",
        "--json",
        str(path),
    )
    out = json.loads(capsys.readouterr().out)
    assert out["inserted"] == 3 and out["mapping"]
    assert set(
        Indicator.objects.filter(unit_code__startswith="301").values_list("budget_type", flat=True)
    ) == {2}
