"""审计: how services leave their trace. Only services call :func:`audit`."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from renda.core.audit_labels import ACTION_LABELS, action_label, label_actions
from renda.core.models import AuditEvent

__all__ = ["ACTION_LABELS", "action_label", "audit", "label_actions", "snapshot"]

# The address of the request being served, set by AuditContextMiddleware.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("renda_current_ip", default=None)

# Fields whose values never enter the audit trail in clear (personal data, secrets).
SECRET_FIELDS = {"password", "key", "token", "secret", "token_hash"}
MASKED_FIELDS = {"phone", "id_number", "bank_account", "address", "payee_account"}


# What each action is called in the audit log: see renda.core.audit_labels (the model reads it too).


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def _guarded(field: str, value: Any) -> Any:
    if field in SECRET_FIELDS:
        return "***"
    if field in MASKED_FIELDS and value:
        from renda.core.masking import mask_personal

        return mask_personal(str(value))
    return _plain(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` on ``obj``, ready for ``audit(before=..., after=...)``."""
    return {f: getattr(obj, f) for f in fields}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """Only the fields that changed, as ``{field: [before, after]}``; secrets are hidden."""
    before, after = before or {}, after or {}
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if _plain(old) != _plain(new):
            changes[field] = [_guarded(field, old), _guarded(field, new)]
    return changes


def _describe(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk or ""), str(obj)[:200]


def audit(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str = "",
    outcome: str = AuditEvent.Outcome.DONE,
) -> AuditEvent:
    """Write one audit row: who did what to which object, and the fields that changed."""
    object_type, object_id, object_repr = _describe(obj)
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_name=(actor.get_username() if is_user else "anonymous")[:150],
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=diff(before, after),
        ip=current_ip.get(),
        note=note[:500],
    )
