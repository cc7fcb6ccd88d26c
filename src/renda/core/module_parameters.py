"""模块参数: each module declares its rule parameters once — typed defaults with a line of help.

A deployment overrides any of them in its settings (``RENDA_SUGGESTIONS = {"REPLY_MONTHS": 2}``);
they are read when used, never at import time, so a changed setting (or a test's override) takes
effect at once. Every declaration is listed in ``docs/operations.md`` (a test checks it)::

    PARAMETERS = ModuleParameters(
        "RENDA_SUGGESTIONS",
        REPLY_MONTHS=Parameter(3, "答复期限: months after assignment"),
    )
    PARAMETERS("REPLY_MONTHS")  # -> 3, or the deployment's value
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Parameter:
    default: Any
    help: str


class ModuleParameters:
    """The parameters of one module, overridable through the settings dict ``setting``."""

    def __init__(self, setting: str, **parameters: Parameter) -> None:
        self.setting = setting
        self.parameters = parameters
        REGISTRY[setting] = self

    def __call__(self, name: str) -> Any:
        if name not in self.parameters:
            raise KeyError(f"{self.setting} has no parameter {name!r}")
        overrides = getattr(settings, self.setting, None) or {}
        return overrides.get(name, self.parameters[name].default)

    @property
    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.parameters.items()}


# Every module's parameters, by their settings name.
REGISTRY: dict[str, ModuleParameters] = {}


def current_region_code() -> str:
    """The administrative code of the congress this installation serves (``RENDA_REGION_CODE``)."""
    return settings.RENDA_REGION_CODE
