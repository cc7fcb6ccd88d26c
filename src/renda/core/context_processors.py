from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from renda.core.navigation import nav_for, nav_menu


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    verified = (
        user is not None
        and user.is_authenticated
        and (not getattr(user, "needs_second_factor", False) or user.is_verified())
    )
    return {
        "nav_items": nav_for(user) if verified else [],
        "nav_menu": nav_menu(user) if verified else [],
        "renda_name": settings.RENDA_NAME,
    }
