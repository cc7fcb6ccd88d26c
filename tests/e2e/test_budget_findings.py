"""Budget staff run the warnings, open a finding, drill to its vouchers, send the inquiry letter,
record the unit's reply with its scanned letter and close the finding (销号)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.budget.models import Finding
from renda.budget.services.findings import state_label
from renda.budget.services.imports import classification_ensure_baseline
from renda.budget.services.warnings import warnings_evaluate
from renda.budget.tests.conftest import INDICATORS, PAYMENTS, UNITS, YEAR, load, write_csv

from .conftest import nav_click

pytestmark = pytest.mark.django_db(transaction=True)

State = Finding.State
AS_OF = dt.date(YEAR, 12, 31)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def budget_staff(make_user, make_organisation):
    committee = make_organisation(
        kind=Organisation.Kind.CONGRESS, name="县人大常委会预算工作委员会", code="RD003"
    )
    return make_user(Role.STAFF, organisation=committee, real_name="周预算")


@pytest.fixture
def small_year(tmp_path):
    """The budget tests' small year (three units, three indicators, four payments), imported."""
    classification_ensure_baseline(year=YEAR)
    for kind, rows in (("units", UNITS), ("indicators", INDICATORS), ("payments", PAYMENTS)):
        result = load(kind, write_csv(tmp_path / f"{kind}.csv", rows))
        assert result.errors == [], result.errors
    return YEAR


def _zh(state: str) -> str:
    with translation.override("zh-hans"):
        return state_label(state)


def test_budget_staff_handle_a_finding_from_the_run_to_its_closing(
    page, shot, sign_in, budget_staff, small_year, tmp_path
):
    sign_in(page, budget_staff)
    nav_click(page, re.compile("预警发现|Warning findings"))
    expect(page.get_by_test_id("findings-empty")).to_be_visible()  # nothing run yet
    page.locator("#run-year").fill(str(YEAR))
    page.locator("#run-as-of").fill(AS_OF.isoformat())
    shot(page, "before-run")
    page.get_by_test_id("run-warnings").click()
    page.wait_for_url(re.compile(rf"/budget/findings/\?year={YEAR}"))
    found = Finding.objects.filter(year=YEAR)
    assert found.exists(), "the run found nothing on the small year"
    expect(page.get_by_test_id("finding-row")).to_have_count(found.count())
    shot(page, "findings")

    # A finding whose evidence names vouchers (the small year's 2025-03-01 payment falls on a Saturday).
    x = next(f for f in found.order_by("severity", "id") if f.evidence.get("vouchers"))
    voucher_no = x.evidence["vouchers"][0]
    page.locator(f'[data-testid=finding-row][data-pk="{x.pk}"] [data-testid=finding-link]').click()
    expect(page.get_by_test_id("message")).to_have_text(x.message)
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", State.NEW)
    shot(page, "finding")

    # Drill to the voucher behind it, and back.
    page.get_by_test_id("evidence-voucher-link").filter(has_text=voucher_no).first.click()
    expect(page.get_by_test_id("voucher-no")).to_have_text(voucher_no)
    shot(page, "voucher")
    page.go_back()
    if page.get_by_test_id("indicator-vouchers").count():  # an indicator's line of vouchers
        page.get_by_test_id("indicator-vouchers").first.click()
        expect(page.get_by_test_id("vouchers-table")).to_be_visible()
        page.go_back()
    page.get_by_test_id("unit-vouchers").click()
    expect(page.get_by_test_id("voucher-row").first).to_be_visible()
    page.go_back()

    # Assign it to themself, then start 核实.
    page.locator("#id_assign-assignee").select_option(str(budget_staff.pk))
    page.get_by_test_id("do-assign").click()
    expect(page.get_by_test_id("assignee")).to_have_text("周预算")
    page.get_by_test_id("do-verify").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", State.VERIFYING)

    # 函询: the letter is drafted from the template; the staff member edits it before sending.
    body = page.locator("#id_inquire-body")
    expect(body).to_have_value(re.compile("特此函询。"))
    assert "第一中学" in body.input_value() or x.unit_code in body.input_value()
    body.fill(body.input_value().replace("特此函询。", "请一并提供相关合同及付款审批单。\n\n特此函询。"))
    shot(page, "letter-draft")
    page.get_by_test_id("do-inquire").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", State.INQUIRED)
    number = f"预工函〔{dt.date.today().year}〕1号"
    expect(page.get_by_test_id("inquiry-number")).to_have_text(number)
    letter = page.request.get(page.get_by_test_id("letter-pdf").get_attribute("href"))
    assert letter.ok and letter.headers["content-type"] == "application/pdf"
    assert letter.body().startswith(b"%PDF")
    shot(page, "inquired")

    # The unit's reply, with its scanned reply letter.
    scan = tmp_path / "第一中学复函.pdf"
    scan.write_bytes(letter.body())  # any real PDF stands in for the scan
    page.locator("#id_reply-outcome").select_option(State.EXPLAINED)
    page.locator("#id_reply-reply_text").fill("该笔支付系周末抢修校舍的应急支出，已补办审批手续。")
    page.locator("#id_reply-reply_file").set_input_files(str(scan))
    page.get_by_test_id("do-reply").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", State.EXPLAINED)
    expect(page.get_by_test_id("reply-file")).to_have_text(re.compile("第一中学复函.pdf"))
    reply = page.request.get(page.get_by_test_id("reply-file").get_attribute("href"))
    assert reply.ok and reply.body() == scan.read_bytes()
    shot(page, "replied")

    # 销号.
    page.locator("#id_close-note").fill("说明合理，手续已补齐，同意销号。")
    page.get_by_test_id("do-close").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", State.CLOSED)
    expect(page.get_by_test_id("no-actions")).to_be_visible()
    expect(page.get_by_test_id("step")).to_have_count(5)
    shot(page, "closed")

    nav_click(page, re.compile("预警发现|Warning findings"))
    row = page.locator(f'[data-testid=finding-row][data-pk="{x.pk}"]')
    expect(row.get_by_test_id("state")).to_have_attribute("data-state", State.CLOSED)
    expect(row.get_by_test_id("state")).to_have_text(_zh(State.CLOSED))
    shot(page, "list-after")
    x.refresh_from_db()
    assert x.state == State.CLOSED and x.assignee == budget_staff
    assert x.inquiries.get().body.count("付款审批单") == 1


