"""Workbench panels of the deputies module: the roster for staff, the own record for a deputy."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Role
from renda.core.permissions import can
from renda.core.workbench import Panel, Stat, register
from renda.deputies.selectors import deputy_counts


@register
def deputies_panels(user) -> list[Panel]:
    if can(user, "deputies.view_deputies") and user.role == Role.STAFF:
        counts = deputy_counts(actor=user)
        url = reverse("deputies:list")
        return [
            Panel(
                title=_("Deputies of the current term"),
                order=20,
                stats=[
                    Stat(_("County deputies"), counts["county"], f"{url}?level=county"),
                    Stat(_("Town deputies"), counts["town"], f"{url}?level=town"),
                    Stat(_("Delegations and groups"), counts["groups"]),
                ],
            )
        ]
    deputy = getattr(user, "deputy", None) if user.role == Role.DEPUTY else None
    if deputy is not None:
        stations = ", ".join(s.name for s in deputy.stations.all()) or "—"
        return [
            Panel(
                title=_("My deputy record"),
                order=10,
                template="deputies/panels/my_record.html",
                extra={"deputy": deputy, "stations": stations},
            )
        ]
    return []
