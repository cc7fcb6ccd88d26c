"""网上家站, the citizen's path (issue 15.12) at 1366 px and 375 px: the challenge as a picture or a
question in words (switched and renewed without losing the text), the tracking code with a copy
button and the SMS wish, the booking confirmation with date, time and place, and 长者模式."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from renda.liaison.models import Appointment, Opinion
from renda.notifications.models import Delivery

from .test_liaison import assert_accessible, county_setup  # noqa: F401  (the county of the journeys)

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = "一二三四五六七八九"


def _answer(question: str) -> str:
    a, b = re.findall(f"[{WORDS}]", question)
    return str(WORDS.index(a) + WORDS.index(b) + 2)


@pytest.fixture(params=[(1366, 900), (375, 740)], ids=["desk", "phone"])
def citizen(request, browser, live_server):
    width, height = request.param
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": height},
        is_mobile=width < 500,
        has_touch=width < 500,
        device_scale_factor=2 if width < 500 else 1,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_citizen_writes_with_the_question_in_words_and_copies_the_code(citizen, shot, county_setup):  # noqa: F811
    citizen.goto("/liaison/write/")
    image = citizen.get_by_test_id("captcha-image")
    expect(image).to_be_visible()
    assert citizen.evaluate("document.querySelector('[data-testid=captcha-image]').naturalWidth") >= 80
    citizen.locator("#id_town").select_option(label="城关街道")
    citizen.locator("#id_category").select_option(index=1)
    citizen.locator("#id_phone").fill("13812345678")
    citizen.locator("#id_content").fill("城关街道幸福小区门口的路灯坏了三个月，晚上出行很不安全。")
    citizen.locator("#id_code_by_sms").check()
    # A new picture, then the question in words: nothing typed is lost.
    before = image.get_attribute("src")
    citizen.get_by_test_id("captcha-refresh").click()
    expect(image).not_to_have_attribute("src", before)
    citizen.get_by_test_id("captcha-to-text").click()
    question = citizen.get_by_test_id("captcha-question")
    expect(question).to_be_visible()
    expect(question).to_contain_text("等于几")
    expect(image).to_be_hidden()
    assert citizen.locator("#id_content").input_value().startswith("城关街道幸福小区")
    first = question.inner_text()
    citizen.get_by_test_id("captcha-refresh").click()
    expect(question).not_to_have_text(first)
    citizen.locator("#id_captcha_1").fill(_answer(question.inner_text()))
    citizen.locator("#id_captcha_1").scroll_into_view_if_needed()
    _no_sideways_scroll(citizen)
    shot(citizen, "01-question-in-words")
    citizen.get_by_test_id("submit-opinion").click()

    code = citizen.get_by_test_id("tracking-code")
    expect(code).to_be_visible()
    opinion = Opinion.objects.get()
    assert opinion.code_by_sms and code.inner_text() == opinion.code_display
    expect(citizen.get_by_test_id("sms-note")).to_contain_text("查询码正在以短信发送至 138****5678")
    # The text is queued for the worker, addressed to the number the citizen gave (shown masked).
    queued = Delivery.objects.get(kind="opinion.tracking_code")
    assert queued.address_masked == "138****5678" and queued.object_id == opinion.pk
    citizen.get_by_test_id("copy-code").click()
    expect(citizen.get_by_test_id("copy-code")).to_contain_text("已复制")
    assert citizen.evaluate("navigator.clipboard.readText()") == opinion.code_display
    assert_accessible(citizen, "the tracking code")
    _no_sideways_scroll(citizen)
    shot(citizen, "02-code-with-copy")


def test_citizen_books_and_sees_date_time_and_place_in_large_text(citizen, shot, county_setup):  # noqa: F811
    day = county_setup["day"]
    citizen.goto("/liaison/")
    citizen.get_by_test_id("elder-toggle").click()
    expect(citizen.locator("body")).to_have_class(re.compile(r"\belder-mode\b"))
    assert citizen.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    expect(citizen.get_by_test_id("elder-toggle")).to_have_attribute("aria-pressed", "true")
    assert_accessible(citizen, "portal in large text")
    _no_sideways_scroll(citizen)
    shot(citizen, "01-portal-large-text")

    citizen.goto(f"/liaison/book/{day.pk}/")
    expect(citizen.locator("body")).to_have_class(re.compile(r"\belder-mode\b"))  # remembered
    citizen.locator("#id_name").fill("赵大爷")
    citizen.locator("#id_phone").fill("13912345678")
    citizen.locator("#id_topic").fill("村道硬化问题")
    citizen.locator("#id_captcha_1").fill("PASSED")
    _no_sideways_scroll(citizen)
    shot(citizen, "02-booking-large-text")
    citizen.get_by_test_id("book-form").locator("button[type=submit]").click()
    summary = citizen.get_by_test_id("booking-summary")
    expect(summary).to_contain_text(f"{day.date.year}年{day.date.month}月{day.date.day}日")
    expect(summary).to_contain_text("09:00–11:30")
    expect(summary).to_contain_text("代表之家接待室")
    expect(summary).to_contain_text("0910-3212345")
    assert Appointment.objects.get().code_by_sms is False
    assert_accessible(citizen, "booking confirmation")
    _no_sideways_scroll(citizen)
    shot(citizen, "03-booking-confirmed")

    citizen.get_by_test_id("elder-toggle").click()
    expect(citizen.locator("body")).not_to_have_class(re.compile(r"\belder-mode\b"))
