"""Workbench and the error pages."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _

from renda.core.http import AuthedRequest
from renda.core.permissions import require
from renda.core.workbench import modules_not_yet_in_service, panels_for

logger = logging.getLogger("renda.errors")


@login_required
def workbench(request: AuthedRequest) -> HttpResponse:
    """工作台: the role's counts and to-do lists."""
    require(request.user, "core.view_workbench")
    context = {
        "panels": panels_for(request.user),
        "modules_pending": modules_not_yet_in_service(request.user),
    }
    return render(request, "core/workbench.html", context)


API_PREFIX = "/api/"
API_ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 500: "server_error"}


def _error(request: HttpRequest, status: int, title: str, message: str, api_code: str = "") -> HttpResponse:
    if request.path.startswith(API_PREFIX):  # the API's errors are always JSON (README "Data interface")
        return JsonResponse(
            {
                "code": api_code or API_ERROR_CODES.get(status, "http_error"),
                "message": message,
                "detail": None,
            },
            status=status,
            json_dumps_params={"ensure_ascii": False},
            content_type="application/json; charset=utf-8",
        )
    context = {"status": status, "title": title, "message": message}
    try:
        return render(request, "error.html", context, status=status)
    except Exception:  # noqa: BLE001 - the error page must not fail in turn (database down, missing asset)
        logger.exception("The %s page could not be rendered; answering with the plain page", status)
        return HttpResponse(
            format_html(
                '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>{0}</title>'
                '<main data-testid="error-page" data-status="{1}"><h1>{1} {0}</h1><p>{2}</p></main></html>',
                title,
                status,
                message,
            ),
            status=status,
        )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        400,
        _("Bad request"),
        _("The request could not be understood. Please go back and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = getattr(exception, "message", "") or _("You do not have permission to see this page.")
    return _error(request, 403, _("No permission"), str(message))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("Page not found"), _("The page you asked for does not exist or has moved."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request,
        500,
        _("Server error"),
        _("Something went wrong on our side. It has been logged; please try again later."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        _("Form expired"),
        _("The form has expired or was changed. Please reload the page and submit it again."),
        api_code="csrf_failed",
    )
