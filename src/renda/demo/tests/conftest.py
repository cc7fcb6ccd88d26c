"""Fixtures of the demo's tests: the seed restricted to the core county (regions, organisations,
deputies, stations, logins), for tests that are about the seed's own rules, not the modules' data."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command

from renda.core import demo as registry
from renda.demo import county as demo


def core_steps_only(monkeypatch) -> None:
    """Keep only the core county's steps (named ``core.…``) in the seed, for this test."""
    demo.discover_demo_steps()  # the modules' steps register into the real list, not the copy
    core = [step for step in registry.DEMO_STEPS if step.name.startswith("core.")]
    monkeypatch.setattr(registry, "DEMO_STEPS", core)


@pytest.fixture
def seed_core(monkeypatch) -> Callable[[], str]:
    """``seed_core()``: run ``demo_seed`` with the core county's steps only; its output."""
    core_steps_only(monkeypatch)

    def run() -> str:
        out = StringIO()
        call_command("demo_seed", stdout=out, stderr=StringIO())
        return out.getvalue()

    return run
