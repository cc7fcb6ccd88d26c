"""Sessions that do not make every page write to the database.

With ``SESSION_SAVE_EVERY_REQUEST`` Django saves the session at every request, only to push its
expiry on (the idle timeout). On SQLite each such save takes the database's write lock, so while
an import writes, every signed-in page waited for the lock and then failed. Here a session that
the request did not change is saved at most once every :data:`REFRESH_SECONDS` (the idle timeout
is then exact to within that), with a short busy timeout on SQLite; a refresh that cannot be
written is skipped with a log line — the page is answered all the same, and the session lives on
until its last saved expiry. A session the request changed (sign-in, sign-out …) is saved as
Django saves it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import OperationalError, connections, router

logger = logging.getLogger("renda.sessions")

REFRESH_SECONDS = 60  # an unchanged session's expiry is pushed on at most this often
REFRESH_BUSY_MS = 2000  # how long (SQLite) a refresh waits for the write lock before it is skipped
REFRESHED = "_renda_refreshed"  # when the session was last saved (seconds since the epoch)


@contextmanager
def busy_timeout(alias: str, milliseconds: int) -> Iterator[None]:
    """On SQLite, wait at most ``milliseconds`` for a lock inside the block (then the usual again)."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    usual = int(float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)) * 1000)
    connection.connection.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        if connection.connection is not None:
            connection.connection.execute(f"PRAGMA busy_timeout = {usual}")


class RefreshingSessionMiddleware(SessionMiddleware):
    clock = staticmethod(time.time)

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or not settings.SESSION_SAVE_EVERY_REQUEST:
            return super().process_response(request, response)
        now = int(self.clock())
        if session.modified:  # saved as Django saves it, which refreshes it too
            session[REFRESHED] = now
            return super().process_response(request, response)
        last = session.get(REFRESHED)  # (loads the session: one that has expired is empty now)
        if session.is_empty():
            return super().process_response(request, response)
        if isinstance(last, int) and 0 <= now - last < REFRESH_SECONDS:
            session.save = _not_saved  # (this request's session object only)
            return super().process_response(request, response)
        session[REFRESHED] = now
        alias = router.db_for_write(session.model) if hasattr(session, "model") else "default"
        try:
            with busy_timeout(alias, REFRESH_BUSY_MS):
                return super().process_response(request, response)
        except OperationalError as exc:
            logger.warning("session expiry not pushed on (%s): %s %s", exc, request.method, request.path)
            return response


def _not_saved(must_create: bool = False) -> None:
    """A session save skipped: nothing in it changed, and its expiry was pushed on lately."""
