"""The request types of core's own views (the apps' views use :mod:`renda.accounts.http`).

Django types ``request.user`` as ``User | AnonymousUser`` and knows nothing of django-htmx's
``request.htmx``. Core imports no Renda app, so its requests keep Django's type of the user;
:mod:`renda.accounts.http` narrows it to the platform's ``User``. These are annotations only: at
run time the request is Django's own ``HttpRequest``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

__all__ = ["AuthedRequest", "HtmxRequest"]


class HtmxRequest(HttpRequest):
    """A request that passed django-htmx's middleware (every request does): ``htmx`` is set."""

    htmx: HtmxDetails


class AuthedRequest(HtmxRequest):
    """A request behind ``login_required`` (the apps narrow ``user`` to their ``User``)."""
