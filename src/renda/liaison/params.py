"""网上家站 parameters (``core.module_parameters``): how a citizen's 不满意 sends an opinion back.

A deployment overrides them in its settings: ``RENDA_LIAISON = {"DISSATISFIED_ROUNDS": 2}``.
"""

from __future__ import annotations

from typing import Any

from renda.core.module_parameters import ModuleParameters, Parameter

PARAMETERS = ModuleParameters(
    "RENDA_LIAISON",
    DISSATISFIED_ROUNDS=Parameter(
        1, "不满意: times an unsatisfied citizen sends the opinion back for another answer (0: never)"
    ),
    ROUND_WORKING_DAYS=Parameter(5, "不满意 → the new answer is due this many working days later"),
)


def param(name: str) -> Any:
    return PARAMETERS(name)
