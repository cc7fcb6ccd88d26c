"""工作台: the page after sign-in. Each module contributes panels for the roles it serves.

A provider is a function ``(user) -> list[Panel]`` registered with :func:`register` from its
app's ``ready()``. Panels show real counts from selectors; a module not yet in service is listed
as such, never with invented numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
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


# Renda's planned modules (DESIGN.md), by their app and the roles they serve. A module is in service
# when its app is installed (Django's app registry): then it leaves the "not yet in service" panel by
# itself, with nothing to edit here.
PLANNED_MODULES: list[tuple[str, str | Promise, tuple[str, ...]]] = [
    ("renda.deputies", _("Deputies"), (Role.STAFF, Role.ADMIN, Role.DEPUTY)),
    ("renda.suggestions", _("Suggestions"), (Role.STAFF, Role.ADMIN, Role.DEPUTY, Role.UNIT_HANDLER)),
    ("renda.liaison", _("Online deputy homes and stations"), (Role.STAFF, Role.ADMIN, Role.DEPUTY)),
    ("renda.budget", _("Budget supervision"), (Role.STAFF, Role.ADMIN)),
    ("renda.portal", _("Public website"), (Role.STAFF, Role.ADMIN)),
    ("renda.ledger", _("Work ledger"), (Role.STAFF, Role.ADMIN)),
]


def modules_not_yet_in_service(user) -> list[str]:
    """The planned modules for ``user``'s role whose app is not installed in this deployment."""
    return [
        str(name) for app, name, roles in PLANNED_MODULES if user.role in roles and not apps.is_installed(app)
    ]