def test_the_findings_pages_fit_a_phone(phone_page, shot, sign_in, budget_staff, small_year):
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    x = Finding.objects.filter(year=YEAR).order_by("severity", "id").first()
    assert x is not None
    sign_in(phone_page, budget_staff)
    phone_page.goto(f"/budget/findings/?year={YEAR}")
    expect(phone_page.get_by_test_id("finding-row").first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 380
    shot(phone_page, "list")
    phone_page.goto(f"/budget/findings/{x.pk}/")
    expect(phone_page.get_by_test_id("message")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 380
    shot(phone_page, "detail")


# Whether every amount shown sits on one line (no number broken mid-digit): the line boxes of its text.
AMOUNTS_ON_ONE_LINE = """() => [...document.querySelectorAll('.amount')]
  .filter((el) => el.offsetParent !== null && el.textContent.trim())
  .every((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size <= 1;
  })"""


def test_the_findings_in_ten_thousand_yuan_at_1366_and_375(
    browser, live_server, phone_page, shot, sign_in, budget_staff, small_year
):
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    found = Finding.objects.filter(year=YEAR).exclude(amount=None).order_by("-amount", "id")
    x = next((f for f in found if (f.evidence or {}).get("vouchers")), None)  # with a vouchers' table
    assert x is not None
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, budget_staff)
        page.goto(f"/budget/findings/?year={YEAR}")
        page.get_by_test_id("amount-unit-wan").first.click()  # the switch posts and comes back here
        expect(page.get_by_test_id("amount-unit-wan").first).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_test_id("head-amount")).to_have_text(re.compile(r"（万元）|\(10,000 yuan\)"))
        row = page.locator(f'[data-testid="finding-row"][data-pk="{x.pk}"]')
        wan = f"{(x.amount / 10000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"
        expect(row.get_by_test_id("finding-amount")).to_have_text(wan)
        shot(page, "list-1366")
        page.goto(f"/budget/findings/{x.pk}/")
        expect(page.get_by_test_id("amount")).to_contain_text(wan)
        in_wan = re.compile(r"（万元）|\(10,000 yuan\)")
        expect(page.get_by_test_id("evidence-head-amount")).to_have_text(in_wan)
        shot(page, "detail-1366")
        # the same session on the phone (a second factor's code is good for one sign-in only)
        phone_page.context.add_cookies(context.cookies())
    finally:
        context.close()

    # The same person on a phone: the unit is remembered, nothing is cut off, no number breaks.
    phone_page.goto(f"/budget/findings/?year={YEAR}")
    expect(phone_page.get_by_test_id("amount-unit-wan").first).to_have_attribute("aria-pressed", "true")
    phone_row = phone_page.locator(f'[data-testid="finding-row"][data-pk="{x.pk}"]')
    expect(phone_row.get_by_test_id("finding-amount-phone")).to_have_text(wan)  # under the title
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 380
    assert phone_page.evaluate(AMOUNTS_ON_ONE_LINE)
    shot(phone_page, "list-375")
    phone_page.goto(f"/budget/findings/{x.pk}/")
    expect(phone_page.get_by_test_id("amount")).to_contain_text(wan)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 380
    assert phone_page.evaluate(AMOUNTS_ON_ONE_LINE)
    shot(phone_page, "detail-375")
