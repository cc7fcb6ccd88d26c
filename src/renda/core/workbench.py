"""工作台: the page after sign-in. Each module contributes panels for the roles it serves.

A provider is a function ``(user) -> list[Panel]`` registered with :func:`register` from its
app's ``ready()``. Panels show real counts from selectors; a module not yet in service is listed
as such, never with invented numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.core.roles import Role


@dataclass
class Stat:
    label: str | Promise
    value: int | str
    url: str = ""


@dataclass
class Panel:
    title: str | Promise
    order: int = 50
    stats: list[Stat] = field(default_factory=list)
    todo: list[dict[str, Any]] | None = None  # None: this panel keeps no to-do list
    empty_text: str | Promise = _("Nothing to do.")
    template: str = "core/panels/default.html"
    extra: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[Any], list[Panel]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user) -> list[Panel]:
    panels = [panel for provider in _providers for panel in provider(user)]
    return sorted(panels, key=lambda p: p.order)


# Modules that are part of Renda's plan but not yet in service, by the roles they will serve.
# A module removes itself from here when it lands.
MODULES_NOT_YET_IN_SERVICE: list[tuple[str | Promise, tuple[str, ...]]] = [
    (_("Public website"), (Role.STAFF, Role.ADMIN)),
    (_("Work ledger"), (Role.STAFF, Role.ADMIN)),
]


def modules_not_yet_in_service(user) -> list[str]:
    return [str(name) for name, roles in MODULES_NOT_YET_IN_SERVICE if user.role in roles]
