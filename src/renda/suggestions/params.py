"""办理参数: the workflow's rule parameters.

They are settings, so an administrator changes them in the deployment's configuration (the
environment-driven ``settings.py``) without a code change: ``RENDA_SUGGESTIONS = {...}``
overrides any of :data:`DEFAULTS`. Deadlines in months fall on the same day of the month
later, moved to the next working day when that day is not one; deadlines in working days count
on the working calendar (:mod:`renda.core.calendar`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "NUMBER_PATTERN": "{year}-{seq:03d}",
    "REPLY_MONTHS": 3,  # 答复期限: months after assignment
    "CO_OPINION_MONTHS": 1,  # 协办意见: months after assignment
    "ACCEPT_WORKING_DAYS": 10,  # 签收: working days after assignment
    "MAX_EXTENSION_MONTHS": 3,  # 延期: at most this many months in all
    "ROUND_MONTHS": 1,  # 不满意 → another round of this many months
    "DUE_SOON_DAYS": 15,  # 临期: due within this many days
    "TITLE_MAX": 120,
    "CONTENT_MIN": 10,
    "CONTENT_MAX": 10_000,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "ATTACHMENT_MAX_FILES": 5,
    "ATTACHMENT_EXTENSIONS": ("pdf", "doc", "docx", "xls", "xlsx", "wps", "jpg", "jpeg", "png", "txt"),
    # The deputy affairs office (代表工委): staff whose organisation has one of these codes, or
    # whose organisation's name contains one of these words, handle suggestions and see them all.
    "OFFICE_ORGANISATION_CODES": ("RD002",),
    "OFFICE_NAME_WORDS": ("代表工作委员会", "代表工委", "代表联络工作委员会", "代表联络工委"),
}


def param(name: str) -> Any:
    overrides = getattr(settings, "RENDA_SUGGESTIONS", {}) or {}
    return overrides.get(name, DEFAULTS[name])
