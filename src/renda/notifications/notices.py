"""The notification centre's own kinds (notices of the platform itself)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.notifications.kinds import EMAIL, INBOX, Kind, declare

declare(
    Kind("system.notice", _("Notice from the platform"), (INBOX, EMAIL)),
    Kind("system.digest", _("Daily digest"), (EMAIL,)),
)
