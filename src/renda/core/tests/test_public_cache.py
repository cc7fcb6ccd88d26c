"""公开页面缓存: what is served from the cache and what never is (renda.core.public_cache)."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse, HttpResponseNotFound

from renda.core.public_cache import cached_public_page, public_content_changed


class Counting:
    def __init__(self, response=None):
        self.calls = 0
        self.response = response

    def __call__(self, request):
        self.calls += 1
        return self.response() if self.response else HttpResponse(f"page {self.calls}")


def _request(rf, path="/liaison/", method="get", **extra):
    request = getattr(rf, method)(path, **extra)
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)
    return request


@pytest.mark.django_db
def test_served_once_then_from_the_cache_until_the_content_changes(rf):
    view = Counting()
    page = cached_public_page(view)
    assert page(_request(rf)).content == b"page 1"
    assert page(_request(rf)).content == b"page 1" and view.calls == 1
    public_content_changed()
    assert page(_request(rf)).content == b"page 2"


def test_the_address_and_its_query_are_part_of_the_key(rf):
    view = Counting()
    page = cached_public_page(view)
    page(_request(rf, "/suggestions/results/?q=路灯"))
    page(_request(rf, "/suggestions/results/?q=校车"))
    page(_request(rf, "/suggestions/results/?q=路灯"))
    assert view.calls == 2


@pytest.mark.parametrize(
    "request_of",
    [
        lambda rf: _request(rf, method="post"),
        lambda rf: _request(rf, HTTP_HX_REQUEST="true"),
        lambda rf: _request(rf, "/liaison/?q=" + "x" * 600),
    ],
    ids=["post", "htmx", "long-query"],
)
def test_never_from_the_cache(rf, request_of):
    view = Counting()
    page = cached_public_page(view)
    page(request_of(rf))
    page(request_of(rf))
    assert view.calls == 2


def test_a_visitor_with_a_waiting_message_gets_a_fresh_page(rf):
    view = Counting()
    page = cached_public_page(view)
    page(_request(rf))
    waiting = _request(rf)
    messages.add_message(waiting, messages.SUCCESS, "已切换语言")
    page(waiting)
    assert view.calls == 2


def test_a_signed_in_person_is_never_served_from_the_cache(rf, staff_user):
    view = Counting()
    page = cached_public_page(view)
    page(_request(rf))
    signed_in = _request(rf)
    signed_in.user = staff_user
    page(signed_in)
    assert view.calls == 2


def test_only_plain_200_pages_are_stored(rf):
    view = Counting(lambda: HttpResponseNotFound("gone"))
    page = cached_public_page(view)
    page(_request(rf))
    page(_request(rf))
    assert view.calls == 2

    def with_cookie():
        response = HttpResponse("x")
        response.set_cookie("visitor", "1")
        return response

    view = Counting(with_cookie)
    page = cached_public_page(view)
    page(_request(rf, "/other/"))
    page(_request(rf, "/other/"))
    assert view.calls == 2
