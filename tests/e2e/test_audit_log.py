"""The administrator reads the audit log: filters (htmx, and without JavaScript), pages, export."""

from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from renda.core.audit import audit
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trail(admin_user, staff_user):
    for n in range(60):
        audit(
            staff_user,
            "accounts.user_update",
            staff_user,
            before={"real_name": f"旧{n}", "phone": "13812345678"},
            after={"real_name": f"新{n}", "phone": ""},
        )
    audit(staff_user, "accounts.manage_users", None, outcome="refused")
    return staff_user


def test_admin_filters_the_audit_log_and_exports_it(page, shot, sign_in, admin_user, trail):
    sign_in(page, admin_user)
    page.goto("/audit/")
    expect(page.get_by_test_id("audit-row")).to_have_count(50)
    assert "13812345678" not in page.content()
    shot(page, "all")

    page.locator("select[name=outcome]").select_option("refused")  # htmx reloads the results
    expect(page.get_by_test_id("audit-row")).to_have_count(1)
    expect(page.get_by_test_id("outcome-refused")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/audit/\?.*outcome=refused"))
    shot(page, "refused")

    page.locator("select[name=outcome]").select_option("")
    page.locator("input[name=actor]").fill(trail.username)
    page.get_by_test_id("audit-filter-submit").click()
    # the filtered results are in (the URL names the actor only once they are)
    expect(page).to_have_url(re.compile(rf"/audit/\?.*actor={re.escape(trail.username)}"))
    page.wait_for_load_state("networkidle")
    page.get_by_test_id("audit-next").click()
    expect(page).to_have_url(re.compile(rf"/audit/\?.*actor={re.escape(trail.username)}.*page=2"))
    matching = AuditEvent.objects.filter(actor_name__icontains=trail.username).count()  # 61 of the trail
    expect(page.get_by_test_id("audit-row")).to_have_count(matching - 50)  # page 2

    with page.expect_download() as download_info:
        page.get_by_test_id("audit-export").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as saved:  # the saved download has no .xlsx suffix
        sheet = openpyxl.load_workbook(saved).worksheets[0]
    assert sheet.max_row == 1 + matching


def test_bad_dates_show_a_message_in_the_browser(page, shot, sign_in, admin_user, trail):
    sign_in(page, admin_user)
    page.goto("/audit/?date_from=2026-03-20&date_to=2026-03-01")
    expect(page.get_by_test_id("audit-filter-errors")).to_be_visible()
    expect(page.get_by_test_id("audit-row")).to_have_count(0)
    shot(page, "bad-dates")


def test_audit_log_fits_a_phone(phone_page, shot, sign_in, admin_user, trail):
    sign_in(phone_page, admin_user)
    phone_page.goto("/audit/")
    expect(phone_page.get_by_test_id("audit-row").first).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    shot(phone_page, "phone")


def test_audit_log_works_without_javascript(browser, live_server, admin_user, trail, client_for):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    client = client_for(admin_user)  # reuse the signed-in session (past the second factor)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto("/audit/")
    page.locator("input[name=actor]").fill(trail.username)
    page.locator("select[name=outcome]").select_option("refused")
    page.get_by_test_id("audit-filter-submit").click()
    expect(page.get_by_test_id("audit-row")).to_have_count(1)
    assert "outcome=refused" in page.url
    context.close()
