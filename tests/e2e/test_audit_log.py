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
    # A long value (an answer, a letter's text): it wraps in its cell and opens in full.
    audit(
        staff_user,
        "accounts.user_update",
        staff_user,
        before={"real_name": "", "is_active": True},
        after={
            "real_name": "城关镇幸福小区门口的路灯坏了三个月，晚上出行很不安全。" * 12,
            "is_active": False,
        },
    )
    return staff_user


@pytest.fixture
def desk_page(browser, live_server):
    """A 1366 × 768 desk (the most common office screen)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _columns_fit(page) -> dict:
    return page.evaluate(
        """() => {
          const table = document.querySelector('[data-testid=audit-table]');
          const box = table.parentElement;  // .table-responsive: scrolls when the table is wider
          const last = table.querySelector('thead th:last-child').getBoundingClientRect();
          return {table: table.scrollWidth, box: box.clientWidth, lastRight: last.right,
                  viewport: window.innerWidth, page: document.documentElement.scrollWidth};
        }"""
    )


def test_every_column_is_visible_at_1366_and_values_read_as_words(
    desk_page, shot, sign_in, admin_user, trail
):
    sign_in(desk_page, admin_user)
    desk_page.goto("/audit/")
    expect(desk_page.get_by_test_id("audit-row").first).to_be_visible()
    fit = _columns_fit(desk_page)
    assert fit["table"] <= fit["box"] + 1 and fit["lastRight"] <= fit["viewport"], fit
    assert fit["page"] <= 1366
    first = desk_page.get_by_test_id("audit-row").filter(has_text="是 → 否")
    expect(first).to_contain_text("姓名")  # the field's name, not real_name
    expect(first).to_contain_text("是 → 否")
    expect(first).not_to_contain_text("real_name")
    expect(first.get_by_test_id("audit-full")).to_be_visible()
    # the module filter offers names
    expect(desk_page.locator("select[name=action] option", has_text="用户与组织")).to_have_count(1)
    desk_page.locator("select[name=action]").select_option(label="用户与组织")
    expect(desk_page).to_have_url(re.compile(r"/audit/\?.*action=accounts\."))
    shot(desk_page, "desk-1366")
    first.scroll_into_view_if_needed()
    shot(desk_page, "desk-1366-view", full_page=False)


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
    long_row = phone_page.get_by_test_id("audit-row").filter(has_text="是 → 否")
    long_row.scroll_into_view_if_needed()
    box = long_row.bounding_box()
    assert box is not None and box["width"] <= 375  # a card, not a table row wider than the phone
    shot(phone_page, "phone-view", full_page=False)


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
