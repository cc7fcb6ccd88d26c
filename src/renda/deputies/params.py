"""代表模块参数: who the deputy affairs office (代表工委) is, for the roster's contact details.

A deployment overrides them in its settings: ``RENDA_DEPUTIES = {"AFFAIRS_OFFICE_CODES": ("RD002",)}``.
"""

from __future__ import annotations

from typing import Any

from renda.core.module_parameters import ModuleParameters, Parameter

PARAMETERS = ModuleParameters(
    "RENDA_DEPUTIES",
    # Staff of these organisations contact deputies and see their mobile numbers in full.
    AFFAIRS_OFFICE_CODES=Parameter(("RD002",), "代表工委: organisation codes of the office"),
    AFFAIRS_OFFICE_WORDS=Parameter(
        ("代表工作委员会", "代表工委", "代表联络工作委员会", "代表联络工委"),
        "代表工委: words in the office's name",
    ),
    # 履职档案: the levels whose self-reported entries pass a group (or town) review before the office's.
    ARCHIVE_TWO_STEP_LEVELS=Parameter(("county", "town"), "履职档案: levels reviewed in two steps"),
    ARCHIVE_EVIDENCE_EXTENSIONS=Parameter(("jpg", "jpeg", "png", "pdf"), "履职档案: evidence file types"),
    ARCHIVE_EVIDENCE_MAX_BYTES=Parameter(10 * 1024 * 1024, "履职档案: the largest evidence file"),
    ARCHIVE_EVIDENCE_MAX_FILES=Parameter(6, "履职档案: evidence files per entry"),
)


def param(name: str) -> Any:
    return PARAMETERS(name)


ACTIVITY_PARAMETERS = ModuleParameters(
    "RENDA_ACTIVITIES",
    SIGNIN_OPENS_MINUTES_BEFORE=Parameter(
        60, "代表活动签到: the sign-in opens this many minutes before the start"
    ),
    SIGNIN_CLOSES_MINUTES_AFTER=Parameter(
        30, "代表活动签到: the sign-in closes this many minutes after the start"
    ),
    SIGNIN_TOKEN_SECONDS=Parameter(
        60, "签到二维码: seconds a QR token stays valid (the screen shows a new one every 15 s)"
    ),
    REMINDER_OFFSETS_MINUTES=Parameter(
        (3 * 24 * 60, 120),
        "活动提醒: minutes before the start at which invitees are reminded (3 days, 2 hours)",
    ),
    MATERIAL_MAX_MB=Parameter(20, "活动材料与照片: largest file, in MB"),
)


def activity_param(name: str) -> Any:
    return ACTIVITY_PARAMETERS(name)
