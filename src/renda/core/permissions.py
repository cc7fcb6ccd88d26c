"""权限: every service asks :func:`require` first; :func:`service` records refusals.

A service is a function decorated with :func:`service`. It runs in one transaction; when it is
refused (``PermissionRefused``), the transaction rolls back and, once the outermost service has
unwound, the refusal is written to the audit trail, so refusals are audited even though the
refused work left nothing behind.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

P = ParamSpec("P")
R = TypeVar("R")

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("renda_service_depth", default=0)


class PermissionRefused(PermissionDenied):
    """The actor may not do this. Carries what was asked, for the audit trail."""

    def __init__(self, actor: Any, perm: str, obj: models.Model | None = None, message: str = ""):
        self.actor, self.perm, self.obj = actor, perm, obj
        self.message = message or _("You do not have permission to do this.")
        super().__init__(self.message)


def can(actor: Any, perm: str, obj: models.Model | None = None) -> bool:
    """Whether ``actor`` holds ``perm`` (a `rules` permission), on ``obj`` when given."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return bool(actor.has_perm(perm, obj))


def require(actor: Any, perm: str, obj: models.Model | None = None, message: str = "") -> None:
    """Raise :class:`PermissionRefused` unless ``actor`` holds ``perm`` (on ``obj``)."""
    if not can(actor, perm, obj):
        raise PermissionRefused(actor, perm, obj, message)


def service(func: Callable[P, R]) -> Callable[P, R]:
    """Make ``func`` a service: atomic, and its refusals audited after the rollback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        outermost = _depth.get() == 0
        token = _depth.set(_depth.get() + 1)
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except PermissionRefused as refusal:
            if outermost:
                from renda.core.audit import audit

                audit(refusal.actor, refusal.perm, refusal.obj, outcome="refused", note=func.__name__)
            raise
        finally:
            _depth.reset(token)

    return wrapper
