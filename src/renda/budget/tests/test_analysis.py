"""分析: each dashboard selector on a small hand-made year, exact to the fen; permissions; query
counts; the page with every chart and its table."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.budget.forms import QueryForm
from renda.budget.import_engine.summaries import rebuild_payment_summary
from renda.budget.models import BudgetUnit, Debt, Finding, Indicator, Payment, Revenue
from renda.budget.selectors import analysis as a
from renda.budget.selectors.query import budget_table
from renda.budget.services.imports import classification_ensure_baseline
from renda.budget.tests.conftest import PAYMENTS, load, write_csv
from renda.core.permissions import PermissionRefused

YEAR = 2025
AS_OF = dt.date(2025, 5, 20)  # day 140 of 365: time progress 38.4%


def _payment(no, day, unit, function, econ, amount, payee, payee_type="单位", budget_type=1):
    return Payment(
        region_code=settings.RENDA_REGION_CODE,
        year=int(day[:4]),
        voucher_no=no,
        pay_date=dt.date.fromisoformat(day),
        unit_code=unit,
        function_code=function,
        econ_code=econ,
        budget_type=budget_type,
        payee_name=payee,
        payee_account="6222020000001234",
        payee_type=payee_type,
        amount=D(amount),
    )


def _indicator(no, unit, function, econ, amount, issued, budget_type=1):
    return Indicator(
        region_code=settings.RENDA_REGION_CODE,
        year=YEAR,
        indicator_no=no,
        unit_code=unit,
        function_code=function,
        econ_code=econ,
        budget_type=budget_type,
        original_amount=D(amount),
        current_amount=D(amount),
        issued_date=dt.date.fromisoformat(issued),
    )


@pytest.fixture
def year_data(db):
    """Two departments (教育局 with a school under it, 卫生健康局), four indicators (one issued
    after the as-of date), eight payments of 2025 (two after it, one on it), three of 2024,
    revenue with and without an annual budget, debt with a month missing, five findings."""
    region = settings.RENDA_REGION_CODE
    for year in (YEAR - 1, YEAR):
        classification_ensure_baseline(year=year)
    BudgetUnit.objects.bulk_create(
        [
            BudgetUnit(region_code=region, code="101", name="教育局", department_code="101"),
            BudgetUnit(
                region_code=region, code="101001", name="第一中学", parent_code="101", department_code="101"
            ),
            BudgetUnit(region_code=region, code="102", name="卫生健康局", department_code="102"),
        ]
    )
    Indicator.objects.bulk_create(
        [
            _indicator("ZB001", "101001", "2050201", "30201", "100000.00", "2025-01-10"),
            _indicator("ZB002", "101", "2050101", "30101", "520000.00", "2025-01-10"),
            _indicator("ZB003", "102", "2100401", "30217", "80000.00", "2025-02-01", budget_type=2),
            _indicator("ZB004", "102", "2100401", "30101", "40000.00", "2025-07-01"),  # after as_of
        ]
    )
    Payment.objects.bulk_create(
        [
            _payment("PZ001", "2025-03-01", "101001", "2050201", "30201", "30000.00", "城关建设公司"),
            _payment("PZ002", "2025-03-15", "101001", "2050201", "30201", "1200.50", "张三丰", "个人"),
            _payment("PZ003", "2025-04-02", "101", "2050101", "30101", "100000.00", "教育局职工"),
            _payment("PZ004", "2025-05-10", "102", "2100401", "30217", "5000.00", "宾馆", budget_type=2),
            _payment("PZ005", "2025-05-25", "102", "2100401", "30217", "700.00", "宾馆"),  # after as_of
            _payment("PZ006", "2025-05-20", "101", "2050101", "30212", "8000.00", "旅行社"),  # on as_of
            _payment("PZ007", "2025-06-05", "101", "2050101", "30231", "3000.00", "加油站"),  # after
            _payment("PZ008", "2025-01-31", "102", "2080501", "30231", "2500.25", "加油站"),
            _payment("PY001", "2024-01-15", "101", "2050101", "30212", "4000.00", "旅行社"),
            _payment("PY002", "2024-05-28", "101", "2050101", "30217", "6000.00", "宾馆"),
            _payment("PY003", "2024-12-20", "102", "2100401", "30231", "1000.00", "加油站"),
        ]
    )
    for year in (YEAR - 1, YEAR):
        rebuild_payment_summary(region, year)
    revenue = []
    for month in range(1, 7):
        budget = D("12000.00") if month < 5 else D("15000.00") if month == 5 else D("20000.00")
        revenue.append(
            Revenue(
                region_code=region,
                year=YEAR,
                month=month,
                item_code="1010101",
                item_name="国内增值税",
                budget_type=1,
                amount=D("1000.00"),
                budget_amount=budget,
            )
        )
        revenue.append(
            Revenue(
                region_code=region,
                year=YEAR,
                month=month,
                item_code="1030148",
                item_name="国有土地使用权出让收入",
                budget_type=2,
                amount=D("500.50"),
                budget_amount=None,
            )
        )
    Revenue.objects.bulk_create(revenue)
    Debt.objects.bulk_create(
        [
            Debt(
                region_code=region,
                year=YEAR,
                month=month,
                debt_type=kind,
                limit_amount=limit,
                balance=base + month * step,
            )
            for month in (1, 2, 3, 4, 6)  # May's report is missing: as of 20 May, April is the latest
            for kind, limit, base, step in (
                ("一般债务", D("1000000.00"), D("800000.00"), 1000),
                ("专项债务", D("2000000.00"), D("1500000.00"), 10),
            )
        ]
    )
    findings = [
        ("EXEC_LAG", "a", "yellow", Finding.State.NEW),
        ("EXEC_LAG", "b", "red", Finding.State.CLOSED),
        ("NO_INDICATOR", "c", "red", Finding.State.NEW),
        ("NO_INDICATOR", "d", "red", Finding.State.FALSE_POSITIVE),
        ("LARGE_PAYMENT", "e", "yellow", Finding.State.VERIFYING),
    ]
    Finding.objects.bulk_create(
        [
            Finding(
                region_code=region,
                year=YEAR,
                rule_code=rule,
                key=key,
                severity=severity,
                subject=key,
                message="测试",
                state=state,
                first_as_of=AS_OF,
                last_as_of=AS_OF,
            )
            for rule, key, severity, state in findings
        ]
        + [
            Finding(
                region_code=region,
                year=YEAR - 1,
                rule_code="EXEC_LAG",
                key="old",
                severity="red",
                subject="old",
                message="测试",
                first_as_of=AS_OF,
                last_as_of=AS_OF,
            )
        ]
    )
    return YEAR


def _table_total(actor, query: dict[str, str]):
    """The 查询 total for a row's query, parsed as the query page parses it."""
    data = QueryDict(mutable=True)
    data.update(query)
    form = QueryForm(data, years=[YEAR, YEAR - 1])
    assert form.is_valid(), form.errors
    return budget_table(actor=actor, filters=form.to_filter()).total


