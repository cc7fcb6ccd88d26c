"""Text that comes in from outside: control characters are taken out before anything stores it.

People paste titles and opinions from word processors, chat programs and PDFs; with the text come
invisible control characters (a vertical tab, a form feed, a NUL). PostgreSQL refuses a NUL in a
text column and an Excel sheet (XML) cannot hold most of the others, so one such character would
break a save or, months later, an export. Every form (``StyledFormMixin``) and every API schema
(``renda.core.schemas.CleanSchema``) passes its text through :func:`strip_control`, and the Excel
export cleans what it writes with :func:`excel_text` (for text stored before this rule).

Kept: tab, line feed and carriage return (a textarea's lines). Taken out: the other C0 controls
(U+0000-U+001F), DEL (U+007F), the C1 controls (U+0080-U+009F), lone surrogates (a JSON body can
carry ``"\\ud800"``, which no database encoding accepts) and the non-characters U+FFFE/U+FFFF.
"""

from __future__ import annotations

import re
from typing import Any

CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# What an XML 1.0 document (an .xlsx sheet) cannot hold: C0 controls but tab, LF and CR, lone
# surrogates and U+FFFE/U+FFFF. (openpyxl refuses the C0 ones with IllegalCharacterError.)
EXCEL_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def strip_control(value: str) -> str:
    """``value`` without control characters (tab, LF and CR are kept)."""
    return CONTROL_CHARS.sub("", value)


def strip_control_deep(value: Any) -> Any:
    """Strings, and strings inside lists, tuples and dicts, without control characters."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, list | tuple):
        return type(value)(strip_control_deep(v) for v in value)
    if isinstance(value, dict):
        return {strip_control_deep(k): strip_control_deep(v) for k, v in value.items()}
    return value


def excel_text(value: Any) -> Any:
    """A value an Excel sheet can hold: strings lose what XML cannot carry; others are kept."""
    if isinstance(value, str):
        return EXCEL_ILLEGAL.sub("", value)
    return value
