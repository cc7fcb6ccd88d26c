"""公开页面缓存 (issue 15.16) on the liaison portal: served from the cache to anonymous visitors,
never stale after publishing, moderation, a new opinion or an answer, per language, and never
carrying another visitor's CSRF token."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.core.public_cache import CSRF_PLACEHOLDER
from renda.liaison import services

pytestmark = pytest.mark.django_db

PUBLIC = ("liaison:portal", "liaison:published", "liaison:calendar")


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("name", PUBLIC)
def test_the_second_anonymous_visit_is_served_from_the_cache(name, station, home):
    url = reverse(name)
    first, page = _queries(Client(), url)
    again, cached = _queries(Client(), url)  # another visitor
    assert first > 0 and again == 0
    assert CSRF_PLACEHOLDER not in page and CSRF_PLACEHOLDER not in cached


def test_station_page_is_cached_and_signed_in_staff_get_their_own_page(station, manager, client_for):
    url = reverse("liaison:station", args=[station.code])
    _queries(Client(), url)
    assert _queries(Client(), url)[0] == 0
    count, page = _queries(client_for(manager), url)
    assert count > 0  # signed in: rendered for them, never from the cache
    # The anonymous page was not stored from a signed-in rendering either.
    assert "/work/stations/" not in _queries(Client(), url)[1]


def _token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    return found[1]


def test_each_visitor_gets_their_own_csrf_token_and_it_works(station):
    url = reverse("liaison:portal")
    first = Client(enforce_csrf_checks=True)
    second = Client(enforce_csrf_checks=True)
    token_1 = _token(first.get(url).content.decode())
    response = second.get(url)  # from the cache
    token_2 = _token(response.content.decode())
    assert token_1 != token_2
    assert settings.CSRF_COOKIE_NAME in response.cookies  # the second visitor's own cookie
    # The token on the cached page belongs to the second visitor: switching the language works.
    switched = second.post(
        reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token_2}
    )
    assert switched.status_code == 302
    # The first visitor's token is refused with the second visitor's cookie.
    refused = second.post(
        reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token_1}
    )
    assert refused.status_code == 403


def test_the_language_is_part_of_the_page(station):
    url = reverse("liaison:portal")
    chinese = Client().get(url).content.decode()
    english_client = Client()
    english_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_client.get(url).content.decode()
    assert 'lang="zh-hans"' in chinese and 'lang="en"' in english
    assert 'lang="en"' in english_client.get(url).content.decode()
    assert 'lang="zh-hans"' in Client().get(url).content.decode()


def test_published_answers_are_never_stale(submit, manager):
    url = reverse("liaison:published")
    opinion = submit(consent_publish=True, content="城关镇幸福小区门口的路灯坏了三个月，晚上出行很不安全。")
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    services.opinion_answer(actor=manager, opinion=opinion, answer="路灯已于本周修复，感谢您的反映。")
    assert "路灯已于本周修复" not in Client().get(url).content.decode()
    assert _queries(Client(), url)[0] == 0  # now cached
    opinion.refresh_from_db()
    services.opinion_publish(
        actor=manager,
        opinion=opinion,
        public_content=opinion.public_content,
        public_answer=opinion.public_answer,
    )
    assert "路灯已于本周修复" in Client().get(url).content.decode()  # publishing
    services.opinion_withhold(actor=manager, opinion=opinion, reason="涉及个人隐私")
    assert "路灯已于本周修复" not in Client().get(url).content.decode()  # moderation


def test_a_new_opinion_changes_the_station_figures(submit, station):
    url = reverse("liaison:published")

    def received() -> str:
        page = Client().get(url).content.decode()
        row = page[page.index(station.name, page.index('data-testid="station-stats"')) :]
        return re.findall(r'<td class="text-end">(\d+)</td>', row)[0]

    before = received()
    submit()
    assert int(received()) == int(before) + 1


def test_the_cache_can_be_switched_off(settings, station):
    settings.RENDA_PUBLIC_PAGE_CACHE = False
    url = reverse("liaison:portal")
    Client().get(url)
    assert _queries(Client(), url)[0] > 0
