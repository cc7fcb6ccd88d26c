"""公开页面缓存: the anonymous public pages served from a cache that every change invalidates.

A county's public pages (网上家站, its published answers, the suggestion results) are shared on
WeChat and arrive in bursts of anonymous visitors who all see the same page. Such a page is
rendered once per *version* of the public content and served from the cache until the version
changes:

* **the version** is one value in the shared default cache (the file cache of the embedded set-up,
  or redis), replaced by :func:`public_content_changed` whenever something a public page shows is
  written. Each module names the models its public pages show (:func:`invalidate_on_change`):
  their saves and deletes change the version at once and again after the commit, so a page
  rendered in between from data not yet committed is never served after it; services that write
  with ``QuerySet.update`` call :func:`public_content_changed` themselves;
* **the page** is kept per process (the ``public_pages`` cache, local memory) under a key made of
  the version, the language, today's date (pages list "upcoming" days) and the full address.
  A stale page can never be read: its key names a version that is gone;
* only **anonymous GET requests** are served from it, without a message waiting for the visitor and
  without htmx; a signed-in person always gets a freshly rendered page. A page is stored only when
  it is a plain 200 answer that set no cookie;
* **nothing personal is stored**: the page is rendered with a placeholder where the CSRF token goes
  (:func:`csrf_placeholder`, a context processor), and each visitor's own token is put in when the
  page is served (the site's CSP uses no nonces, so nothing else in a page is per visitor).

``RENDA_PUBLIC_PAGE_CACHE`` (on by default) switches it off, ``RENDA_PUBLIC_PAGE_SECONDS`` (300) bounds
how long a page is kept even when nothing changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from hashlib import blake2b
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache, caches
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

VERSION_KEY = "renda:public-pages:version"
STORE = "public_pages"
# Where each visitor's CSRF token goes in a stored page (never a value a page could hold otherwise).
CSRF_PLACEHOLDER = "renda-public-csrf-0b6c1f9e"
_RENDERING_FOR_CACHE = "_renda_public_cache"
_MAX_QUERY = 512  # a longer query string is rendered, not cached


def public_content_changed(**_ignored: Any) -> None:
    """What a public page shows has changed: no page stored so far is served again."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or ""
    return str(version)


def invalidate_on_change(*watched: type[models.Model]) -> None:
    """A save or delete of any of ``watched`` (and a change of their many-to-many links) changes
    the public pages' version. Called from the modules' ``AppConfig.ready``."""
    for model in watched:
        uid = f"renda.public_cache.{model._meta.label}"
        post_save.connect(public_content_changed, sender=model, dispatch_uid=f"{uid}.save", weak=False)
        post_delete.connect(public_content_changed, sender=model, dispatch_uid=f"{uid}.delete", weak=False)
        for field in model._meta.many_to_many:
            through = getattr(field.remote_field, "through", None)
            if through is not None:
                m2m_changed.connect(
                    public_content_changed,
                    sender=through,
                    dispatch_uid=f"{uid}.{field.name}.m2m",
                    weak=False,
                )


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: while a page is rendered for the cache, its CSRF token is a placeholder."""
    if getattr(request, _RENDERING_FOR_CACHE, False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def _cacheable(request: HttpRequest) -> bool:
    if not getattr(settings, "RENDA_PUBLIC_PAGE_CACHE", True):
        return False
    if request.method not in ("GET", "HEAD") or request.headers.get("HX-Request"):
        return False
    if len(request.META.get("QUERY_STRING", "")) > _MAX_QUERY:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # A message waiting for this visitor (e.g. after switching the language) is shown by a fresh page.
    return len(get_messages(request)) == 0  # type: ignore[arg-type]


# Cookies that change how a public page looks (e.g. 长者模式): their values are part of the key.
VARY_ON_COOKIES: list[str] = []


def vary_on_cookie(name: str) -> None:
    """A module whose public pages look different by a visitor's cookie names it here."""
    if name not in VARY_ON_COOKIES:
        VARY_ON_COOKIES.append(name)


def _key(request: HttpRequest) -> str:
    variant = "|".join(f"{name}={request.COOKIES.get(name, '')[:16]}" for name in VARY_ON_COOKIES)
    address = f"{request.get_full_path()}#{variant}".encode("utf-8", "surrogateescape")
    digest = blake2b(address, digest_size=16).hexdigest()
    return (
        f"renda:public-page:{_version()}:{translation.get_language()}:{timezone.localdate():%Y%m%d}:{digest}"
    )


def _with_token(request: HttpRequest, content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode()))
    response["Content-Type"] = content_type
    return response


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve an anonymous public page from the cache (see the module's documentation)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        store = caches[STORE]
        stored = store.get(key)
        if stored is not None:
            return _with_token(request, *stored)
        setattr(request, _RENDERING_FOR_CACHE, True)
        try:
            response = view(request, *args, **kwargs)
        finally:
            setattr(request, _RENDERING_FOR_CACHE, False)
        if response.streaming:
            return response
        if response.status_code == 200 and not response.cookies:
            content_type = response.get("Content-Type", "text/html; charset=utf-8")
            seconds = getattr(settings, "RENDA_PUBLIC_PAGE_SECONDS", 300)
            store.set(key, (response.content, content_type), seconds)
        response.content = response.content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
        return response

    return wrapper
