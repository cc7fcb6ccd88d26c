"""接口认证: bearer tokens for machine clients, the session (with CSRF) for the browser."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from renda.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer rdt_…``: the finance bureau's system and other machine clients.

    A revoked or expired token, or one of a deactivated user, authenticates no one (401).
    """

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(raw=token.strip())
        if user is not None:
            request.user = user
        return user


class VerifiedSessionAuth(SessionAuth):
    """The browser session; roles that need a second factor must have passed it.

    Without a session cookie there is no session to check (and no CSRF check to fail): the
    request is simply not authenticated this way, so a machine client with a bad token gets
    401, not a CSRF refusal.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        if key is None:
            return None
        user = super().authenticate(request, key)
        if user and getattr(user, "needs_second_factor", False) and not user.is_verified():
            return None
        return user


token_auth = TokenAuth()
session_auth = VerifiedSessionAuth()
AUTH = [token_auth, session_auth]
__all__ = ["AUTH", "session_auth", "token_auth"]
