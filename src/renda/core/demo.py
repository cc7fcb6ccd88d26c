"""演示数据的登记处: the registry the demo county's steps sign up in (the steps live in ``renda.demo``).

``core`` only keeps the order of the steps and what ``run_platform`` prints after its URL; the demo
county itself (the plan, the data of every module, the demo logins) is the top-floor app
``renda.demo``, which may import every module while nothing imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

StepFunc = Callable[[Any], None]
S = TypeVar("S", bound=StepFunc)  # a step keeps its own signature (keyword options of its tests)


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    func: StepFunc


DEMO_STEPS: list[DemoStep] = []


@overload
def register_demo_step(func: S, /) -> S: ...
@overload
def register_demo_step(*, name: str = "", order: int = 100) -> Callable[[S], S]: ...
def register_demo_step(func: StepFunc | None = None, /, *, name: str = "", order: int = 100) -> Any:
    """Add a step to the seed: ``@register_demo_step`` or ``@register_demo_step(order=200)``.

    Steps run by ``order`` (ties in registration order). Registering a name again replaces it.
    """

    def add(f: S) -> S:
        step = DemoStep(name or f"{f.__module__}.{f.__qualname__}", order, f)
        DEMO_STEPS[:] = [s for s in DEMO_STEPS if s.name != step.name]
        DEMO_STEPS.append(step)
        DEMO_STEPS.sort(key=lambda s: s.order)
        return f

    return add(func) if func is not None else add


# What ``run_platform`` prints after the URL (the demo app adds its logins); each returns text or "".
STARTUP_NOTES: list[Callable[[], str]] = []
