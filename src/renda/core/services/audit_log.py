"""Services of the audit log page (审计日志): opening it, and exporting it (which is itself audited).

Kept apart from ``core/services.py`` so the audit page has one module of its own; both follow the
service conventions (``@service``, ``require`` first, an audit row for every act).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Max, QuerySet

from renda.core.audit import audit
from renda.core.models import AuditEvent
from renda.core.permissions import require, service
from renda.core.selectors import AuditFilter, audit_events_visible_to

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    User = AbstractBaseUser | AnonymousUser  # who asks; the permission check refuses anonymous

# An export holds at most this many rows; a note row says so when the filtered set is larger.
EXPORT_ROW_CAP = 200_000


@service
def audit_log_open(*, actor: User) -> None:
    """查看审计日志: the admission to the page. Writes nothing when admitted; a refusal is audited."""
    require(actor, "core.view_audit")


def _describe_filters(filters: AuditFilter) -> dict[str, str]:
    values = {
        "actor": filters.actor,
        "action": filters.action,
        "outcome": filters.outcome,
        "object_type": filters.object_type,
        "object_id": filters.object_id,
        "date_from": filters.date_from.isoformat() if filters.date_from else "",
        "date_to": filters.date_to.isoformat() if filters.date_to else "",
    }
    return {key: value for key, value in values.items() if value}


@service
def audit_log_export(*, actor: User, filters: AuditFilter) -> tuple[QuerySet[AuditEvent], int]:
    """导出审计日志: record the export (filters and row count) and hand back the rows to write.

    Returns the filtered events (newest first) and how many match; the export writes at most
    :data:`EXPORT_ROW_CAP` of them.
    """
    require(actor, "core.view_audit")
    # A snapshot: events written from now on (this export's own row among them) are not included.
    last_id = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
    events = audit_events_visible_to(actor=actor, filters=filters).filter(id__lte=last_id)
    total = events.count()
    described = _describe_filters(filters)
    after: dict[str, Any] = {"rows": min(total, EXPORT_ROW_CAP), "filters": described}
    if total > EXPORT_ROW_CAP:
        after["matched"] = total
    note = "; ".join(f"{key}={value}" for key, value in described.items())
    audit(actor, "core.audit_export", None, after=after, note=note)
    return events, total
