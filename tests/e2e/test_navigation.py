"""The menu bar fits on one line at 1366 px in Chinese and in English, for every role (issue 15.9),
and on a phone each entry of the opened menu keeps its words on one line."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ("zh-hans", "en")


@pytest.fixture
def people(make_user, make_organisation):
    """One person of each role that signs in to pages, with long real-world names."""
    budget = make_organisation(
        kind=Organisation.Kind.CONGRESS, name="县人大常委会预算工作委员会", code="RD003"
    )
    office = make_organisation(
        kind=Organisation.Kind.CONGRESS, name="县人大常委会代表工作委员会", code="RD002"
    )
    bureau = make_organisation(kind=Organisation.Kind.DEPARTMENT, name="县住房和城乡建设局")
    return {
        "admin": make_user(Role.ADMIN, real_name="欧阳明华"),
        "staff": make_user(Role.STAFF, organisation=office, real_name="司马建国"),
        "budget": make_user(Role.STAFF, organisation=budget, real_name="诸葛晓东"),
        "deputy": make_user(Role.DEPUTY, real_name="上官文静"),
        "unit": make_user(Role.UNIT_HANDLER, organisation=bureau, real_name="皇甫志强"),
    }


def _menu_lines(page) -> dict:
    return page.evaluate(
        """() => {
          const bar = document.querySelector('nav.renda-navbar');
          const items = [...bar.querySelectorAll('.navbar-brand, .navbar-nav > .nav-item > .nav-link')];
          const middle = e => {
            const r = e.getBoundingClientRect();
            return Math.round((r.top + r.height / 2) / 12);
          };
          const tops = items.map(middle);
          const tall = items.filter(e => e.getBoundingClientRect().height > 48)
            .map(e => e.textContent.trim());
          return {height: Math.round(bar.getBoundingClientRect().height), rows: new Set(tops).size,
                  tall, count: items.length, scroll: document.documentElement.scrollWidth};
        }"""
    )


@pytest.mark.parametrize("role", ["admin", "staff", "budget", "deputy", "unit"])
def test_the_menu_bar_is_one_line_at_1366_in_both_languages(
    browser, live_server, sign_in, shot, people, role
):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, people[role])
    for language in LANGUAGES:
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto("/")
        expect(page.locator("#renda-nav")).to_be_visible()
        lines = _menu_lines(page)
        shot(page, f"{role}-{language}", full_page=False)
        assert lines["rows"] == 1 and not lines["tall"] and lines["height"] <= 64, (language, lines)
        assert lines["scroll"] <= 1366, (language, lines)
    context.close()


def test_the_phone_menu_keeps_each_entry_on_one_line(phone_page, live_server, sign_in, shot, people):
    sign_in(phone_page, people["admin"])
    for language in LANGUAGES:
        phone_page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        phone_page.goto("/")
        phone_page.locator(".navbar-toggler").click()
        expect(phone_page.locator("#renda-nav")).to_be_visible()
        tall = phone_page.evaluate(
            """() => [...document.querySelectorAll('#renda-nav .nav-link')]
                 .filter(e => e.getBoundingClientRect().height > 48).map(e => e.textContent.trim())"""
        )
        shot(phone_page, f"menu-{language}", full_page=False)
        assert not tall, (language, tall)
