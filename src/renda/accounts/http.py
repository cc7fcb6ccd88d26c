"""The request types the views are written against.

Django types ``request.user`` as ``User | AnonymousUser`` and knows nothing of django-htmx's
``request.htmx``. A view behind ``login_required`` takes an :class:`AuthedRequest`, whose user
is a :class:`~renda.accounts.models.User`; a public view takes an :class:`HtmxRequest`.
These are annotations only: at run time the request is Django's own ``HttpRequest``.

``AnyUser`` is who may stand behind a request or an act when anonymous is truly possible
(the public pages, the citizen's acts).

(Core's own views use :mod:`renda.core.http`, whose user is Django's ``AbstractUser``: core imports no
Renda app.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.http import HttpRequest

from renda.core import http as core_http

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from renda.accounts.models import User

    AnyUser: TypeAlias = User | AnonymousUser

__all__ = ["ApiRequest", "AuthedRequest", "HtmxRequest"]  # and, for the type checker only, AnyUser


HtmxRequest = core_http.HtmxRequest


class AuthedRequest(core_http.AuthedRequest):
    """A request behind ``login_required``: its user is signed in, so a :class:`User`."""

    user: User


class ApiRequest(HttpRequest):
    """A request django-ninja let through an authenticated operation: ``auth`` is its User."""

    auth: User
