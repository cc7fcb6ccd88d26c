"""Renda's API (django-ninja) at /api/v1/, its schema at /api/v1/openapi.json, docs at /api/v1/docs.

Every error is JSON ``{"code": "<stable code>", "message": "<Chinese message>", "detail": ...}``:

==========  =====================  ====================================================
status      code                   when
==========  =====================  ====================================================
400         bad_request            the request cannot be read
400         invalid_data           a service refused the data (Django ValidationError)
401         unauthenticated        no valid token and no signed-in session
403         forbidden              the actor may not do this
403         csrf_failed            a session request without its CSRF token
403         second_factor_required a session of a role that must pass TOTP first
404         not_found              no such endpoint or object
405         method_not_allowed     the endpoint exists, the method does not
413         payload_too_large      the body is larger than the platform accepts
422         invalid_request        malformed JSON, or parameters of the wrong type
429         throttled              too many requests
500         server_error           a fault on our side (logged)
503         database_unavailable   the database does not answer (health)
503         database_busy          another import holds the database (a budget batch)
==========  =====================  ====================================================

Each operation declares the statuses it answers (``renda.core.schemas.errors``), so the OpenAPI
schema documents every answer (checked by ``tests/test_schemathesis.py`` with all checks).
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import paginate
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from renda.accounts.models import Organisation
from renda.accounts.selectors import organisations_visible_to
from renda.api.auth import AUTH
from renda.core.schemas import AUTHENTICATED, CleanSchema, LimitOffsetPagination, errors

logger = logging.getLogger("renda.api")


class MalformedBody(ValueError):
    """The body is not the JSON the endpoint expects (not JSON at all, or not UTF-8)."""


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        try:
            return super().parse_body(request)
        except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError
            raise MalformedBody(str(exc)) from exc


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese text as it is, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


def error_body(code: str, message: str, detail: object | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": detail}


def json_error(status: int, code: str, message: str, detail: object | None = None) -> JsonResponse:
    """An error in the API's shape, for code that runs outside a ninja operation."""
    return JsonResponse(
        error_body(code, message, detail),
        status=status,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be read.")),
        401: ("unauthenticated", _("Sign in or send a valid API token.")),
        403: ("forbidden", _("You do not have permission to do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        413: ("payload_too_large", _("The request is too large.")),
        422: ("invalid_request", _("The request is not valid.")),
        429: ("throttled", _("Too many requests; please wait and try again.")),
        500: ("server_error", _("Something went wrong on our side. It has been logged.")),
    }


def _standard(status: int) -> tuple[str, str]:
    return _messages().get(status, ("http_error", _("The request could not be completed.")))


def install_error_handlers(api: NinjaAPI) -> None:
    """Give ``api`` Renda's JSON errors (used by the real API and by the tests' API)."""

    def respond(request: HttpRequest, status: int, code: str, message: str, detail: object | None = None):
        response = api.create_response(request, error_body(code, message, detail), status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="renda"'
        return response

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return respond(request, 401, *_standard(401))

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request, exc):
        message = getattr(exc, "message", "") or _standard(403)[1]
        return respond(request, 403, "forbidden", str(message))

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return respond(request, 404, *_standard(404))

    @api.exception_handler(NinjaValidationError)
    def on_invalid_request(request, exc):
        return respond(request, 422, *_standard(422), exc.errors)

    @api.exception_handler(ValidationError)
    def on_invalid_data(request, exc):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return respond(request, 400, "invalid_data", _("The data is not valid."), detail)

    @api.exception_handler(RequestDataTooBig)
    def on_too_large(request, exc):
        return respond(request, 413, *_standard(413))

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request, exc):
        return respond(request, 400, *_standard(400))

    @api.exception_handler(BadRequest)
    def on_bad_request(request, exc):
        return respond(request, 400, *_standard(400))

    @api.exception_handler(MultiPartParserError)
    def on_unreadable_form(request, exc):  # e.g. multipart/form-data without its boundary
        return respond(request, 400, *_standard(400))

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        if isinstance(exc.__cause__, MalformedBody):
            detail = [{"type": "json_invalid", "loc": ["body"], "msg": "Malformed JSON body"}]
            return respond(request, 422, *_standard(422), detail)
        if exc.status_code == 403 and "csrf" in str(exc).lower():
            message = _("The CSRF token is missing or wrong; reload the page.")
            return respond(request, 403, "csrf_failed", message)
        return respond(request, exc.status_code, *_standard(exc.status_code))

    @api.exception_handler(Exception)
    def on_server_error(request, exc):
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, *_standard(500))


