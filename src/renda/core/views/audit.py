"""审计日志: the administrators' view of the audit trail, and its export to Excel."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from renda.core.forms import AuditFilterForm
from renda.core.models import AuditEvent
from renda.core.selectors import audit_events_visible_to, audit_object_types
from renda.core.services import audit_log, audit_log_export, audit_log_open

PAGE_SIZE = 50
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_VALUE_CHARS = 200


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def change_lines(changes: Any) -> list[tuple[str, str, str]]:
    """``{field: [before, after]}`` as ``(field, before, after)`` texts; tolerant of odd shapes."""
    if not isinstance(changes, dict):
        return []
    lines = []
    for field, pair in changes.items():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            lines.append((str(field), _text(pair[0]), _text(pair[1])))
        else:
            lines.append((str(field), "—", _text(pair)))
    return lines


def _actor_label(event: AuditEvent) -> str:
    actor = event.actor
    if actor is not None and actor.real_name:
        return f"{actor.real_name} ({actor.username})"
    return event.actor_name or "—"


def _query_without_page(query: QueryDict) -> str:
    """The filters as a query string, without the page number and without empty fields."""
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        if key != "page":
            kept.setlist(key, [v for v in values if v.strip()])
    return kept.urlencode()


@require_GET
@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """审计日志: filter form, one page of events, and the export link keeping the filters."""
    audit_log_open(actor=request.user)
    form = AuditFilterForm(request.GET or None, object_types=audit_object_types(actor=request.user))
    filters_valid = not form.is_bound or form.is_valid()
    page, rows = None, []
    if filters_valid:
        events = audit_events_visible_to(actor=request.user, filters=form.to_filter())
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [
            {"event": event, "actor": _actor_label(event), "changes": change_lines(event.changes)}
            for event in page
        ]
    query = _query_without_page(request.GET)
    context = {
        "form": form,
        "filters_valid": filters_valid,
        "page": page,
        "rows": rows,
        "query": query,
        "export_url": reverse("core:audit_export") + (f"?{query}" if query else ""),
    }
    htmx = getattr(request, "htmx", False)  # django-htmx's middleware
    template = "core/audit/audit_list.html#results" if htmx else "core/audit/audit_list.html"
    return render(request, template, context)


def _cell(sheet: Any, value: Any) -> Any:
    """A cell whose text is never taken for a formula (``=…`` typed by a user stays text)."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _export_headers() -> list[str]:
    return [
        _("Time"),
        _("Actor"),
        _("User name"),
        _("Action"),
        _("Outcome"),
        _("Object type"),
        _("Object ID"),
        _("Object"),
        _("Changes"),
        _("IP address"),
        _("Note"),
    ]


def _export_row(event: AuditEvent, outcomes: dict[str, str]) -> list[Any]:
    changes = "; ".join(f"{field}: {old} → {new}" for field, old, new in change_lines(event.changes))
    actor = event.actor
    return [
        timezone.localtime(event.created_at).replace(tzinfo=None),
        actor.real_name if actor is not None else "",
        event.actor_name,
        event.action,
        outcomes.get(event.outcome, event.outcome),
        event.object_type,
        event.object_id,
        event.object_repr,
        changes,
        event.ip or "",
        event.note,
    ]


def write_audit_workbook(events: QuerySet[AuditEvent], total: int, out: IO[bytes]) -> None:
    """Write ``events`` (at most the cap) to ``out`` as .xlsx, row by row (openpyxl write-only)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Audit log")[:31])
    sheet.append(_export_headers())
    outcomes = {value: str(label) for value, label in AuditEvent.Outcome.choices}
    cap = audit_log.EXPORT_ROW_CAP
    rows: Iterable[AuditEvent] = events[:cap].iterator(chunk_size=2000)
    for event in rows:
        sheet.append([_cell(sheet, value) for value in _export_row(event, outcomes)])
    if total > cap:
        sheet.append(
            [
                _(
                    "Only the newest %(cap)s of %(total)s matching events are exported; narrow the filters "
                    "to export the rest."
                )
                % {"cap": f"{cap:,}", "total": f"{total:,}"}
            ]
        )
    workbook.save(out)


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@never_cache
@require_GET
@login_required
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """导出审计日志: the filtered events as an Excel workbook. The export is itself audited."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the filters before exporting."))
        query = _query_without_page(request.GET)
        return redirect(reverse("core:audit_list") + (f"?{query}" if query else ""))
    events, total = audit_log_export(actor=request.user, filters=form.to_filter())
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once streamed
    try:
        write_audit_workbook(events, total, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    today = timezone.localdate().strftime("%Y%m%d")
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(
        f"{_('audit-log')}-{today}.xlsx", fallback=f"audit-log-{today}.xlsx"
    )
    return response


__all__ = ["audit_export", "audit_list", "change_lines", "content_disposition", "write_audit_workbook"]
