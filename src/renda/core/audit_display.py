"""审计日志的显示: the audit trail in words a reader understands.

The audit rows keep codes (``suggestions.assign``, ``state: ["new", "false_positive"]``,
``unit: "12"``) so that they stay exact; the page and the export show them as labels: the module's
name, the object's kind, each field's verbose name, a choice's label (新建 → 误报), the name of the
row a foreign key points to, 是/否. Nothing here imports an app: the models are found through
Django's registry from the stored ``object_type`` (``app_label.model``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from renda.core.audit_labels import FIELD_LABELS

#: The platform's modules in the order the audit filter offers them (their action prefix is the
#: app label and a dot). The names are the ones the navigation uses, not the apps' technical names.
MODULES: tuple[tuple[str, Any], ...] = (
    ("suggestions", gettext_lazy("Deputies' suggestions")),
    ("liaison", gettext_lazy("Deputy homes and liaison stations")),
    ("budget", gettext_lazy("Budget supervision")),
    ("deputies", gettext_lazy("Deputies")),
    ("accounts", gettext_lazy("Users and organisations")),
    ("core", gettext_lazy("Platform (calendar, audit log, demo)")),
    ("api", gettext_lazy("API")),
)

MAX_VALUE_CHARS = 200


def module_choices() -> list[tuple[str, str]]:
    """The audit filter's choices: ``("suggestions.", "代表建议办理")`` …, "all" first."""
    return [("", _("All modules")), *((f"{label}.", str(name)) for label, name in MODULES)]


def module_label(action: str) -> str:
    prefix = action.split(".", 1)[0]
    for label, name in MODULES:
        if label == prefix:
            return str(name)
    return prefix


def model_of(object_type: str) -> type[models.Model] | None:
    if "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """``suggestions.suggestion`` as “代表建议”; an unknown type as itself."""
    model = model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def field_label(model: type[models.Model] | None, name: str) -> str:
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name)
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def _short(text: str) -> str:
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


@dataclass(frozen=True)
class ChangeLine:
    """One changed field: its label and its values as words (``full`` when a value was shortened)."""

    field: str
    before: str
    after: str
    long: bool = False


class AuditPresenter:
    """Turns a page of audit events into labelled lines, naming foreign keys with one query per model."""

    def __init__(self, events: Iterable[Any]) -> None:
        self.events = list(events)
        self._names: dict[type[models.Model], dict[str, str]] = {}
        wanted: dict[type[models.Model], set[str]] = defaultdict(set)
        for event in self.events:
            model = model_of(event.object_type)
            for name, pair in self._pairs(event.changes):
                field = _field(model, name)
                if isinstance(field, models.ForeignKey):
                    for value in pair:
                        if value not in (None, ""):
                            wanted[field.related_model].add(str(value))  # type: ignore[index]
        for related, keys in wanted.items():
            rows = related._default_manager.filter(pk__in=list(keys))
            self._names[related] = {str(row.pk): str(row) for row in rows}

    @staticmethod
    def _pairs(changes: Any) -> list[tuple[str, Sequence[Any]]]:
        if not isinstance(changes, Mapping):
            return []
        pairs: list[tuple[str, Sequence[Any]]] = []
        for name, pair in changes.items():
            if isinstance(pair, list | tuple) and len(pair) == 2:
                pairs.append((str(name), pair))
            else:
                pairs.append((str(name), (None, pair)))
        return pairs

    def value(self, model: type[models.Model] | None, name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        field = _field(model, name)
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if field is not None and field.choices:
            labels = {str(k): str(v) for k, v in field.flatchoices}
            if isinstance(value, list):
                return pgettext("list separator", ", ").join(labels.get(str(v), str(v)) for v in value)
            return labels.get(str(value), str(value))
        if isinstance(field, models.ForeignKey):
            names = self._names.get(field.related_model, {})  # type: ignore[arg-type]
            return names.get(str(value), f"#{value}")
        if isinstance(value, dict | list):
            import json

            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        return str(value)

    def lines(self, event: Any) -> list[ChangeLine]:
        model = model_of(event.object_type)
        result = []
        for name, (before, after) in self._pairs(event.changes):
            old, new = self.value(model, name, before), self.value(model, name, after)
            result.append(
                ChangeLine(
                    field_label(model, name),
                    _short(old),
                    _short(new),
                    long=len(old) > MAX_VALUE_CHARS or len(new) > MAX_VALUE_CHARS,
                )
            )
        return result

    def full_lines(self, event: Any) -> list[tuple[str, str, str]]:
        """The lines without shortening (the export and the detail view)."""
        model = model_of(event.object_type)
        return [
            (field_label(model, name), self.value(model, name, before), self.value(model, name, after))
            for name, (before, after) in self._pairs(event.changes)
        ]
