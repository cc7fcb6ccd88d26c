"""A unit clerk answers a budget inquiry letter (函询) online; the budget staff accept the reply.

At 1366 px and on a 375 px phone, with screenshots of the clerk's workbench, the letter, the reply
sent and the staff's review.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.budget.models import Finding
from renda.budget.services import findings as services
from renda.budget.services.imports import classification_ensure_baseline
from renda.budget.services.warnings import warnings_evaluate
from renda.budget.tests.conftest import INDICATORS, PAYMENTS, UNITS, YEAR, load, write_csv

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
def education(make_organisation):
    return make_organisation(kind=Organisation.Kind.DEPARTMENT, name="县教育局")


@pytest.fixture
def clerk(make_user, education):
    return make_user(Role.UNIT_HANDLER, organisation=education, real_name="王经办")


@pytest.fixture
def letter(tmp_path, budget_staff, education):
    """The small year imported, the warnings run, one finding about 教育局's units sent by letter."""
    classification_ensure_baseline(year=YEAR)
    for kind, rows in (("units", UNITS), ("indicators", INDICATORS), ("payments", PAYMENTS)):
        assert load(kind, write_csv(tmp_path / f"{kind}.csv", rows)).errors == []
    warnings_evaluate(actor=None, year=YEAR, as_of=AS_OF)
    finding = (
        Finding.objects.filter(year=YEAR, unit_code__startswith="101").order_by("severity", "id").first()
    )
    assert finding is not None
    services.finding_verify(actor=budget_staff, finding=finding)
    return services.finding_inquire(actor=budget_staff, finding=finding, organisation=education)


def _wide(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_a_unit_clerk_answers_an_inquiry_online_and_the_staff_accept_it(
    browser, live_server, phone_page, shot, sign_in, clerk, budget_staff, letter, tmp_path
):
    # The clerk, on a phone first: the letter is on the workbench, readable without side-scrolling.
    sign_in(phone_page, clerk)
    expect(phone_page.get_by_test_id("inquiry-panel")).to_be_visible()
    shot(phone_page, "phone-workbench")
    phone_page.get_by_test_id("panel-letter").first.click()
    expect(phone_page.get_by_test_id("inquiry-title")).to_have_text(letter.number)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 380
    shot(phone_page, "phone-letter")

    # At 1366 px: open the letter from the workbench, write the reply, attach two files, send.
    context, page = _wide(browser, live_server)
    try:
        sign_in(page, clerk)
        panel = page.get_by_test_id("inquiry-panel")
        expect(panel.get_by_test_id("stat").first).to_have_text("1")
        shot(page, "workbench")
        panel.get_by_test_id("panel-letter").first.click()
        expect(page.get_by_test_id("inquiry-status")).to_have_text("待答复")
        expect(page.get_by_test_id("letter-text")).to_contain_text("特此函询")
        pdf = page.request.get(page.get_by_test_id("letter-pdf").get_attribute("href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        shot(page, "letter")
        refund = tmp_path / "退款凭证.pdf"
        refund.write_bytes(pdf.body())  # any real PDF stands in for the scan
        note = tmp_path / "情况说明.pdf"
        note.write_bytes(pdf.body())
        expect(page.get_by_test_id("letter-title")).to_have_text("关于核实执行进度滞后有关情况的函")
        page.locator("#id_unit_reply-outcome").select_option(State.RECTIFIED)
        page.locator("#id_unit_reply-reply_text").fill(
            "经核实，该笔支付已按规定补办审批手续，多付款项已退回国库。"
        )
        page.locator("#id_unit_reply-attachments").set_input_files([str(refund), str(note)])
        shot(page, "reply-written")
        page.get_by_test_id("do-unit_reply").click()
        expect(page.get_by_test_id("inquiry-status")).to_have_text("复函待审核")
        expect(page.get_by_test_id("attachment")).to_have_count(2)
        served = page.request.get(page.get_by_test_id("attachment").first.get_attribute("href"))
        assert served.ok and served.body() == refund.read_bytes()
        expect(page.get_by_test_id("no-actions")).to_be_visible()
        shot(page, "reply-sent")
    finally:
        context.close()

    # The budget staff: the reply waits on their workbench; they accept it.
    context, page = _wide(browser, live_server)
    try:
        sign_in(page, budget_staff)
        tile = page.get_by_test_id("budget-panel").locator("a", has_text="待审核的复函")
        expect(tile.get_by_test_id("stat")).to_have_text("1")
        shot(page, "staff-workbench")
        tile.click()
        page.locator(
            f'[data-testid=finding-row][data-pk="{letter.finding_id}"] [data-testid=finding-link]'
        ).click()
        expect(page.get_by_test_id("state")).to_have_attribute("data-state", State.REPLIED)
        expect(page.get_by_test_id("inquiry-reply")).to_contain_text("多付款项已退回国库")
        expect(page.locator("#id_accept_reply-outcome")).to_have_value(State.RECTIFIED)
        page.locator("#id_accept_reply-note").fill("已核对退款凭证。")
        shot(page, "staff-review")
        page.get_by_test_id("do-accept_reply").click()
        expect(page.get_by_test_id("state")).to_have_attribute("data-state", State.RECTIFIED)
        expect(page.get_by_test_id("action-close")).to_be_visible()
        shot(page, "staff-accepted")
    finally:
        context.close()
    finding = Finding.objects.get(pk=letter.finding_id)
    assert finding.state == State.RECTIFIED
    assert [s.action for s in finding.steps.all()][-2:] == ["unit_reply", "accept_reply"]
    assert re.search("王经办", finding.steps.get(action="unit_reply").actor.display_name)
