"""Request-scoped context for services (the client address for the audit trail)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from renda.core.audit import current_ip


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


class LanguageMiddleware:
    """简体中文优先: Chinese unless the person chose English with the language switch (cookie).

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not consulted, so the
    platform speaks Chinese to everyone by default, as the congress's own systems do.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


def client_address(remote_addr: str, forwarded_for: str, *, proxy_count: int, proxies: list[str]) -> str:
    """The client's address: ``REMOTE_ADDR``, or the hop before the trusted reverse proxies.

    ``X-Forwarded-For`` is a list a client can start with anything, each proxy appending the address it
    saw; only the hops written by trusted proxies are believed, so the address is read from the right:
    with ``proxy_count`` proxies it is the ``proxy_count``-th entry from the end; with a list of proxy
    addresses (or networks) it is the right-most entry that is not one of them. A request that did not
    come through a trusted proxy keeps its ``REMOTE_ADDR``.
    """
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if proxy_count > 0:
        return _valid_ip(hops[-proxy_count]) if len(hops) >= proxy_count else remote_addr
    if proxies:
        networks = [ipaddress.ip_network(p, strict=False) for p in proxies]

        def trusted(address: str) -> bool:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                return False
            return any(ip in network for network in networks)

        if not trusted(remote_addr):
            return remote_addr
        for hop in reversed(hops):
            if not trusted(hop):
                return _valid_ip(hop)
    return remote_addr


def _valid_ip(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:  # a proxy wrote something that is no address: count it as unknown
        return "0.0.0.0"  # noqa: S104 - a placeholder address, nothing listens on it


class TrustedProxyMiddleware:
    """Behind the reverse proxies named in the settings, ``REMOTE_ADDR`` becomes the client's address.

    Every rate limit, the sign-in lockout and the audit trail read ``REMOTE_ADDR``; without this the
    whole county, seen through one proxy, would share one rate-limit bucket. Every 429 answer also
    says when to try again (``Retry-After``: ``request.retry_after`` seconds when the view knows it).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from django.conf import settings

        self.get_response = get_response
        self.proxy_count = settings.RENDA_TRUSTED_PROXY_COUNT
        self.proxies = list(settings.RENDA_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = request.META.get("REMOTE_ADDR", "")
        if self.proxy_count or self.proxies:
            address = client_address(
                address,
                request.META.get("HTTP_X_FORWARDED_FOR", ""),
                proxy_count=self.proxy_count,
                proxies=self.proxies,
            )
        # A WSGI server on a Unix socket (or a test client) may give no address or an empty one: the
        # rate limits key on it (a missing one was a 500), so it becomes the placeholder address.
        request.META["REMOTE_ADDR"] = _valid_ip(address)
        response = self.get_response(request)
        if response.status_code == 429 and "Retry-After" not in response:
            response["Retry-After"] = str(int(getattr(request, "retry_after", 0) or DEFAULT_RETRY_AFTER))
        return response


# Seconds a throttled client is told to wait when the view does not say (the shortest limit's window).
DEFAULT_RETRY_AFTER = 60