@csrf_exempt  # a POST to no endpoint is a JSON 404, never Django's HTML CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/ path that names no endpoint."""
    return json_error(404, *_standard(404))


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)  # keeps csrf_exempt: ninja checks CSRF itself for session requests
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            json_response = json_error(405, *_standard(405))
            json_response["Allow"] = response["Allow"]
            return json_response
        return response

    return wrapper


class RendaAPI(NinjaAPI):
    """NinjaAPI whose URL list answers JSON for a wrong method (405) and an unknown path (404)."""

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        wrapped: list[Any] = [
            URLPattern(p.pattern, _json_405(p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern)
            else p
            for p in patterns
        ]
        wrapped.append(re_path(r"^.*$", not_found, name="not-found"))
        return wrapped, app_name, namespace


def build_api(**kwargs: Any) -> RendaAPI:
    """A Renda API: JSON errors, strict JSON bodies, bearer token or verified session."""
    kwargs.setdefault("auth", AUTH)
    api = RendaAPI(parser=StrictJSONParser(), renderer=ChineseJSONRenderer(), **kwargs)
    install_error_handlers(api)
    return api


api = build_api(
    title="Renda 智慧人大 API",
    version="1",
    description=(
        "Renda's data interface. `Authorization: Bearer rdt_…` for machine clients; the signed-in "
        "session (with its CSRF token) for the browser. Errors are `{code, message, detail}`."
    ),
    urls_namespace="api",
)


# --- platform ------------------------------------------------------------------------------


class HealthOut(Schema):
    status: str
    database: str


@api.get("/health", auth=None, response={200: HealthOut, **errors(400, 503)}, tags=["platform"])
def health(request):
    """健康检查: the service and its database answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure is "down"
        logger.exception("Health check: the database does not answer")
        return Status(503, error_body("database_unavailable", _("The database does not answer.")))
    return Status(200, {"status": "ok", "database": connection.vendor})


class MeOut(Schema):
    username: str
    real_name: str
    role: str
    role_label: str
    organisation: str | None


@api.get("/me", response={200: MeOut, **AUTHENTICATED}, tags=["platform"])
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


# --- organisations (组织机构) ----------------------------------------------------------------


class OrganisationOut(Schema):
    id: int
    code: str = Field(description="单位编码 (a string: leading zeros matter)")
    name: str
    short_name: str
    kind: str = Field(description="congress / department / township / finance / other")
    kind_label: str
    parent_code: str | None
    region_code: str
    region_name: str
    is_active: bool

    @staticmethod
    def resolve_kind_label(obj: Organisation) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_parent_code(obj: Organisation) -> str | None:
        return obj.parent.code if obj.parent is not None else None

    @staticmethod
    def resolve_region_code(obj: Organisation) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Organisation) -> str:
        return obj.region.name


class OrganisationQuery(CleanSchema):
    kind: Organisation.Kind | None = Field(None, description="only organisations of this kind")
    active: bool | None = Field(None, description="true: only active ones; false: only inactive ones")
    q: str | None = Field(None, max_length=50, description="part of the code, name or short name")


@api.get("/organisations", response={200: list[OrganisationOut], **AUTHENTICATED}, tags=["organisations"])
@paginate(LimitOffsetPagination, max_limit=500)
def organisations(request, filters: Query[OrganisationQuery]):
    """组织机构: committees, departments, townships and the finance bureau the caller may see."""
    rows = organisations_visible_to(actor=request.auth)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.active is not None:
        rows = rows.filter(is_active=filters.active)
    if filters.q:
        rows = rows.filter(
            Q(code__contains=filters.q) | Q(name__contains=filters.q) | Q(short_name__contains=filters.q)
        )
    return rows


# --- the modules' routers --------------------------------------------------------------------


def _mount_module_routers() -> None:
    from renda.budget.api import router as budget_router
    from renda.deputies.api import router as deputies_router
    from renda.deputies.api_activities import router as activities_router
    from renda.liaison.api import router as liaison_router
    from renda.suggestions.api import router as suggestions_router

    api.add_router("/suggestions", suggestions_router)
    api.add_router("/liaison", liaison_router)
    api.add_router("/budget", budget_router)
    api.add_router("/deputies/activities", activities_router)
    api.add_router("/deputies", deputies_router)


_mount_module_routers()
