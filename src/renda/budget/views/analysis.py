"""Pages of the budget module: analysis."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
