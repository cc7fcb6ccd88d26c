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
)


def param(name: str) -> Any:
    return PARAMETERS(name)
