"""Fixtures of the budget tests: budget committee staff, a small loaded year, file writers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from renda.accounts.models import Organisation, Role
from renda.budget.services.imports import budget_import, classification_ensure_baseline

YEAR = 2025

UNITS = [
    ["unit_code", "unit_name", "parent_code", "unit_kind"],
    ["101", "教育局", "", "行政单位"],
    ["101001", "第一中学", "101", "事业单位"],
    ["102", "卫生健康局", "", "行政单位"],
]
INDICATORS = [
    [
        "indicator_no",
        "unit_code",
        "function_code",
        "econ_code",
        "budget_type",
        "project_code",
        "project_name",
        "fund_source",
        "original_amount",
        "adjusted_amount",
        "issued_date",
    ],
    [
        "ZB001",
        "101001",
        "2050201",
        "30201",
        "1",
        "P1",
        "校舍维修",
        "一般公共预算拨款",
        "100000.00",
        "0",
        "2025-01-10",
    ],
    [
        "ZB002",
        "101",
        "20501",
        "30101",
        "1",
        "P2",
        "工资",
        "一般公共预算拨款",
        "500000.00",
        "20000.00",
        "2025-01-10",
    ],
    ["ZB003", "102", "21004", "30217", "2", "", "", "", "80000.00", "", "2025-02-01"],
]
PAYMENTS = [
    [
        "voucher_no",
        "pay_date",
        "unit_code",
        "function_code",
        "econ_code",
        "budget_type",
        "project_code",
        "indicator_no",
        "payee_name",
        "payee_account",
        "payee_type",
        "amount",
        "pay_method",
        "purpose",
    ],
    [
        "PZ001",
        "2025-03-01",
        "101001",
        "2050201",
        "30201",
        "1",
        "P1",
        "ZB001",
        "城关建设公司",
        "6222020000001234",
        "单位",
        "30000.00",
        "直接支付",
        "维修",
    ],
    [
        "PZ002",
        "2025-03-15",
        "101001",
        "2050201",
        "30201",
        "1",
        "P1",
        "ZB001",
        "张三丰",
        "6217000000005678",
        "个人",
        "1200.50",
        "授权支付",
        "劳务",
    ],
    [
        "PZ003",
        "2025-04-02",
        "101",
        "20501",
        "30101",
        "1",
        "P2",
        "ZB002",
        "教育局职工",
        "6222020000002222",
        "单位",
        "100000.00",
        "直接支付",
        "工资",
    ],
    [
        "PZ004",
        "2025-05-20",
        "102",
        "21004",
        "30217",
        "2",
        "",
        "ZB003",
        "宾馆",
        "6222020000003333",
        "单位",
        "5000.00",
        "直接支付",
        "接待",
    ],
]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def load(kind: str, path: Path, year: int = YEAR, **kwargs):
    """A file imported as the management command does (the system, through the service)."""
    return budget_import(actor=None, kind=kind, year=year, source=path, **kwargs).result


@pytest.fixture
def budget_org(make_organisation):
    return make_organisation(kind=Organisation.Kind.CONGRESS, name="预算工作委员会", code="RD003")


@pytest.fixture
def budget_staff(make_user, budget_org):
    return make_user(Role.STAFF, organisation=budget_org)


@pytest.fixture
def loaded_year(db, tmp_path):
    """Three units, three indicators and four payments of 2025, through the import."""
    classification_ensure_baseline(year=YEAR)
    for kind, rows in (("units", UNITS), ("indicators", INDICATORS), ("payments", PAYMENTS)):
        result = load(kind, write_csv(tmp_path / f"{kind}.csv", rows))
        assert result.errors == [], result.errors
    return YEAR
