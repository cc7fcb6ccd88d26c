"""The budget module's API endpoints (mounted under /api/v1/budget/ by renda.api.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["budget"])
