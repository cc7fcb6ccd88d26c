"""Query parameters (``?year=2026&town=12``): read through one bounded form, never by hand.

A list page's filters come from the address bar, so anything can arrive there: ``²`` (which
``str.isdigit`` accepts and ``int`` refuses), ``99999999999999999999`` (past what a database
integer holds), a NUL byte (which PostgreSQL refuses), a word where an id belongs. The rule, as
in any mature product: **a filter value that cannot be read is ignored** and the page is shown
as if it had not been given (never a 500, never an error page for a bookmark gone stale).

A view names its parameters once::

    params = query_params(
        request.GET,
        town=IdParam(),
        year=IntParam(min_value=2000, max_value=2100),
        state=ChoiceParam(Opinion.State.values),
        q=TextParam(max_length=50),
    )
    params["town"]  # an int in 1..2^63-1, or None

Each is a Django form field with bounds, so the parsing is Django's own (``int("²")`` is refused,
``9999…`` is refused by ``max_value``, text loses control characters and is cut to its length).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.http import Http404

from renda.core.text import strip_control

# The largest value a primary key or any integer column holds (a signed 64-bit integer).
MAX_DB_INT = 2**63 - 1

# The platform's dates: one outside this range is refused with a message (it cannot hold audit
# events, and the extremes of the calendar overflow when converted between time zones).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2099, 12, 31)


class IntParam(forms.IntegerField):
    """A whole number within ``min_value``..``max_value`` (ASCII digits only); else the default."""

    def __init__(
        self, *, min_value: int = 0, max_value: int = MAX_DB_INT, default: int | None = None, **kwargs: Any
    ):
        super().__init__(min_value=min_value, max_value=max_value, required=False, **kwargs)
        self.default = default

    def to_python(self, value: Any) -> int | None:
        value = str(value).strip() if value is not None else ""
        if value and not (value.isascii() and value.lstrip("-").isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(value) > 20:  # longer than any 64-bit number: refuse before int() works on it
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdParam(IntParam):
    """A database id: 1..2^63-1."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)


class ChoiceParam(forms.TypedChoiceField):
    """One of ``choices`` (values, compared as text, given back through ``coerce``); else the
    default (``""`` unless told)."""

    def __init__(self, choices: Iterable[Any], *, default: Any = "", coerce: Any = str, **kwargs: Any):
        super().__init__(
            choices=[(c, str(c)) for c in choices], coerce=coerce, required=False, empty_value=None, **kwargs
        )
        self.default = default


class TextParam(forms.CharField):
    """Free text (a search box): control characters out, surrounding space stripped, cut to length."""

    def __init__(self, *, max_length: int = 50, default: str = "", **kwargs: Any):
        super().__init__(required=False, strip=True, **kwargs)
        self.cut = max_length
        self.default = default

    def to_python(self, value: Any) -> str:
        text = super().to_python(strip_control(str(value)) if value is not None else "") or ""
        return text[: self.cut].strip()


class DateParam(forms.DateField):
    """A date ``YYYY-MM-DD`` within ``min_value``..``max_value`` (default 1900..2999); else the default."""

    def __init__(
        self,
        *,
        min_value: dt.date = dt.date(1900, 1, 1),
        max_value: dt.date = dt.date(2999, 12, 31),
        default: dt.date | None = None,
        **kwargs: Any,
    ):
        super().__init__(required=False, input_formats=["%Y-%m-%d"], **kwargs)
        self.min_value, self.max_value, self.default = min_value, max_value, default

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not self.min_value <= day <= self.max_value:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class FlagParam(forms.Field):
    """``1`` is on; anything else is off."""

    def __init__(self, **kwargs: Any):
        super().__init__(required=False, **kwargs)
        self.default = False

    def to_python(self, value: Any) -> bool:
        return value == "1"


def query_params(data: Mapping[str, Any], **fields: forms.Field) -> dict[str, Any]:
    """Read ``fields`` from ``data`` (``request.GET``): each value cleaned, or its default if it
    is missing, empty or cannot be read."""
    form = forms.Form(data)
    form.fields = {name: copy.deepcopy(field) for name, field in fields.items()}
    form.is_valid()
    cleaned = form.cleaned_data
    result: dict[str, Any] = {}
    for name, field in form.fields.items():
        default = getattr(field, "default", None)
        value = cleaned.get(name) if name not in form.errors else None
        result[name] = default if value in (None, "") else value
    return result


def path_text(value: str, *, max_length: int) -> str:
    """A text part of the path (a station's code, a voucher number): 404 when it holds a control
    character or is longer than any stored one (a NUL would otherwise reach the database)."""
    if not value or len(value) > max_length or strip_control(value) != value:
        raise Http404
    return value
