"""The liaison module's API endpoints (mounted under /api/v1/liaison/ by renda.api.api)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["liaison"])
