"""The workbench's inbox panel: the latest unread notices, for every person who signs in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.core.permissions import can
from renda.core.workbench import Panel, Stat, register
from renda.notifications import selectors


@register
def inbox_panel(user) -> list[Panel]:  # type: ignore[no-untyped-def]
    if not can(user, "notifications.view_inbox"):
        return []
    unread = selectors.unread_count(actor=user)
    return [
        Panel(
            title=_("Notification centre"),
            order=5,
            stats=[Stat(_("Unread"), unread)],
            template="notifications/panels/workbench.html",
            empty_text=_("No unread notices."),
            extra={"notices": selectors.latest_unread(actor=user, limit=5), "unread": unread},
        )
    ]
