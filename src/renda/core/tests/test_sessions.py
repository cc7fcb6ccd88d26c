"""A signed-in page never fails because its session could not be saved (an import holding the
database's write lock), and an unchanged session is written at most once a minute."""

from __future__ import annotations

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import OperationalError

from renda.core import sessions
from renda.core.sessions import REFRESH_SECONDS, RefreshingSessionMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000}
    monkeypatch.setattr(RefreshingSessionMiddleware, "clock", staticmethod(lambda: now["t"]))
    return now


@pytest.fixture
def saves(monkeypatch):
    """Every session save, counted; ``saves.locked = True`` makes them fail as on a locked database."""

    class Saves:
        count = 0
        locked = False

    original = SessionStore.save

    def save(self, must_create=False):
        Saves.count += 1
        if Saves.locked:
            raise OperationalError("database is locked")
        return original(self, must_create=must_create)

    monkeypatch.setattr(SessionStore, "save", save)
    return Saves


def test_the_middleware_is_the_sites_session_middleware(settings):
    assert "renda.core.sessions.RefreshingSessionMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in settings.MIDDLEWARE
    assert settings.SESSION_SAVE_EVERY_REQUEST is True  # (the idle timeout, within a minute)


def test_a_signed_in_page_is_answered_while_its_session_cannot_be_saved(
    client_for, citizen_user, clock, saves, caplog
):
    client = client_for(citizen_user)
    saves.count = 0
    clock["t"] += REFRESH_SECONDS  # the expiry is due to be pushed on
    saves.locked = True
    with caplog.at_level(logging.WARNING, logger="renda.sessions"):
        response = client.get("/")
    assert response.status_code == 200
    assert saves.count == 1
    assert "session expiry not pushed on" in caplog.text and "database is locked" in caplog.text
    # the session lives on: the next page (the lock gone) is still signed in, and refreshes it
    saves.locked = False
    assert client.get("/").status_code == 200
    assert saves.count == 2


def test_an_unchanged_session_is_saved_at_most_once_a_minute(client_for, citizen_user, clock, saves):
    client = client_for(citizen_user)
    key = client.cookies["sessionid"].value
    expiry = Session.objects.get(session_key=key).expire_date
    assert client.get("/").status_code == 200  # (signed in by the test client: not yet stamped)
    saves.count = 0
    for _ in range(5):
        clock["t"] += 10
        assert client.get("/").status_code == 200
    assert saves.count == 0  # saved less than a minute ago: nothing written
    clock["t"] += REFRESH_SECONDS
    assert client.get("/").status_code == 200
    assert saves.count == 1
    assert Session.objects.get(session_key=key).expire_date >= expiry
    assert client.get("/").status_code == 200
    assert saves.count == 1


def _respond(view, cookies):
    """One request through the middleware alone, the view being ``view(request)``."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)

    def get_response(request):
        view(request)
        return HttpResponse("ok")

    return RefreshingSessionMiddleware(get_response)(request)


def test_a_changed_session_is_saved_and_its_failure_is_not_hidden(clock, saves):
    store = SessionStore()
    store["cart"] = 1
    store.save()
    cookies = {"sessionid": store.session_key}
    saves.count = 0
    response = _respond(lambda request: request.session.__setitem__("cart", 2), cookies)
    assert saves.count == 1 and response.cookies["sessionid"].value == store.session_key
    assert SessionStore(store.session_key)["cart"] == 2
    saves.locked = True  # a change that cannot be saved is an error, not a page that looks done
    with pytest.raises(OperationalError):
        _respond(lambda request: request.session.__setitem__("cart", 3), cookies)


def test_an_expired_sessions_cookie_is_dropped_without_writing(clock, saves):
    response = _respond(lambda request: request.session.get("cart"), {"sessionid": "x" * 32})
    assert saves.count == 0 and not Session.objects.exists()
    assert response.cookies["sessionid"].value == ""  # deleted, as Django does


def test_the_busy_timeout_is_short_only_around_a_refresh(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    connection.ensure_connection()

    def current() -> int:
        return connection.connection.execute("PRAGMA busy_timeout").fetchone()[0]

    usual = current()
    with sessions.busy_timeout("default", 1500):
        assert current() == 1500
    assert current() == usual
