"""The bell: the unread count shown in the navigation of every page."""

from __future__ import annotations

from django.http import HttpRequest

from renda.notifications.selectors import unread_count


def bell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if getattr(user, "needs_second_factor", False) and not user.is_verified():
        return {}
    return {"notice_bell": {"unread": unread_count(actor=user)}}
