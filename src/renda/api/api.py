"""Renda's API (django-ninja) at /api/v1/, its schema at /api/v1/openapi.json.

Errors are JSON ``{"code": "<stable code>", "message": "<Chinese message>", "detail": ...}``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from renda.api.auth import AUTH

api = NinjaAPI(
    title="Renda 智慧人大 API",
    version="1",
    description="Renda's data interface. Token (Bearer) for machine clients, session for the browser.",
    auth=AUTH,
    urls_namespace="api",
)


class ErrorOut(Schema):
    code: str
    message: str
    detail: object | None = None


def error(request: HttpRequest, status: int, code: str, message: str, detail: object | None = None):
    return api.create_response(request, {"code": code, "message": message, "detail": detail}, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error(request, 403, "forbidden", getattr(exc, "message", "") or _("You do not have permission to do this."))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "not_found", _("Not found."))


@api.exception_handler(NinjaValidationError)
def on_invalid_request(request, exc):
    return error(request, 422, "invalid_request", _("The request is not valid."), exc.errors)


@api.exception_handler(ValidationError)
def on_invalid_data(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return error(request, 400, "invalid_data", _("The data is not valid."), detail)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return error(request, exc.status_code, "http_error", str(exc))


class HealthOut(Schema):
    status: str
    database: str


@api.get("/health", auth=None, response={200: HealthOut, 503: ErrorOut}, tags=["platform"])
def health(request):
    """健康检查: the service and its database answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure is "down"
        return 503, {"code": "database_unavailable", "message": _("The database does not answer.")}
    return 200, {"status": "ok", "database": connection.vendor}


class MeOut(Schema):
    username: str
    real_name: str
    role: str
    role_label: str
    organisation: str | None


@api.get("/me", response={200: MeOut, 401: ErrorOut}, tags=["platform"])
def me(request):
    """当前用户: who the request is authenticated as."""
    user = request.auth
    return {
        "username": user.username,
        "real_name": user.real_name,
        "role": user.role,
        "role_label": str(user.get_role_display()),
        "organisation": user.organisation.name if user.organisation_id else None,
    }
