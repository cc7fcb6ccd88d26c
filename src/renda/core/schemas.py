"""The API's input pieces (django-ninja): bounded numbers, cleaned text, bounded pagination.

Every input schema of the API derives from :class:`CleanSchema`, so text loses its control
characters (see ``renda.core.text``) whatever the field; ids are :data:`Id` (1..2^63-1, the range
of a database key), so a number past it is a 422, not a database overflow; list endpoints page with
:class:`LimitOffsetPagination`, whose ``offset`` has an upper bound too.
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
