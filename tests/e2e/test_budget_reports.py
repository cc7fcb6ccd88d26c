"""Budget staff generate a quarterly execution report and download it; a deputy finds it new on
the workbench and reads the budget summary."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.budget.models import BudgetReport, Finding
from renda.budget.services.imports import classification_ensure_baseline
from renda.budget.services.reports import budget_report_render
from renda.budget.tests.conftest import INDICATORS, PAYMENTS, UNITS, YEAR, load, write_csv
from renda.conftest import pdf_first_page_ink

from .conftest import nav_click

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "e2e"


@pytest.fixture
def budget_staff(make_user, make_organisation):
    committee = make_organisation(kind=Organisation.Kind.CONGRESS, name="预算工作委员会", code="RD003")
    return make_user(Role.STAFF, organisation=committee, real_name="周预算")


@pytest.fixture
def small_year(tmp_path):
    classification_ensure_baseline(year=YEAR)
    for kind, rows in (("units", UNITS), ("indicators", INDICATORS), ("payments", PAYMENTS)):
        load(kind, write_csv(tmp_path / f"{kind}.csv", rows))
    Finding.objects.create(
        year=YEAR,
        rule_code="NO_INDICATOR",
        key="PZ004",
        severity="red",
        unit_code="102",
        subject="卫生健康局 支付凭证 PZ004",
        amount=Decimal("5000.00"),
        evidence={"vouchers": ["PZ004"]},
        message="无指标支付",
        first_as_of=dt.date(YEAR, 6, 30),
        last_as_of=dt.date(YEAR, 6, 30),
    )


def test_budget_staff_issue_a_quarterly_report_and_a_deputy_reads_it(
    browser, live_server, page, shot, sign_in, budget_staff, make_user, small_year, settings, tmp_path
):
    # The task queue holds the job until "the worker" (here: the test) runs it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    sign_in(page, budget_staff)

    nav_click(page, re.compile("预算执行报告|Budget reports"))
    expect(page.get_by_test_id("report-form")).to_be_visible()
    page.locator("select[name=year]").select_option(str(YEAR))
    page.locator("select[name=period]").select_option("quarter:2")
    shot(page, "form")
    page.get_by_test_id("report-generate").click()

    expect(page.get_by_test_id("report-status")).to_have_attribute("data-state", "pending")
    shot(page, "generating")
    report = BudgetReport.objects.get()
    budget_report_render(report.pk)  # the background worker makes the files; the page keeps polling
    # the page polls every few seconds and then refreshes itself
    expect(page.get_by_test_id("report-table").first).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("report-status")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("figure-paid")).to_have_attribute("data-value", "136200.50")
    shot(page, "report")

    with page.expect_download() as excel_download:
        page.get_by_test_id("download-excel").click()
    assert excel_download.value.suggested_filename == f"{YEAR}年第二季度预算执行分析报告.xlsx"
    with open(excel_download.value.path(), "rb") as saved:
        book = openpyxl.load_workbook(io.BytesIO(saved.read()))
    headline = {r[0]: r[1] for r in book["主要指标"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert Decimal(str(headline["累计支出（1—6月）"])) == Decimal("136200.50")
    assert Decimal(str(headline["本期支出（4—6月）"])) == Decimal("105000.00")
    assert headline["尚未办结的预警发现"] == 1

    with page.expect_download() as pdf_download:
        page.get_by_test_id("download-pdf").click()
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    with open(pdf_download.value.path(), "rb") as saved:
        pdf = saved.read()
    assert pdf_first_page_ink(pdf) > 0.01
    document = pypdfium2.PdfDocument(pdf)
    try:
        assert f"{YEAR}年第二季度预算执行分析报告" in document[0].get_textpage().get_text_range()
        for number in range(min(len(document), 4)):  # look at the pages
            image = document[number].render(scale=1.4).to_pil()
            image.save(SCREENSHOTS / page_name(number))
    finally:
        document.close()

    deputy = make_user(Role.DEPUTY, real_name="李代表")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 860})
    deputy_page = context.new_page()
    deputy_page.set_default_timeout(15_000)
    try:
        sign_in(deputy_page, deputy)
        panel_report = deputy_page.get_by_test_id("panel-report").first
        expect(panel_report).to_contain_text(f"{YEAR}年第二季度预算执行分析报告")
        expect(panel_report.get_by_test_id("report-new")).to_be_visible()
        shot(deputy_page, "deputy-workbench")
        deputy_page.get_by_test_id("panel-summary").click()
        expect(deputy_page.get_by_test_id("summary-headline")).to_be_visible()
        expect(deputy_page.get_by_test_id("summary-paid")).to_have_attribute("data-value", "136200.50")
        expect(deputy_page.locator('[data-rule="NO_INDICATOR"]')).to_be_visible()
        assert "PZ004" not in deputy_page.content()
        shot(deputy_page, "deputy-summary")
        deputy_page.get_by_test_id("summary-reports").get_by_role("link").first.click()
        expect(deputy_page.get_by_test_id("report-status")).to_have_attribute("data-state", "ready")
        expect(deputy_page.get_by_test_id("report-form")).to_have_count(0)
    finally:
        context.close()


def page_name(number: int) -> str:
    return f"test_budget_staff_issue_a_quarterly_report_and_a_deputy_reads_it--pdf-page-{number + 1}.png"


def test_a_report_page_in_ten_thousand_yuan_at_1366_and_375(
    browser, live_server, phone_page, shot, sign_in, budget_staff, small_year, settings, tmp_path
):
    from renda.budget.services.reports import budget_report_generate

    from .test_budget_findings import AMOUNTS_ON_ONE_LINE

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    report = budget_report_generate(actor=budget_staff, year=YEAR, period_kind="quarter", period=2)
    budget_report_render(report.pk)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, budget_staff)
        page.goto("/budget/reports/")
        expect(page.get_by_test_id("report-files-units")).to_be_visible()
        page.goto(f"/budget/reports/{report.pk}/")
        page.get_by_test_id("amount-unit-wan").first.click()
        expect(page.get_by_test_id("amount-unit-wan").first).to_have_attribute("aria-pressed", "true")
        # 136,200.50 yuan paid → 13.62 万元; the issued files keep their own units (said on the page)
        expect(page.get_by_test_id("figure-paid")).to_have_text("13.62")
        expect(page.get_by_test_id("report-units")).to_contain_text(re.compile("万元|10,000 yuan"))
        expect(page.get_by_test_id("report-table").first.locator("th").nth(2)).to_have_text(
            re.compile(r"（万元）|\(10,000 yuan\)")
        )
        shot(page, "report-1366")
        # the same session on the phone (a second factor's code is good for one sign-in only)
        phone_page.context.add_cookies(context.cookies())
    finally:
        context.close()

    phone_page.goto(f"/budget/reports/{report.pk}/")
    expect(phone_page.get_by_test_id("figure-paid")).to_have_text("13.62")  # the unit is remembered
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 380
    assert phone_page.evaluate(AMOUNTS_ON_ONE_LINE)
    shot(phone_page, "report-375")
