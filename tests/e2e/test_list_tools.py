"""Everyday list tools (issue 15.14) at 1366 px and 375 px: the suggestion list exported to Excel
with its current filters, and the opinion inbox filtered by station, topic, state, dates and a
partial tracking code, its tiles leading to the lists they count."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from renda.liaison import services as liaison
from renda.liaison.models import Category
from renda.suggestions.models import Suggestion

from .test_liaison import county_setup  # noqa: F401
from .test_suggestions import _earlier_suggestion, people  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=[1366, 375], ids=["desk", "phone"])
def signed_in(request, browser, live_server, sign_in):
    contexts = []
    width = request.param

    def open_page(user):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": 900 if width > 500 else 740},
            is_mobile=width < 500,
            has_touch=width < 500,
            accept_downloads=True,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_office_exports_the_filtered_suggestion_list(people, signed_in, shot):  # noqa: F811
    earlier = _earlier_suggestion(people)
    staff = signed_in(people["staff"])
    staff.goto("/suggestions/")
    staff.locator("#state").select_option("registered")
    link = staff.get_by_test_id("export-xlsx")
    expect(link).to_have_attribute("href", re.compile(r"state=registered.*format=xlsx"))
    _fits(staff)
    shot(staff, "list-with-export")
    with staff.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("建议编号", "标题") and rows[1][1] == earlier.title
    assert rows[1][6] == Suggestion.objects.get(pk=earlier.pk).get_state_display()


def test_station_staff_find_an_opinion_by_part_of_its_code(county_setup, signed_in, shot):  # noqa: F811
    station, town = county_setup["station"], county_setup["town"]
    kw = {"town": town, "phone": "13812345678", "station": station}
    lamp = liaison.opinion_submit(
        category=Category.URBAN, content="幸福小区门口的路灯坏了三个月，晚上出行不安全。", **kw
    )
    liaison.opinion_submit(
        category=Category.EDUCATION, content="中心小学门口上下学时段拥堵，请增设护学岗。", **kw
    )
    staff = signed_in(county_setup["staff"])
    staff.goto("/liaison/work/")
    expect(staff.get_by_test_id("opinion-row")).to_have_count(2)
    staff.get_by_test_id("tile-pending").click()
    expect(staff.get_by_test_id("opinion-row")).to_have_count(2)
    staff.locator("#q").fill(lamp.code_display[5:11].lower())
    staff.locator("#f-category").select_option("urban")
    staff.get_by_test_id("apply-filters").click()
    expect(staff.get_by_test_id("opinion-row")).to_have_count(1)
    expect(staff.get_by_test_id("opinion-row")).to_have_attribute("data-code", lamp.code)
    expect(staff.get_by_test_id("inbox-count")).to_contain_text("1")
    _fits(staff)
    shot(staff, "inbox-filtered")


def test_the_office_workbench_lists_what_waits_and_its_tiles_open_the_lists(people, signed_in, shot):  # noqa: F811
    earlier = _earlier_suggestion(people)
    staff = signed_in(people["staff"])
    staff.goto("/")
    panel = staff.get_by_test_id("suggestions-panel")
    expect(panel.get_by_test_id("empty-todo")).to_have_count(0)
    expect(panel.get_by_test_id("suggestion-todo").locator("li", has_text=earlier.title)).to_contain_text(
        "待交办"
    )
    expect(staff.get_by_test_id("pending-modules")).not_to_contain_text("代表建议")
    _fits(staff)
    shot(staff, "office-workbench")
    panel.locator("a", has_text="待交办").first.click()
    expect(staff.get_by_test_id("suggestion-row")).to_have_count(1)
    expect(staff.get_by_test_id("suggestion-row")).to_contain_text(earlier.title)
