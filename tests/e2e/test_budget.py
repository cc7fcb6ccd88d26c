"""Budget staff upload a payments file, watch its import, query, drill to one voucher, export."""

from __future__ import annotations

import re
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.budget.models import ImportBatch
from renda.budget.services.imports import budget_import_run, classification_ensure_baseline
from renda.budget.tests.conftest import INDICATORS, PAYMENTS, UNITS, YEAR, load, write_csv

from .conftest import nav_click

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def budget_staff(make_user, make_organisation):
    committee = make_organisation(kind=Organisation.Kind.CONGRESS, name="预算工作委员会", code="RD003")
    return make_user(Role.STAFF, organisation=committee, real_name="周预算")


@pytest.fixture
def units_and_indicators(tmp_path):
    classification_ensure_baseline(year=YEAR)
    load("units", write_csv(tmp_path / "units.csv", UNITS))
    load("indicators", write_csv(tmp_path / "indicators.csv", INDICATORS))


def test_budget_staff_import_payments_and_drill_to_a_voucher(
    page, shot, sign_in, budget_staff, units_and_indicators, settings, tmp_path
):
    # The task queue holds the job until "the worker" (here: the test) runs it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_DIR = tmp_path
    payments = write_csv(tmp_path / "支付明细.csv", PAYMENTS, encoding="gb18030")
    sign_in(page, budget_staff)

    nav_click(page, re.compile("预算数据导入|Budget data import"))
    page.locator("select[name=kind]").select_option("payments")
    page.locator("input[name=year]").fill(str(YEAR))
    page.locator("input[name=file]").set_input_files(str(payments))
    shot(page, "upload")
    page.get_by_test_id("upload-submit").click()

    expect(page.get_by_test_id("import-progress")).to_have_attribute("data-status", "pending")
    expect(page.get_by_test_id("progress-bar")).to_have_text("0%")
    shot(page, "waiting")
    batch = ImportBatch.objects.latest("id")
    budget_import_run(batch_id=batch.pk)  # the background worker runs the import; the page keeps polling
    expect(page.get_by_test_id("import-progress")).to_have_attribute("data-status", "applied")
    expect(page.get_by_test_id("progress-bar")).to_have_text("100%")
    expect(page.get_by_test_id("count-inserted")).to_have_text("4")
    shot(page, "applied")

    page.get_by_test_id("to-query").click()
    expect(page.get_by_test_id("budget-row")).to_have_count(2)
    shot(page, "classes")
    page_total = Decimal(page.get_by_test_id("total-paid").get_attribute("data-value"))
    assert page_total == Decimal("136200.50")

    with page.expect_download() as download_info:
        page.get_by_test_id("budget-export").click()
    with open(download_info.value.path(), "rb") as saved:
        sheet = openpyxl.load_workbook(saved).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert Decimal(str(rows[-1][2])) == page_total
    assert sum(Decimal(str(r[2])) for r in rows[1:-1]) == page_total

    page.locator('[data-key="205"] [data-testid=drill]').click()  # 类 205 教育支出 → 款
    expect(page.locator('[data-key="20502"]')).to_be_visible()
    page.locator('[data-key="20502"] [data-testid=drill]').click()  # 款 → 项
    expect(page.locator('[data-key="2050201"]')).to_be_visible()
    shot(page, "items")
    page.locator('[data-key="2050201"] [data-testid=drill-vouchers]').click()  # 项 → vouchers
    expect(page.get_by_test_id("voucher-row")).to_have_count(2)
    shot(page, "vouchers")
    page.get_by_role("link", name="PZ001").click()
    expect(page.get_by_test_id("voucher-no")).to_have_text("PZ001")
    expect(page.get_by_test_id("voucher-amount")).to_contain_text("30")
    shot(page, "voucher")


def test_budget_query_fits_a_phone(phone_page, shot, sign_in, budget_staff, units_and_indicators, tmp_path):
    load("payments", write_csv(tmp_path / "p.csv", PAYMENTS))
    sign_in(phone_page, budget_staff)
    phone_page.goto(f"/budget/?year={YEAR}&group=department")
    expect(phone_page.get_by_test_id("budget-row")).to_have_count(2)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380
    shot(phone_page, "phone")


def test_budget_staff_upload_a_fiscal_data_package_of_two_files(
    page, shot, sign_in, budget_staff, units_and_indicators, settings, tmp_path
):
    """A .zip written by hand (descriptor and two CSV files): imported in the background, the
    mapping shown in Chinese on the result; then a package with a member outside it is refused."""
    from renda.budget.tests.test_import_fdp_zip import DESCRIPTOR as FDP
    from renda.budget.tests.test_import_fdp_zip import _package, _zip

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_DIR = tmp_path
    archive = tmp_path / "县级支付明细2025.zip"
    archive.write_bytes(_package())
    sign_in(page, budget_staff)
    page.goto("/budget/imports/")
    page.locator("select[name=kind]").select_option("payments")
    page.locator("input[name=year]").fill(str(YEAR))
    page.locator("input[name=file]").set_input_files(str(archive))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("import-progress")).to_have_attribute("data-status", "pending")
    budget_import_run(batch_id=ImportBatch.objects.latest("id").pk)  # the background worker
    expect(page.get_by_test_id("import-progress")).to_have_attribute("data-status", "applied")
    expect(page.get_by_test_id("count-inserted")).to_have_text("5")
    mapping = page.get_by_test_id("import-mapping")
    mapping.locator("summary").click()
    expect(mapping).to_contain_text("data/spending-h1.csv、data/spending-h2.csv")
    expect(mapping).to_contain_text("收款人")
    shot(page, "package-applied")

    evil = tmp_path / "evil.zip"
    evil.write_bytes(_zip({"datapackage.json": FDP, "../outside.csv": "a\r\n"}))
    page.goto("/budget/imports/")
    page.locator("select[name=kind]").select_option("payments")
    page.locator("input[name=year]").fill(str(YEAR))
    page.locator("input[name=file]").set_input_files(str(evil))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("upload-form")).to_contain_text("路径指向数据包之外")
    shot(page, "package-refused")
