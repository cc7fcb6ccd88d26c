"""Every write of the core module, by topic: the working-day calendar and the audit log."""

from renda.core.services.audit_log import EXPORT_ROW_CAP, audit_log_export, audit_log_open
from renda.core.services.calendar import (
    CalendarImportError,
    calendar_day_remove,
    calendar_day_set,
    calendar_import,
)

__all__ = [
    "EXPORT_ROW_CAP",
    "CalendarImportError",
    "audit_log_export",
    "audit_log_open",
    "calendar_day_remove",
    "calendar_day_set",
    "calendar_import",
]