# --- selectors ---------------------------------------------------------------------------------


def test_time_progress_counts_the_as_of_day():
    assert a.time_progress(2025, dt.date(2025, 5, 20)) == D("38.4")
    assert a.time_progress(2024, dt.date(2024, 12, 31)) == D("100.0")
    assert a.time_progress(2025, dt.date(2024, 12, 31)) == D("0.0")
    assert a.time_progress(2024, dt.date(2024, 1, 1)) == D("0.3")  # 1 of 366


def test_headline(year_data, budget_staff):
    h = a.headline(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert h.indicator == D("700000.00")  # ZB004 is issued after as_of
    assert h.paid == D("146700.75")
    assert h.payments == 6
    assert h.execution_rate == D("21.0")
    assert h.time_progress == D("38.4")
    assert h.lag == D("17.4")
    assert h.revenue == D("7502.50")
    assert h.revenue_budget == D("15000.00")  # May's budget; the item without one adds nothing
    assert h.debt_month == 4
    assert h.debt_balance == D("2304040.00")
    assert h.debt_limit == D("3000000.00")
    assert h.open_findings == 3
    assert h.red_findings == 1


def test_headline_at_a_month_end_reads_only_the_summary(year_data, budget_staff):
    h = a.headline(actor=budget_staff, year=YEAR, as_of=dt.date(2025, 4, 30))
    assert h.paid == D("133700.75")
    assert h.debt_month == 4
    h = a.headline(actor=budget_staff, year=YEAR, as_of=dt.date(2025, 12, 31))
    assert h.paid == D("150400.75")
    assert h.indicator == D("740000.00")
    assert h.debt_month == 6


@pytest.mark.parametrize(
    ("as_of", "paid", "payments"),
    [
        ("2025-05-12", "138700.75", 5),  # early in May: April's summary plus 1–12 May's payments
        ("2025-05-20", "146700.75", 6),  # late in May: May's summary less 21–31 May's payments
        ("2025-05-24", "146700.75", 6),
        ("2025-05-25", "147400.75", 7),
        ("2025-06-10", "150400.75", 8),  # nothing paid after it in June: the summary alone
        ("2025-01-30", "0.00", 0),
        ("2025-01-31", "2500.25", 1),
    ],
)
def test_paid_up_to_a_day_within_a_month(year_data, budget_staff, as_of, paid, payments):
    day = dt.date.fromisoformat(as_of)
    h = a.headline(actor=budget_staff, year=YEAR, as_of=day)
    assert (h.paid, h.payments) == (D(paid), payments)
    rows = a.execution_by_department(actor=budget_staff, year=YEAR, as_of=day)
    assert sum((r.paid for r in rows), D("0.00")) == D(paid)
    months = a.monthly_payments(actor=budget_staff, year=YEAR, as_of=day)
    assert months[day.month - 1].cumulative == D(paid)
    assert _table_total(budget_staff, {"year": "2025", "as_of": as_of}).paid == D(paid)


def test_execution_by_department(year_data, budget_staff):
    rows = a.execution_by_department(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [(r.code, r.name, r.indicator, r.paid, r.rate, r.lag) for r in rows] == [
        ("101", "教育局", D("620000.00"), D("139200.50"), D("22.5"), D("15.9")),
        ("102", "卫生健康局", D("80000.00"), D("7500.25"), D("9.4"), D("29.0")),
    ]
    assert all(r.time_progress == D("38.4") for r in rows)
    assert rows[0].query == {"year": "2025", "as_of": "2025-05-20", "unit": "101", "group": "unit"}


def test_execution_by_function(year_data, budget_staff):
    rows = a.execution_by_function(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [(r.code, r.name, r.indicator, r.paid, r.rate) for r in rows] == [
        ("205", "教育支出", D("620000.00"), D("139200.50"), D("22.5")),
        ("208", "社会保障和就业支出", D("0.00"), D("2500.25"), None),  # paid without an indicator
        ("210", "卫生健康支出", D("80000.00"), D("5000.00"), D("6.2")),
    ]
    assert rows[1].lag is None


def test_every_bar_matches_the_query_it_opens(year_data, budget_staff):
    """A click on a bar or slice opens the 查询; that page's total is the bar's value."""
    for rows in (
        a.execution_by_department(actor=budget_staff, year=YEAR, as_of=AS_OF),
        a.execution_by_function(actor=budget_staff, year=YEAR, as_of=AS_OF),
    ):
        for row in rows:
            total = _table_total(budget_staff, row.query)
            assert (total.paid, total.indicator or D("0.00")) == (row.paid, row.indicator)
    for month in a.monthly_payments(actor=budget_staff, year=YEAR, as_of=AS_OF):
        if month.amount is not None:
            assert _table_total(budget_staff, month.query).paid == month.amount
    for slices in (
        a.structure_by_function(actor=budget_staff, year=YEAR, as_of=AS_OF),
        a.structure_by_econ(actor=budget_staff, year=YEAR, as_of=AS_OF),
    ):
        for s in slices:
            assert s.query is not None
            assert _table_total(budget_staff, s.query).paid == s.amount
    for p in a.top_payees(actor=budget_staff, year=YEAR, as_of=AS_OF):
        if p.query:
            assert _table_total(budget_staff, p.query).paid == p.amount


def test_monthly_payments_beside_the_previous_year(year_data, budget_staff):
    rows = a.monthly_payments(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [r.month for r in rows] == list(range(1, 13))
    assert [r.amount for r in rows] == [
        D("2500.25"),
        D("0.00"),
        D("31200.50"),
        D("100000.00"),
        D("13000.00"),  # 10 and 20 May; not the 25th
        *[None] * 7,
    ]
    assert [r.previous for r in rows] == [
        D("4000.00"),
        *[D("0.00")] * 3,
        D("6000.00"),
        *[D("0.00")] * 6,
        D("1000.00"),
    ]
    assert rows[4].cumulative == D("146700.75")
    assert rows[5].cumulative is None
    assert rows[11].previous_cumulative == D("11000.00")
    assert rows[4].change == D("116.7")
    assert rows[0].change == D("-37.5")
    assert rows[4].query["date_from"] == "2025-05-01" and rows[4].query["date_to"] == "2025-05-31"
    assert rows[5].query == {}


def test_structure_by_function_and_econ(year_data, budget_staff):
    functions = a.structure_by_function(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [(s.code, s.amount, s.share) for s in functions] == [
        ("205", D("139200.50"), D("94.9")),
        ("210", D("5000.00"), D("3.4")),
        ("208", D("2500.25"), D("1.7")),
    ]
    assert functions[0].name == "教育支出"
    econ = a.structure_by_econ(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [(s.code, s.name, s.amount, s.share) for s in econ] == [
        ("301", "工资福利支出", D("100000.00"), D("68.2")),
        ("302", "商品和服务支出", D("46700.75"), D("31.8")),
    ]
    assert econ[0].query == {"year": "2025", "as_of": "2025-05-20", "econ": "301", "group": "econ2"}


def test_three_public_by_year(year_data, budget_staff):
    rows = a.three_public_by_year(actor=budget_staff, years=[YEAR, YEAR - 1], as_of=AS_OF)
    assert [(r.year, r.travel, r.vehicles, r.reception, r.total) for r in rows] == [
        (2024, D("4000.00"), D("0.00"), D("0.00"), D("4000.00")),  # cut at 20 May 2024 as well
        (2025, D("8000.00"), D("2500.25"), D("5000.00"), D("15500.25")),
    ]
    rows = a.three_public_by_year(actor=budget_staff, years=[YEAR - 1, YEAR])
    assert [(r.year, r.travel, r.vehicles, r.reception, r.total) for r in rows] == [
        (2024, D("4000.00"), D("1000.00"), D("6000.00"), D("11000.00")),
        (2025, D("8000.00"), D("5500.25"), D("5700.00"), D("19200.25")),
    ]


def test_three_public_categories_follow_the_classification_names(db):
    classification_ensure_baseline(year=YEAR)
    categories = a.three_public_categories()
    assert categories["30212"] == categories["50207"] == "travel"
    assert categories["30217"] == categories["50206"] == "reception"
    assert {categories[c] for c in ("30231", "30913", "31013", "50208", "50303", "50403")} == {"vehicles"}


def test_top_payees_mask_individuals_for_deputies(year_data, budget_staff, deputy_user):
    staff = a.top_payees(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [(p.rank, p.name, p.amount, p.payments) for p in staff] == [
        (1, "教育局职工", D("100000.00"), 1),
        (2, "城关建设公司", D("30000.00"), 1),
        (3, "旅行社", D("8000.00"), 1),
        (4, "宾馆", D("5000.00"), 1),
        (5, "加油站", D("2500.25"), 1),
        (6, "张三丰", D("1200.50"), 1),
    ]
    assert staff[0].share == D("68.2")
    assert staff[5].query is None  # an individual's name never goes into a link
    deputy = a.top_payees(actor=deputy_user, year=YEAR, as_of=AS_OF, limit=10)
    assert deputy[5].name == "张**"
    assert deputy[0].name == "教育局职工"
    assert len(a.top_payees(actor=budget_staff, year=YEAR, as_of=AS_OF, limit=2)) == 2


def test_revenue_against_budget_handles_a_missing_budget(year_data, budget_staff):
    table = a.revenue_against_budget(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [(r.code, r.budget_type, r.budget, r.received, r.rate) for r in table.rows] == [
        ("1010101", 1, D("15000.00"), D("5000.00"), D("33.3")),
        ("1030148", 2, None, D("2502.50"), None),
    ]
    assert (table.budget, table.received, table.rate, table.months) == (
        D("15000.00"),
        D("7502.50"),
        D("33.3"),
        5,
    )
    Revenue.objects.update(budget_amount=None)
    table = a.revenue_against_budget(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert (table.budget, table.rate) == (None, None)
    assert a.headline(actor=budget_staff, year=YEAR, as_of=AS_OF).revenue_budget is None


def test_debt_against_limit_up_to_the_month_of_as_of(year_data, budget_staff):
    rows = a.debt_against_limit(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert [(r.month, r.debt_type) for r in rows] == [
        (m, t) for m in (1, 2, 3, 4) for t in ("一般债务", "专项债务")
    ]
    assert rows[-1].balance == D("1500040.00")
    assert rows[-1].limit == D("2000000.00")
    assert rows[-2].usage == D("80.4")


def test_findings_by_rule_and_state(year_data, budget_staff):
    rows = a.findings_by_rule_and_state(actor=budget_staff, year=YEAR)
    assert [r.rule_code for r in rows] == ["EXEC_LAG", "NO_INDICATOR", "LARGE_PAYMENT"]  # catalogue order
    assert rows[0].counts["new"] == 1 and rows[0].counts["closed"] == 1 and rows[0].total == 2
    assert rows[0].open == 1
    assert rows[1].false_positive_share == D("50.0")
    assert rows[2].counts == {
        "new": 0,
        "verifying": 1,
        "inquired": 0,
        "replied": 0,
        "explained": 0,
        "rectified": 0,
        "closed": 0,
        "false_positive": 0,
    }
    assert rows[0].rule_name == str(a.RULES["EXEC_LAG"].name)


def test_an_empty_year_gives_zeros_not_errors(db, budget_staff):
    h = a.headline(actor=budget_staff, year=2030, as_of=dt.date(2030, 6, 30))
    assert (h.indicator, h.paid, h.execution_rate, h.debt_month, h.revenue_budget) == (
        D("0.00"),
        D("0.00"),
        None,
        None,
        None,
    )
    assert a.execution_by_department(actor=budget_staff, year=2030, as_of=dt.date(2030, 6, 30)) == []
    assert a.structure_by_econ(actor=budget_staff, year=2030, as_of=dt.date(2030, 6, 30)) == []


ALL = (
    "headline",
    "execution_by_department",
    "execution_by_function",
    "monthly_payments",
    "structure_by_function",
    "structure_by_econ",
    "top_payees",
    "revenue_against_budget",
    "debt_against_limit",
)


def _call_all(actor, as_of=AS_OF):
    for name in ALL:
        getattr(a, name)(actor=actor, year=YEAR, as_of=as_of)
    a.three_public_by_year(actor=actor, years=[YEAR - 1, YEAR], as_of=as_of)
    a.findings_by_rule_and_state(actor=actor, year=YEAR)


@pytest.mark.parametrize("who", ["unit_user", "citizen_user"])
def test_unit_handlers_and_citizens_are_refused(year_data, request, who):
    actor = request.getfixturevalue(who)
    for name in ALL:
        with pytest.raises(PermissionRefused):
            getattr(a, name)(actor=actor, year=YEAR, as_of=AS_OF)
    with pytest.raises(PermissionRefused):
        a.three_public_by_year(actor=actor, years=[YEAR])
    with pytest.raises(PermissionRefused):
        a.findings_by_rule_and_state(actor=actor, year=YEAR)


def test_query_count_does_not_grow_with_the_data(year_data, budget_staff):
    _call_all(budget_staff)  # warm the actor's permission lookups
    with a.uncached(), CaptureQueriesContext(connection) as small:
        _call_all(budget_staff)
    region = settings.RENDA_REGION_CODE
    BudgetUnit.objects.bulk_create(
        [
            BudgetUnit(region_code=region, code=f"2{i:02d}", name=f"单位{i}", department_code=f"2{i:02d}")
            for i in range(30)
        ]
    )
    Payment.objects.bulk_create(
        [
            _payment(
                f"PX{i:03d}",
                f"2025-{1 + i % 5:02d}-{1 + i % 19:02d}",
                f"2{i % 30:02d}",
                f"2{i % 9:02d}0101",
                f"30{i % 3 + 1}01",
                f"{100 + i}.10",
                f"收款人{i}",
            )
            for i in range(200)
        ]
    )
    rebuild_payment_summary(region, YEAR)
    with a.uncached(), CaptureQueriesContext(connection) as large:
        _call_all(budget_staff)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) <= 48  # 11 selectors, a few queries each


def test_figures_are_kept_until_the_data_changes(year_data, budget_staff):
    """What the summaries give is computed once per version of the loaded data, then kept."""
    assert a.data_version()  # the classification baseline came through the import
    first = a.execution_by_department(actor=budget_staff, year=YEAR, as_of=AS_OF)
    with CaptureQueriesContext(connection) as again:
        assert a.execution_by_department(actor=budget_staff, year=YEAR, as_of=AS_OF) == first
    assert len(again.captured_queries) == 1  # the data version, nothing else
    Payment.objects.bulk_create(
        [_payment("PZ100", "2025-02-02", "102", "2100401", "30217", "99.99", "宾馆", budget_type=2)]
    )
    rebuild_payment_summary(settings.RENDA_REGION_CODE, YEAR)  # as every payments import does
    after = a.execution_by_department(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert after[1].paid == first[1].paid + D("99.99")
    h = a.headline(actor=budget_staff, year=YEAR, as_of=AS_OF)
    assert h.paid == D("146800.74")
    Finding.objects.filter(state=Finding.State.NEW).update(state=Finding.State.CLOSED)
    assert a.headline(actor=budget_staff, year=YEAR, as_of=AS_OF).open_findings == 1  # never kept


def test_top_payees_follow_a_new_payments_import(loaded_year, budget_staff, tmp_path):
    as_of = dt.date(YEAR, 12, 31)
    first = a.top_payees(actor=budget_staff, year=YEAR, as_of=as_of)
    assert [(p.name, p.amount) for p in first][:2] == [
        ("教育局职工", D("100000.00")),
        ("城关建设公司", D("30000.00")),
    ]
    with CaptureQueriesContext(connection) as again:
        assert a.top_payees(actor=budget_staff, year=YEAR, as_of=as_of) == first
    assert not any("payee_name" in q["sql"] for q in again.captured_queries)
    more = [
        *PAYMENTS,
        ["PZ009", "2025-06-01", "102", "21004", "30217", "2", "", "ZB003", "县医院", "", "单位", "250000.00"]
        + ["直接支付", "设备"],
    ]
    assert load("payments", write_csv(tmp_path / "more.csv", more)).errors == []
    after = a.top_payees(actor=budget_staff, year=YEAR, as_of=as_of)
    assert (after[0].name, after[0].amount, after[0].share) == ("县医院", D("250000.00"), D("64.7"))


# --- the page ----------------------------------------------------------------------------------

CHARTS = (
    "department",
    "function",
    "monthly",
    "structure_function",
    "structure_econ",
    "three_public",
    "payees",
    "revenue",
    "debt",
    "findings",
)


def test_page_renders_every_chart_and_its_table(year_data, budget_staff, client_for):
    response = client_for(budget_staff).get(reverse("budget:analysis"), {"year": YEAR, "as_of": "2025-05-20"})
    assert response.status_code == 200
    html = response.content.decode()
    for key in CHARTS:
        assert f'data-testid="chart-{key}"' in html
        assert f'data-testid="table-{key}"' in html
        assert f'data-toggle-table="{key}"' in html
    charts = response.context["charts"]
    assert set(charts) == set(CHARTS)
    assert charts["monthly"]["amount"][4] == "13000.00"
    assert charts["department"]["urls"][0].startswith(reverse("budget:query") + "?")
    assert 'id="analysis-charts"' in html
    assert "vendor/echarts/echarts.min.js" in html and "vendor/echarts/langZH.js" in html
    assert "146,700.75" in html  # headline paid
    assert "张三丰" in html  # staff see the individual's name
    findings = response.context["findings"]
    assert [f["url"] for f in findings] == [
        f"{reverse('budget:findings')}?year=2025&rule={f['row'].rule_code}" for f in findings
    ]
    assert (
        charts["findings"]["series"][0]["urls"][0]
        == f"{reverse('budget:findings')}?year=2025&rule=EXEC_LAG&state=new"
    )


def test_page_locale_follows_the_language(year_data, budget_staff, client_for):
    client = client_for(budget_staff)
    zh = client.get(reverse("budget:analysis"), {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-locale="ZH"' in zh.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(reverse("budget:analysis"), {"year": YEAR})
    assert 'data-locale="EN"' in en.content.decode()


def test_deputy_reads_the_page_without_names_of_individuals(year_data, deputy_user, client_for):
    response = client_for(deputy_user).get(reverse("budget:analysis"), {"year": YEAR, "as_of": "2025-05-20"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三丰" not in html and "张**" in html
    assert "6222020000001234" not in html
    assert "/budget/findings/" not in html  # no links to findings without budget.view_findings
    assert response.context["findings"][0]["url"] == ""


@pytest.mark.parametrize("who", ["unit_user", "citizen_user"])
def test_page_refuses_unit_handlers_and_citizens(year_data, request, who, client_for):
    response = client_for(request.getfixturevalue(who)).get(reverse("budget:analysis"))
    assert response.status_code == 403


def test_bad_selection_shows_a_message_not_an_error(year_data, budget_staff, client_for):
    client = client_for(budget_staff)
    response = client.get(reverse("budget:analysis"), {"year": YEAR, "as_of": "2024-02-30"})
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]
    response = client.get(reverse("budget:analysis"), {"year": YEAR, "as_of": "2026-01-05"})
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"]
    response = client.get(reverse("budget:analysis"), {"year": "1900"})
    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    assert response.context["year"] == YEAR  # the newest year with data


def test_page_defaults_to_the_newest_year(year_data, budget_staff, client_for):
    response = client_for(budget_staff).get(reverse("budget:analysis"))
    assert response.status_code == 200
    assert response.context["year"] == YEAR
    assert response.context["as_of"] == a.default_as_of(YEAR)
    json.loads(
        response.content.decode()
        .split('id="analysis-charts" type="application/json">')[1]
        .split("</script>")[0]
    )


def test_page_without_any_budget_data(db, budget_staff, client_for):
    response = client_for(budget_staff).get(reverse("budget:analysis"))
    assert response.status_code == 200
    charts = response.context["charts"]
    assert charts["department"]["empty"] and charts["findings"]["empty"] and charts["debt"]["empty"]
    assert response.content.decode().count("暂无数据。") + response.content.decode().count("No data.") >= 6


# --- the payee summary ---------------------------------------------------------------------------


def _payees_grouped(as_of: dt.date) -> list[tuple[str, str, D, int]]:
    """The largest payees as a direct GROUP BY over the payments (what the summary must give)."""
    from django.db.models import Count, Sum

    rows = (
        Payment.objects.filter(region_code=settings.RENDA_REGION_CODE, year=YEAR, pay_date__lte=as_of)
        .order_by()
        .values("payee_name", "payee_type")
        .annotate(s=Sum("amount"), n=Count("id"))
    )
    totals = [(r["payee_name"], r["payee_type"], D(r["s"]).quantize(D("0.01")), r["n"]) for r in rows]
    return sorted(totals, key=lambda t: (-t[2], t[0], t[1]))


def _csv_rows(path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_top_payees_equal_the_payments_grouped_through_every_kind_of_import(db, tmp_path, budget_staff):
    """The payee summary, kept at import, gives exactly what grouping the payments gives, as of a
    day inside a month (the first or the last days of it read from the payments) and at a month's
    end: after a first import, one that only adds payments, one that adds and repeats, and one that
    changes payments."""
    from renda.demo import budget_synth as synth

    synth.write_year(tmp_path, year=YEAR, seed=11, units=12, indicators=60, payments=1500)
    classification_ensure_baseline(year=YEAR)
    for kind in ("units", "indicators", "payments"):
        assert load(kind, tmp_path / f"{kind}.csv").errors == []
    header, *paid = _csv_rows(tmp_path / "payments.csv")
    at = {name: i for i, name in enumerate(header)}
    days = [dt.date(YEAR, 3, 9), dt.date(YEAR, 3, 24), dt.date(YEAR, 3, 31), dt.date(YEAR, 8, 1)]
    days.append(dt.date(YEAR, 12, 31))

    def check() -> None:
        for day in days:
            assert a._payee_totals(YEAR, day, 100) == _payees_grouped(day)[:100], day
        with a.uncached():
            top = a.top_payees(actor=budget_staff, year=YEAR, as_of=days[1], limit=5)
        assert [(p.amount, p.payments) for p in top] == [(t[2], t[3]) for t in _payees_grouped(days[1])[:5]]

    check()

    def new_payments(first: int, payee: str, amount: str) -> list[list[str]]:
        rows = []
        for n, source in enumerate(paid[:40]):
            row = list(source)
            row[at["voucher_no"]] = f"PZN{first + n:06d}"
            row[at["pay_date"]] = dt.date(YEAR, 3, 1 + n % 28).isoformat()
            row[at["payee_name"]], row[at["payee_type"]], row[at["amount"]] = payee, "单位", amount
            rows.append(row)
        return rows

    only_new = new_payments(0, "示范县新增建设有限公司", "91234.56")
    assert load("payments", write_csv(tmp_path / "new.csv", [header, *only_new])).inserted == 40
    check()
    again = new_payments(100, "示范县城关建设工程有限公司", "1000.01")
    result = load("payments", write_csv(tmp_path / "again.csv", [header, *paid, *only_new, *again]))
    assert (result.inserted, result.updated) == (40, 0)
    check()
    changed = [list(row) for row in paid[:300]]
    for row in changed[::3]:
        row[at["payee_name"]] = "示范县改名服务有限公司"
    for row in changed[1::3]:
        row[at["amount"]] = "77777.77"
    result = load("payments", write_csv(tmp_path / "changed.csv", [header, *changed]))
    assert result.updated == 200
    check()
