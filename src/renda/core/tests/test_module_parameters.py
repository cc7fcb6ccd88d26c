"""模块参数: declared once, read at call time, all documented."""

from __future__ import annotations

from pathlib import Path

from django.urls import get_resolver

from renda.core.module_parameters import REGISTRY, ModuleParameters, Parameter

DOCS = Path(__file__).resolve().parents[4] / "docs" / "parameters.md"


def test_a_parameter_is_read_when_used_so_a_setting_changes_it_at_once(settings):
    params = ModuleParameters("RENDA_TEST_MODULE", DAYS=Parameter(5, "days"))
    assert params("DAYS") == 5
    settings.RENDA_TEST_MODULE = {"DAYS": 9}
    assert params("DAYS") == 9
    REGISTRY.pop("RENDA_TEST_MODULE")


def test_every_module_parameter_is_in_the_settings_documentation():
    assert get_resolver().url_patterns  # every module's views, services and their parameters are loaded
    text = DOCS.read_text(encoding="utf-8")
    missing = [
        f"{setting}.{name}"
        for setting, params in REGISTRY.items()
        for name in params.parameters
        if f"`{setting}`" not in text or f"`{name}`" not in text
    ]
    assert len(REGISTRY) >= 2 and missing == []
