"""接口认证: bearer tokens for machine clients, the session (with CSRF) for the browser."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from renda.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer rdt_…``: the finance bureau's system and other machine clients."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


class VerifiedSessionAuth(SessionAuth):
    """The browser session; roles that need a second factor must have passed it."""

    def authenticate(self, request: HttpRequest, key: str | None):
        user = super().authenticate(request, key)
        if user and getattr(user, "needs_second_factor", False) and not user.is_verified():
            return None
        return user


token_auth = TokenAuth()
session_auth = VerifiedSessionAuth()
AUTH = [token_auth, session_auth]
__all__ = ["AUTH", "session_auth", "token_auth"]
