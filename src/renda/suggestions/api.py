"""The suggestions module's API endpoints (mounted under /api/v1/suggestions/ by renda.api.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["suggestions"])
