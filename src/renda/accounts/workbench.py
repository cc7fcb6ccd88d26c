"""Workbench panels of the accounts module: the administrator's overview."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.accounts.models import Role
from renda.accounts.selectors import users_by_role
from renda.core.permissions import can
from renda.core.selectors import audit_counts_since, calendar_years_covered
from renda.core.workbench import Panel, Stat, register


@register
def admin_panels(user) -> list[Panel]:
    if not can(user, "accounts.manage_users"):
        return []
    counts = users_by_role(actor=user)
    since = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    audit = audit_counts_since(actor=user, since=since)
    years = calendar_years_covered()
    next_year = timezone.localdate().year + 1
    todo = []
    if timezone.localdate().month >= 11 and next_year not in years:
        todo.append({"label": _("Enter the holiday arrangements for %(year)s") % {"year": next_year}})
    return [
        Panel(
            title=_("Users"),
            order=10,
            stats=[Stat(Role(role).label, n) for role, n in counts.items()],
        ),
        Panel(
            title=_("Security and calendar"),
            order=20,
            stats=[
                Stat(_("Audit events today"), audit["total"]),
                Stat(_("Refused today"), audit["refused"]),
                Stat(_("Calendar years entered"), ", ".join(str(y) for y in years) or "—"),
            ],
            todo=todo,
        ),
    ]


@register
def unit_handler_panels(user) -> list[Panel]:
    if user.role != Role.UNIT_HANDLER or user.organisation is None:
        return []
    return [
        Panel(
            title=_("My unit"),
            order=10,
            stats=[Stat(_("Unit"), user.organisation.short_name or user.organisation.name)],
            todo=[],
            empty_text=_("Nothing is assigned to your unit at the moment."),
        )
    ]
