"""A finance reader switches the budget query to 万元 and drills to a voucher that names what its
codes mean (unit, 主管部门, functional and economic class, project, indicator), at 1366 and 375 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.budget.models import ReaderPreference
from renda.budget.services.imports import classification_ensure_baseline
from renda.budget.tests.conftest import INDICATORS, PAYMENTS, UNITS, YEAR, load, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def budget_staff(make_user, make_organisation):
    committee = make_organisation(
        kind=Organisation.Kind.CONGRESS, name="县人大常委会预算工作委员会", code="RD003"
    )
    return make_user(Role.STAFF, organisation=committee, real_name="周预算")


@pytest.fixture
def small_year(tmp_path):
    classification_ensure_baseline(year=YEAR)
    for kind, rows in (("units", UNITS), ("indicators", INDICATORS), ("payments", PAYMENTS)):
        assert load(kind, write_csv(tmp_path / f"{kind}.csv", rows)).errors == []
    return YEAR


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 5


@pytest.mark.parametrize("width", [1366, 375])
def test_a_reader_switches_to_wan_yuan_and_drills_to_a_voucher_with_names(
    browser, live_server, shot, sign_in, budget_staff, small_year, width
):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": 900 if width > 500 else 740},
        is_mobile=width < 500,
        has_touch=width < 500,
        device_scale_factor=2 if width < 500 else 1,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, budget_staff)
        page.goto(f"/budget/?year={YEAR}")
        page.get_by_test_id("amount-unit-wan").click()
        expect(page.get_by_test_id("amount-unit-wan")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_test_id("head-indicator")).to_have_text("指标数（万元）")
        assert ReaderPreference.objects.get(user=budget_staff).amount_unit == "wan"
        # The year's payments, 136,200.50 元, read 13.62 万元 (rounded half up).
        expect(page.get_by_test_id("total-paid")).to_have_text("13.62")
        _fits(page, width)
        shot(page, f"query-wan-{width}")
        page.get_by_test_id("drill").first.click()
        expect(page.get_by_test_id("drill-path")).to_contain_text("205")
        # 20501 has no 项: its money is said to be booked on the 款, not listed as one more 项.
        page.get_by_test_id("drill").filter(has_text="20501").click()
        expect(page.locator("[data-testid=budget-row][data-unrefined]")).to_have_count(1)
        shot(page, f"kuan-booked-{width}")
        page.go_back()
        page.get_by_test_id("drill").filter(has_text="20502").click()
        page.get_by_test_id("paid-link").first.click()
        expect(page.get_by_test_id("voucher-row").first).to_be_visible()
        expect(page.get_by_test_id("voucher-unit").first).to_contain_text("第一中学")
        _fits(page, width)
        shot(page, f"vouchers-{width}")
        page.get_by_test_id("voucher-link").first.click()
        expect(page.get_by_test_id("voucher-unit")).to_contain_text("101001 第一中学")
        expect(page.get_by_test_id("voucher-function")).to_contain_text("2050201")
        expect(page.get_by_test_id("voucher-project")).to_contain_text("校舍维修")
        expect(page.get_by_test_id("crumb-vouchers")).to_be_visible()
        _fits(page, width)
        shot(page, f"voucher-names-{width}")
        # The unit's name is a link to its drill-down.
        page.get_by_test_id("voucher-unit").locator("a").first.click()
        expect(page.get_by_test_id("budget-table")).to_be_visible()
        expect(page.get_by_test_id("drill-path")).to_contain_text("第一中学")
    finally:
        context.close()
