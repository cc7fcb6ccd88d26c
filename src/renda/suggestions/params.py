"""办理参数: the workflow's rule parameters.

They are settings, so an administrator changes them in the deployment's configuration (the
environment-driven ``settings.py``) without a code change: ``RENDA_SUGGESTIONS = {...}``
overrides any of :data:`DEFAULTS`. Deadlines in months fall on the same day of the month
later, moved to the next working day when that day is not one; deadlines in working days count
on the working calendar (:mod:`renda.core.calendar`).
"""

from __future__ import annotations

from typing import Any

from renda.core.module_parameters import ModuleParameters, Parameter

PARAMETERS = ModuleParameters(
    "RENDA_SUGGESTIONS",
    NUMBER_PATTERN=Parameter(
        "{year}-{seq:03d}", "编号: the number of a registered suggestion without a session (per year)"
    ),
    SESSION_NUMBER_PATTERN=Parameter(
        "{term}届{session}次{kind}-{seq:03d}",
        "编号: the number of a registered suggestion of a session (per session period); "
        "{term}, {session}, {kind} (大会/闭会), {year}, {seq}",
    ),
    REPLY_MONTHS=Parameter(3, "答复期限: months after assignment"),
    CO_OPINION_MONTHS=Parameter(1, "协办意见: months after assignment"),
    ACCEPT_WORKING_DAYS=Parameter(10, "签收: working days after assignment"),
    MAX_EXTENSION_MONTHS=Parameter(3, "延期: at most this many months in all"),
    ROUND_MONTHS=Parameter(1, "不满意 → another round of this many months"),
    DUE_SOON_DAYS=Parameter(15, "临期: due within this many days"),
    TITLE_MAX=Parameter(120, "the longest title, in characters"),
    CONTENT_MIN=Parameter(10, "the shortest text, in characters"),
    CONTENT_MAX=Parameter(10_000, "the longest text, in characters"),
    ATTACHMENT_MAX_BYTES=Parameter(10 * 1024 * 1024, "the largest attachment, in bytes"),
    ATTACHMENT_MAX_FILES=Parameter(5, "attachments per suggestion"),
    ATTACHMENT_EXTENSIONS=Parameter(
        ("pdf", "doc", "docx", "xls", "xlsx", "wps", "jpg", "jpeg", "png", "txt"), "attachment file types"
    ),
    # The deputy affairs office (代表工委): staff whose organisation has one of these codes, or
    # whose organisation's name contains one of these words, handle suggestions and see them all.
    OFFICE_ORGANISATION_CODES=Parameter(("RD002",), "代表工委: organisation codes of the office"),
    OFFICE_NAME_WORDS=Parameter(
        ("代表工作委员会", "代表工委", "代表联络工作委员会", "代表联络工委"),
        "代表工委: words in the office's name",
    ),
    OFFICE_SIGNATURE=Parameter(
        "县人大常委会代表工作委员会",
        "the office's signature on its documents when no organisation has the office's code",
    ),
)
DEFAULTS: dict[str, Any] = PARAMETERS.defaults


def param(name: str) -> Any:
    return PARAMETERS(name)
