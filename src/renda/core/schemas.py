"""The API's pieces (django-ninja): bounded numbers, cleaned text, bounded pagination, errors.

Every input schema of the API derives from :class:`CleanSchema`, so text loses its control
characters (see ``renda.core.text``) whatever the field; ids are :data:`Id` (1..2^63-1, the range
of a database key), so a number past it is a 422, not a database overflow; list endpoints page with
:class:`LimitOffsetPagination`, whose ``offset`` has an upper bound too.

Every error is :class:`ErrorOut`; each operation declares the error statuses it really answers
(:func:`errors`, :data:`AUTHENTICATED` and :data:`WITH_BODY`), so that the OpenAPI schema tells a
client every answer it can get (checked by schemathesis, ``renda/api/tests/test_schemathesis.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination
from pydantic import field_validator

from renda.core.params import MAX_DB_INT
from renda.core.text import strip_control_deep

# An offset past this reads nothing on any list of the platform (and keeps LIMIT/OFFSET in range).
MAX_OFFSET = 10**9

Id = Annotated[int, Field(ge=1, le=MAX_DB_INT)]


class ErrorOut(Schema):
    """Every error of the API: ``{"code": "<stable code>", "message": "<中文说明>", "detail": …}``."""

    code: str = Field(description="a stable code, e.g. invalid_request, forbidden, not_found, throttled")
    message: str = Field(description="what went wrong, in the user's language")
    detail: Any = Field(None, description="the fields at fault (422, 400 invalid_data), else null")


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``response={200: Out, **errors(404, 409)}``: these statuses answer :class:`ErrorOut`."""
    return dict.fromkeys(statuses, ErrorOut)


# Any operation may answer 400 (an unreadable request) and 422 (parameters or body of the wrong
# shape); one that needs a sign-in also 401 (no valid token or session) and 403 (not allowed, a
# session without its CSRF token on a write, or without its second factor); one with a body also
# 413 (larger than DATA_UPLOAD_MAX_MEMORY_SIZE).
AUTHENTICATED = errors(400, 401, 403, 422)
WITH_BODY = errors(400, 413, 422)


class CleanSchema(Schema):
    """An input schema whose text (also inside lists) has no control characters."""

    @field_validator("*", mode="before")
    @classmethod
    def _strip_control(cls, value: Any) -> Any:
        if isinstance(value, str | list | tuple):
            return strip_control_deep(value)
        return value


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    """django-ninja's limit/offset pagination with both numbers bounded (422 beyond)."""

    class Input(CleanSchema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MAX_DB_INT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
