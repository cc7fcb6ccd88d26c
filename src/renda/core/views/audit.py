"""审计日志: the administrators' view of the audit trail, and its export to Excel."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renda.core.audit_display import AuditPresenter, module_label, object_type_label
from renda.core.excel import xlsx_response
from renda.core.forms import AuditFilterForm
from renda.core.http import AuthedRequest
from renda.core.models import AuditEvent
from renda.core.people import anonymous_label, person_label
from renda.core.selectors import audit_events_visible_to, audit_object_types
from renda.core.services import audit_log, audit_log_export, audit_log_open

PAGE_SIZE = 50


def change_lines(changes: Any, object_type: str = "") -> list[tuple[str, str, str]]:
    """``{field: [before, after]}`` as ``(field, before, after)`` words (labels, names, 是/否);
    tolerant of odd shapes. For many events at once use :class:`AuditPresenter` (one query per model)."""

    class _Event:
        pass

    event = _Event()
    event.changes = changes  # type: ignore[attr-defined]
    event.object_type = object_type  # type: ignore[attr-defined]
    return [(line.field, line.before, line.after) for line in AuditPresenter([event]).lines(event)]


def _actor_label(event: AuditEvent) -> str:
    """Who acted: the person's name and role (the login name only in the tooltip and the export)."""
    if event.actor is not None:
        return person_label(event.actor)
    return anonymous_label(event.actor_name) if event.actor_name else "—"


def _query_without_page(query: QueryDict) -> str:
    """The filters as a query string, without the page number and without empty fields."""
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        if key != "page":
            kept.setlist(key, [v for v in values if v.strip()])
    return kept.urlencode()


@require_GET
@login_required
def audit_list(request: AuthedRequest) -> HttpResponse:
    """审计日志: filter form, one page of events, and the export link keeping the filters."""
    audit_log_open(actor=request.user)
    form = AuditFilterForm(request.GET or None, object_types=audit_object_types(actor=request.user))
    filters_valid = not form.is_bound or form.is_valid()
    page, rows = None, []
    if filters_valid:
        events = audit_events_visible_to(actor=request.user, filters=form.to_filter())
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        presenter = AuditPresenter(page)
        rows = [
            {
                "event": event,
                "actor": _actor_label(event),
                "module": module_label(event.action),
                "object_type": object_type_label(event.object_type),
                "changes": (lines := presenter.lines(event)),
                "long": any(line.long for line in lines),
                "full": presenter.full_lines(event) if any(line.long for line in lines) else [],
            }
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


def _export_rows(events: Any, outcomes: dict[str, str]) -> Iterator[list[Any]]:
    """The rows in chunks of 2,000, each chunk's foreign keys named with one query per model."""
    stream = events.iterator(chunk_size=2000)
    while chunk := list(itertools.islice(stream, 2000)):
        presenter = AuditPresenter(chunk)
        for event in chunk:
            yield _export_row(event, outcomes, presenter)


def _export_row(event: AuditEvent, outcomes: dict[str, str], presenter: AuditPresenter) -> list[Any]:
    lines = presenter.full_lines(event)
    changes = "; ".join(f"{field}: {old} → {new}" for field, old, new in lines)
    return [
        timezone.localtime(event.created_at).replace(tzinfo=None),
        _actor_label(event),
        event.actor_name,
        event.action_label,
        outcomes.get(event.outcome, event.outcome),
        object_type_label(event.object_type),
        event.object_id,
        event.object_repr,
        changes,
        event.ip or "",
        event.note,
    ]


def _export_footer(total: int) -> str:
    cap = audit_log.EXPORT_ROW_CAP
    if total <= cap:
        return ""
    return _(
        "Only the newest %(cap)s of %(total)s matching events are exported; narrow the filters "
        "to export the rest."
    ) % {"cap": f"{cap:,}", "total": f"{total:,}"}


@never_cache
@require_GET
@login_required
def audit_export(request: AuthedRequest) -> HttpResponseBase:
    """导出审计日志: the filtered events as an Excel workbook. The export is itself audited."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the filters before exporting."))
        query = _query_without_page(request.GET)
        return redirect(reverse("core:audit_list") + (f"?{query}" if query else ""))
    events, total = audit_log_export(actor=request.user, filters=form.to_filter())
    outcomes = {value: str(label) for value, label in AuditEvent.Outcome.choices}
    rows = _export_rows(events[: audit_log.EXPORT_ROW_CAP], outcomes)
    today = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(
        filename=f"{_('audit-log')}-{today}.xlsx",
        fallback=f"audit-log-{today}.xlsx",
        title=_("Audit log"),
        headers=_export_headers(),
        rows=rows,
        footer=_export_footer(total),
    )


__all__ = ["audit_export", "audit_list", "change_lines"]
