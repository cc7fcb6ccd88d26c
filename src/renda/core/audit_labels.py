"""审计日志的操作名称: what each action (or refused permission) is called in the audit log.

Apps add theirs with :func:`label_actions` (from their ``AppConfig.ready()`` or their acts'
declarations); an action without a label shows its code. Kept apart from :mod:`renda.core.audit`
so that the audit model can name its actions without importing the module that writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ACTION_LABELS: dict[str, Any] = {}


def label_actions(labels: Mapping[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


#: The audit details that are no field of the audited object (e.g. ``step.audit_after``'s extras),
#: by key: apps add theirs with :func:`label_fields`. A model's own fields are named by their
#: verbose names (see :mod:`renda.core.audit_display`).
FIELD_LABELS: dict[str, Any] = {}


def label_fields(labels: Mapping[str, Any]) -> None:
    FIELD_LABELS.update(labels)
