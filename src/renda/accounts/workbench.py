"""Workbench panels of the accounts module: the administrator's overview."""

from __future__ import annotations

from django.urls import reverse
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
    users = reverse("accounts:user_list")
    audit_today = f"{reverse('core:audit_list')}?date_from={since:%Y-%m-%d}&date_to={since:%Y-%m-%d}"
    return [
        Panel(
            title=_("Users"),
            order=10,
            stats=[Stat(Role(role).label, n, f"{users}?role={role}&active=1") for role, n in counts.items()],
        ),
        Panel(
            title=_("Security and calendar"),
            order=20,
            stats=[
                Stat(_("Audit events today"), audit["total"], audit_today),
                Stat(_("Refused today"), audit["refused"], f"{audit_today}&outcome=refused"),
                Stat(
                    _("Calendar years entered"),
                    ", ".join(str(y) for y in years) or "—",
                    reverse("core:calendar"),
                ),
            ],
            todo=todo,
        ),
    ]
