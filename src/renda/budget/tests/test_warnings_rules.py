"""Each warning rule: a planted case that fires and near misses that do not (hypothesis at the
thresholds). Run on SQLite and on PostgreSQL (``DATABASE_URL``): the rules are SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from renda.budget.import_engine.summaries import rebuild_payment_summary
from renda.budget.models import (
    BudgetUnit,
    Indicator,
    Payment,
    PaymentRollup,
    PaymentSummary,
    Project,
    Severity,
)
from renda.budget.warning_rules.base import Context, Found
from renda.budget.warning_rules.evaluator import evaluate_rule
from renda.budget.warning_rules.params import effective_params
from renda.core.models import CalendarDay

pytestmark = pytest.mark.django_db

YEAR = 2025
END = dt.date(YEAR, 12, 31)
D = Decimal
in_db = hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_seq = iter(range(1, 10**9))


def region() -> str:
    return settings.RENDA_REGION_CODE


def clear() -> None:
    for model in (Payment, PaymentSummary, PaymentRollup, Indicator, Project, BudgetUnit):
        model.objects.all().delete()


def unit(code: str, name: str = "", parent: str = "") -> BudgetUnit:
    return BudgetUnit.objects.create(
        region_code=region(), code=code, name=name or f"单位{code}", parent_code=parent
    )


def indicator(
    number: str,
    unit_code: str,
    current: Decimal | str | int,
    *,
    original: Decimal | str | int | None = None,
    econ: str = "30201",
    project: str = "",
    budget_type: int = 1,
    issued: dt.date | None = dt.date(YEAR, 1, 10),
    year: int = YEAR,
) -> Indicator:
    current = D(str(current))
    original = current if original is None else D(str(original))
    if project:
        Project.objects.get_or_create(
            region_code=region(),
            year=year,
            code=project,
            defaults={"name": f"项目{project}", "unit_code": unit_code},
        )
    return Indicator.objects.create(
        region_code=region(),
        year=year,
        indicator_no=number,
        unit_code=unit_code,
        function_code="2050201",
        econ_code=econ,
        budget_type=budget_type,
        project_code=project,
        original_amount=original,
        adjusted_amount=current - original,
        current_amount=current,
        issued_date=issued,
    )


def payment(
    day: dt.date | str,
    unit_code: str,
    amount: Decimal | str | int | float,  # read through str(): 333_333.33 is exact
    *,
    indicator_no: str = "",
    voucher: str = "",
    econ: str = "30201",
    payee: str = "示范县城关建设工程有限公司",
    account: str = "6222020000001234",
    payee_type: str = "单位",
    budget_type: int = 1,
    project: str = "",
) -> Payment:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return Payment(
        region_code=region(),
        year=YEAR,
        voucher_no=voucher or f"PZ{next(_seq):08d}",
        pay_date=day,
        unit_code=unit_code,
        function_code="2050201",
        econ_code=econ,
        budget_type=budget_type,
        project_code=project,
        indicator_no=indicator_no,
        payee_name=payee,
        payee_account=account,
        payee_type=payee_type,
        amount=D(str(amount)),
        pay_method="直接支付",
        purpose="测试",
    )


def save(*payments: Payment) -> None:
    """Store payments the way the import leaves them: with the monthly summary rebuilt."""
    Payment.objects.bulk_create(payments)
    rebuild_payment_summary(region(), YEAR)


def run(code: str, as_of: dt.date = END, **params: Any) -> list[Found]:
    stored = {**effective_params(code, None), **params}
    ctx = Context(region=region(), year=YEAR, as_of=as_of, params=stored)
    return evaluate_rule(code, ctx)


def keys(found: list[Found]) -> set[str]:
    return {f.key for f in found}


cents = st.sampled_from([D("-0.01"), D("0.00"), D("0.01")])


# --- EXEC_LAG -------------------------------------------------------------------------------------


@in_db
@given(paid=st.sampled_from([D("849999.99"), D("850000.00"), D("850000.01"), D("699999.99"), D("700000.00")]))
def test_exec_lag_fires_beyond_fifteen_points_red_beyond_thirty(paid):
    clear()
    unit("101", "教育局")
    indicator("ZB1", "101", 600_000)
    indicator("ZB2", "101", 400_000)
    # As of 31 December time progress is 100%: lagging by more than 15 points is under 85% paid.
    save(
        payment("2025-03-03", "101", paid - 100_000, indicator_no="ZB1"),
        payment("2025-11-03", "101", 100_000),
    )
    found = [f for f in run("EXEC_LAG") if f.key.startswith("unit:")]
    if paid >= D("850000.00"):
        assert found == []
    else:
        (finding,) = found
        assert finding.key == "unit:101" and finding.unit_code == "101"
        assert finding.severity == (Severity.RED if paid < D("700000.00") else Severity.YELLOW)
        assert finding.amount == D("1000000.00") - paid
        assert set(finding.indicators) == {"ZB1", "ZB2"}
        assert "教育局" in finding.message and "时间进度 100.0%" in finding.message


def test_exec_lag_counts_payments_up_to_the_as_of_date_only_and_ignores_small_indicators():
    unit("101", "教育局")
    unit("102", "卫生健康局")
    indicator("ZB1", "101", 1_000_000, project="P1")
    indicator("ZB2", "102", "99999.99")  # under 100,000: not measured
    as_of = dt.date(YEAR, 7, 15)  # 196 of 365 days: time progress 53.7%
    save(
        payment("2025-06-30", "101", 200_000, indicator_no="ZB1", project="P1"),
        payment("2025-07-10", "101", 180_000, indicator_no="ZB1", project="P1"),  # in the as-of month
        payment("2025-07-20", "101", 500_000, indicator_no="ZB1", project="P1"),  # after the as-of date
    )
    found = {f.key: f for f in run("EXEC_LAG", as_of)}
    assert set(found) == {"unit:101", "project:P1"}  # 38.0% paid: 15.7 points behind (yellow)
    assert found["unit:101"].severity == Severity.YELLOW
    assert "执行进度 38.0%" in found["unit:101"].message and "滞后 15.7 个百分点" in found["unit:101"].message
    assert found["project:P1"].subject == "项目P1" and found["project:P1"].unit_code == "101"
    # One more payment in the as-of month brings it within 15 points.
    save(payment("2025-07-14", "101", 10_000, indicator_no="ZB1", project="P1"))
    assert run("EXEC_LAG", as_of) == []


# --- YEAR_END_RUSH --------------------------------------------------------------------------------


def test_year_end_rush_red_for_december_and_yellow_for_the_fourth_quarter():
    for code in ("101", "102", "103", "104", "105"):
        unit(code)
        indicator(f"ZB{code}", code, 1_000_000)
    save(
        # 101: December 57% of the year, January–November 30% of the indicator: red
        payment("2025-03-03", "101", 300_000),
        payment("2025-12-01", "101", 400_000),
        # 102: fourth quarter 44.4%: yellow
        payment("2025-03-03", "102", 500_000),
        payment("2025-10-09", "102", 400_000),
        # 103: fourth quarter exactly 40%: nothing
        payment("2025-03-03", "103", 600_000),
        payment("2025-11-03", "103", 400_000),
        # 104: December 54.5% but January–November paid 50% of the indicator: yellow only
        payment("2025-03-03", "104", 500_000),
        payment("2025-12-01", "104", 600_000),
        # 105: all in December, but only 50,000 in the year: under the minimum, nothing
        payment("2025-12-01", "105", 50_000),
    )
    found = {f.unit_code: f for f in run("YEAR_END_RUSH")}
    assert set(found) == {"101", "102", "104"}
    assert found["101"].severity == Severity.RED and found["101"].amount == D("400000.00")
    assert found["102"].severity == Severity.YELLOW and found["102"].amount == D("400000.00")
    assert found["104"].severity == Severity.YELLOW
    assert "12 月支付 400,000.00 元" in found["101"].message
    assert len(found["102"].vouchers) == 1
    # As of September nothing is in the fourth quarter yet.
    assert run("YEAR_END_RUSH", dt.date(YEAR, 9, 30)) == []


# --- NO_INDICATOR ---------------------------------------------------------------------------------


def test_no_indicator_flags_empty_and_unknown_numbers_of_the_year():
    unit("101")
    indicator("ZB1", "101", 500_000)
    indicator("ZB9", "101", 500_000, year=YEAR - 1)  # last year's number is no indicator this year
    save(
        payment("2025-03-03", "101", 1000, indicator_no="ZB1", voucher="OK1"),
        payment("2025-03-04", "101", 2000, indicator_no="", voucher="EMPTY"),
        payment("2025-03-05", "101", 3000, indicator_no="ZB404", voucher="UNKNOWN"),
        payment("2025-03-06", "101", 4000, indicator_no="ZB9", voucher="LASTYEAR"),
        payment("2025-09-01", "101", 5000, indicator_no="", voucher="LATER"),
    )
    found = {f.key: f for f in run("NO_INDICATOR", dt.date(YEAR, 8, 31))}
    assert set(found) == {"EMPTY", "UNKNOWN", "LASTYEAR"}
    assert found["EMPTY"].severity == Severity.RED and found["EMPTY"].vouchers == ["EMPTY"]
    assert "未填写指标号" in found["EMPTY"].message
    assert "ZB404 不是 2025 年度的预算指标" in found["UNKNOWN"].message


# --- OVER_INDICATOR -------------------------------------------------------------------------------


@in_db
@given(
    current=st.integers(min_value=1_000, max_value=10**10).map(lambda c: D(c) / 100),
    delta=cents,
    parts=st.integers(min_value=1, max_value=7),
)
def test_over_indicator_fires_from_one_fen_over_the_current_amount(current, delta, parts):
    clear()
    unit("101")
    indicator("ZB1", "101", current)
    total = current + delta
    # Several payments with cents, summed by the database.
    piece = (total / parts).quantize(D("0.01"))
    amounts = [piece] * (parts - 1) + [total - piece * (parts - 1)]
    save(
        *[
            payment(f"2025-0{1 + n % 9}-0{1 + n % 9}", "101", a, indicator_no="ZB1")
            for n, a in enumerate(amounts)
        ]
    )
    found = run("OVER_INDICATOR")
    if delta > 0:
        (finding,) = found
        assert finding.key == "ZB1" and finding.amount == D("0.01") and finding.indicators == ["ZB1"]
        assert len(finding.vouchers) == parts
    else:
        assert found == []


# --- THREE_PUBLIC_OVER ----------------------------------------------------------------------------


@in_db
@given(delta=cents)
def test_three_public_over_compares_payments_and_indicators_in_the_codes(delta):
    clear()
    unit("101")
    unit("102")
    indicator("ZB1", "101", 30_000, econ="30217")  # 公务接待费
    indicator("ZB2", "101", 20_000, econ="30231")  # 公务用车运行维护费
    indicator("ZB3", "101", 900_000, econ="30201")  # 办公费: not a three-public code
    save(
        payment("2025-04-01", "101", D("45000") + delta, econ="30217", indicator_no="ZB1"),
        payment("2025-05-01", "101", 5000, econ="30231", indicator_no="ZB2"),
        payment("2025-05-01", "101", 800_000, econ="30201", indicator_no="ZB3"),
        payment("2025-05-01", "102", 100, econ="30212"),  # 102 budgeted nothing in the codes
    )
    found = {f.unit_code: f for f in run("THREE_PUBLIC_OVER")}
    assert "102" in found and "未安排三公经费指标" in found["102"].message
    if delta > 0:
        assert found["101"].amount == D("0.01") and set(found["101"].indicators) == {"ZB1", "ZB2"}
        assert len(found["101"].vouchers) == 2
    else:
        assert "101" not in found


def test_three_public_codes_are_a_parameter():
    unit("101")
    save(payment("2025-04-01", "101", 100, econ="30217"))
    assert len(run("THREE_PUBLIC_OVER")) == 1
    assert run("THREE_PUBLIC_OVER", econ_codes=["30231"]) == []


# --- LARGE_PAYMENT --------------------------------------------------------------------------------


@in_db
@given(budget_type=st.sampled_from([1, 2, 3, 4]), delta=cents)
def test_large_payment_at_the_threshold_of_its_budget_type(budget_type, delta):
    clear()
    unit("101")
    thresholds = {"1": D("5000000"), "2": D("3000000"), "3": D("5000000"), "4": D("8000000.50")}
    amount = thresholds[str(budget_type)] + delta
    save(payment("2025-06-02", "101", amount, budget_type=budget_type, voucher="BIG"))
    found = run("LARGE_PAYMENT", threshold=thresholds)
    if delta >= 0:
        (finding,) = found
        assert finding.key == "BIG" and finding.severity == Severity.YELLOW and finding.amount == amount
    else:
        assert found == []


# --- SPLIT_PAYMENT --------------------------------------------------------------------------------


def test_split_payments_within_thirty_days_reaching_the_threshold():
    unit("101", "教育局")
    other: dict[str, Any] = {"payee": "示范县河西信息技术有限公司", "account": "6222020000009999"}
    save(
        # fires: three payments under 1,000,000 within 30 days, 1,050,000 together
        payment("2025-09-01", "101", 350_000, voucher="S1", **other),
        payment("2025-09-15", "101", 350_000, voucher="S2", **other),
        payment("2025-10-01", "101", 350_000, voucher="S3", **other),
        # near misses of the same unit with another payee each:
        payment("2025-03-01", "101", 500_000, voucher="T1", payee="二笔公司"),  # only two payments
        payment("2025-03-05", "101", 500_000, voucher="T2", payee="二笔公司"),
        payment("2025-03-01", "101", 400_000, voucher="U1", payee="跨月公司"),  # third one 31 days on
        payment("2025-03-20", "101", 400_000, voucher="U2", payee="跨月公司"),
        payment("2025-04-01", "101", 400_000, voucher="U3", payee="跨月公司"),
        payment("2025-05-01", "101", 333_333.33, voucher="V1", payee="差一分公司"),  # 999,999.99
        payment("2025-05-02", "101", 333_333.33, voucher="V2", payee="差一分公司"),
        payment("2025-05-03", "101", 333_333.33, voucher="V3", payee="差一分公司"),
        payment("2025-06-01", "101", 1_000_000, voucher="W1", payee="大额公司"),  # not below the threshold
        payment("2025-06-02", "101", 10_000, voucher="W2", payee="大额公司"),
        payment("2025-06-03", "101", 10_000, voucher="W3", payee="大额公司"),
    )
    (finding,) = run("SPLIT_PAYMENT")
    assert finding.key == "101|S1" and finding.vouchers == ["S1", "S2", "S3"]
    assert finding.amount == D("1050000.00") and finding.severity == Severity.RED
    assert "2025-09-01 至 2025-10-01" in finding.message and "3 笔" in finding.message
    # The same data gives the same finding: the key is stable.
    assert keys(run("SPLIT_PAYMENT")) == {"101|S1"}
    # The window is a parameter: within 29 days the first window holds two payments only.
    assert run("SPLIT_PAYMENT", window_days=29) == []


def test_overlapping_split_windows_make_one_finding():
    unit("101")
    save(
        *[payment(f"2025-05-{day:02d}", "101", 300_000, voucher=f"X{day:02d}") for day in (4, 11, 18, 25, 30)]
    )
    (finding,) = run("SPLIT_PAYMENT")
    assert finding.key == "101|X04" and len(finding.vouchers) == 5


def test_split_windows_are_each_payees_own_when_payees_share_an_account():
    """Two payees of a unit paid into one account: two payments each within 30 days, together
    three or more reaching the threshold, are no split payments of either payee."""
    unit("101")
    shared = "6222020000005555"
    save(
        payment("2025-08-01", "101", 400_000, voucher="A1", payee="甲公司", account=shared),
        payment("2025-08-05", "101", 400_000, voucher="A2", payee="甲公司", account=shared),
        payment("2025-08-02", "101", 400_000, voucher="B1", payee="乙公司", account=shared),
        payment("2025-08-06", "101", 400_000, voucher="B2", payee="乙公司", account=shared),
    )
    assert run("SPLIT_PAYMENT") == []
    save(payment("2025-08-09", "101", 300_000, voucher="A3", payee="甲公司", account=shared))
    (finding,) = run("SPLIT_PAYMENT")
    assert finding.key == "101|A1" and finding.vouchers == ["A1", "A2", "A3"]


# --- DUPLICATE_PAYMENT ----------------------------------------------------------------------------


def test_duplicate_payments_same_amount_within_seven_days():
    unit("101")
    save(
        payment("2025-04-01", "101", "36800.00", voucher="D1"),
        payment("2025-04-08", "101", "36800.00", voucher="D2"),  # 7 days later: fires
        payment("2025-05-01", "101", "12000.00", voucher="E1"),
        payment("2025-05-09", "101", "12000.00", voucher="E2"),  # 8 days later: no
        payment("2025-06-01", "101", "5000.00", voucher="F1"),
        payment("2025-06-02", "101", "5000.01", voucher="F2"),  # another amount: no
        payment("2025-07-01", "101", "7000.00", voucher="G1"),
        payment("2025-07-01", "101", "7000.00", voucher="G2", payee="另一公司"),  # another payee: no
    )
    (finding,) = run("DUPLICATE_PAYMENT")
    assert finding.key == "101|D1" and finding.vouchers == ["D1", "D2"]
    assert finding.amount == D("36800.00") and "疑似重复支付 36,800.00 元" in finding.message
    assert run("DUPLICATE_PAYMENT", window_days=6) == []


# --- INDIVIDUAL_LARGE -----------------------------------------------------------------------------


@in_db
@given(delta=cents, econ=st.sampled_from(["30226", "30305", "50901", "30201"]))
def test_individual_large_outside_the_family_codes(delta, econ):
    clear()
    unit("101")
    amount = D("50000") + delta
    save(
        payment("2025-08-05", "101", amount, econ=econ, payee="王某某", payee_type="个人", voucher="P1"),
        payment("2025-08-05", "101", 90_000, econ="30226", payee="某公司", voucher="C1"),  # organisation
    )
    found = run("INDIVIDUAL_LARGE")
    if delta >= 0 and econ[:3] not in ("303", "509"):
        (finding,) = found
        assert finding.key == "P1" and "王**" in finding.message and "王某某" not in finding.message
    else:
        assert found == []


# --- NON_WORKDAY ----------------------------------------------------------------------------------


def test_non_workday_follows_the_calendar_across_an_adjusted_weekend():
    for day, kind in (
        (dt.date(2025, 10, 1), CalendarDay.Kind.HOLIDAY),
        (dt.date(2025, 10, 11), CalendarDay.Kind.WORKDAY),
    ):
        CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "name": "国庆节"})
    CalendarDay.objects.filter(date__in=[dt.date(2025, 10, 9), dt.date(2025, 10, 18)]).delete()
    unit("101", "教育局")
    save(
        payment("2025-10-01", "101", 1000, voucher="HOLIDAY1"),  # a Wednesday, public holiday: fires
        payment("2025-10-01", "101", 3000, voucher="HOLIDAY2"),
        payment("2025-10-11", "101", 2000, voucher="ADJUSTED"),  # a Saturday worked (调休): no
        payment("2025-10-18", "101", 4000, voucher="SATURDAY"),  # an ordinary Saturday: fires
        payment("2025-10-09", "101", 5000, voucher="THURSDAY"),  # an ordinary Thursday: no
    )
    found = {f.key: f for f in run("NON_WORKDAY")}
    assert set(found) == {"101|2025-10-01", "101|2025-10-18"}
    holiday = found["101|2025-10-01"]
    assert holiday.vouchers == ["HOLIDAY2", "HOLIDAY1"] and holiday.amount == D("4000.00")
    assert "国庆节" in holiday.message and "星期三" in holiday.message
    assert "周末" in found["101|2025-10-18"].message
    assert keys(run("NON_WORKDAY", dt.date(2025, 10, 17))) == {"101|2025-10-01"}


# --- PROJECT_IDLE ---------------------------------------------------------------------------------


@in_db
@given(
    last=st.sampled_from([dt.date(2025, 6, 1), dt.date(2025, 6, 2)]),
    paid=st.sampled_from([D("179999.99"), D("180000.00")]),
)
def test_project_idle_ninety_days_without_payment_and_under_thirty_percent(last, paid):
    clear()
    unit("101")
    indicator("ZB1", "101", 600_000, project="P1")
    indicator("ZB2", "101", "499999.99", project="P2")  # too small
    indicator("ZB3", "101", 900_000)  # not a project
    indicator("ZB4", "101", 900_000, project="P4", issued=dt.date(2025, 7, 1))  # issued within the 90 days
    save(
        payment("2025-03-02", "101", paid - 1000, indicator_no="ZB1", project="P1"),
        payment(last, "101", 1000, indicator_no="ZB1", project="P1"),
    )
    as_of = dt.date(2025, 8, 30)  # 90 days after 1 June
    found = run("PROJECT_IDLE", as_of)
    if last == dt.date(2025, 6, 1) and paid < D("180000.00"):
        (finding,) = found
        assert finding.key == "ZB1" and finding.indicators == ["ZB1"] and len(finding.vouchers) == 2
        assert "已 90 天无支付" in finding.message
    else:
        assert found == []


# --- BIG_ADJUSTMENT -------------------------------------------------------------------------------


@in_db
@given(current=st.sampled_from(["1300000.00", "1300000.01", "700000.00", "699999.99"]))
def test_big_adjustment_beyond_thirty_percent_either_way(current):
    clear()
    unit("101")
    indicator("ZB1", "101", current, original=1_000_000)
    indicator("ZB0", "101", 500_000, original=0)  # no original amount: not measured
    found = run("BIG_ADJUSTMENT")
    if current in ("1300000.01", "699999.99"):
        (finding,) = found
        assert finding.key == "ZB1" and finding.amount == abs(D(current) - 1_000_000)
        assert ("调增" if D(current) > 1_000_000 else "调减") in finding.message
    else:
        assert found == []


# --- OUTLIER --------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", [29, 30])
def test_outlier_above_three_sigmas_in_groups_of_thirty(group):
    unit("101")
    usual = [payment("2025-03-02", "101", 10_000 + 100 * (n % 7), econ="30201") for n in range(group - 2)]
    save(
        *usual,
        payment("2025-03-03", "101", 100_000, econ="30202", voucher="ODD"),  # same class 302
        payment("2025-03-03", "101", 12_000, econ="30201", voucher="MILD"),
        payment("2025-03-03", "101", 900_000, econ="31002", voucher="OTHER"),  # class 310: a group of one
    )
    found = run("OUTLIER")
    if group >= 30:  # the class 302 holds ``group`` payments
        (finding,) = found
        assert finding.key == "ODD" and "统计信号" in finding.message and "302" in finding.message
    else:
        assert found == []


def test_outlier_compares_each_payment_with_its_own_groups_line():
    """The lowest line of all groups only bounds which payments are looked up: a payment above
    it but under its own group's line is no outlier."""
    unit("101")
    unit("102")
    low = [payment("2025-03-02", "101", 1_000 + 10 * (n % 5), voucher=f"L{n:02d}") for n in range(40)]
    high = [payment("2025-03-02", "102", 100_000 + 10_000 * (n % 5), voucher=f"H{n:02d}") for n in range(40)]
    save(
        *low,
        *high,
        payment("2025-03-03", "101", 5_000, voucher="LOW_ODD"),  # far above unit 101's line
        payment("2025-03-03", "102", 150_000, voucher="HIGH_USUAL"),  # above 101's line, not 102's
    )
    assert keys(run("OUTLIER")) == {"LOW_ODD"}
