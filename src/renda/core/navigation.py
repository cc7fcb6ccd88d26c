"""导航: the menu each role sees. An entry shows only to actors holding its permission."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from renda.core.permissions import can


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: str
    icon: str = "circle"
    group: str | Promise = ""  # entries of one group share a drop-down menu


BUDGET = _("Budget supervision")
DEPUTIES = _("Deputies' service")
ORGANISATIONS = _("Organisations")  # with the regions under it


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Workbench"), "core:workbench", "core.view_workbench", "speedometer2"),
    NavItem(_("Deputies"), "deputies:list", "deputies.view_deputies", "people", DEPUTIES),
    NavItem(
        _("Deputy activities"),
        "deputies:activity_list",
        "deputies.view_activities",
        "calendar-event",
        DEPUTIES,
    ),
    NavItem(
        _("My activities"),
        "deputies:my_activities",
        "deputies.view_my_activities",
        "calendar-check",
        DEPUTIES,
    ),
    NavItem(
        _("My performance archive"), "deputies:archive", "deputies.archive_add", "journal-bookmark", DEPUTIES
    ),
    NavItem(
        _("Archive review"),
        "deputies:archive_review",
        "deputies.archive_view_staff",
        "clipboard-check",
        DEPUTIES,
    ),
    NavItem(_("Suggestions"), "suggestions:list", "suggestions.view_list", "journal-text"),
    NavItem(_("Citizens' opinions"), "liaison:work", "liaison.view_work", "chat-square-text"),
    NavItem(_("Users"), "accounts:user_list", "accounts.manage_users", "person-gear"),
    NavItem(
        _("Organisations"),
        "accounts:organisation_list",
        "accounts.view_organisations",
        "diagram-3",
        ORGANISATIONS,
    ),
    NavItem(_("Regions"), "accounts:region_list", "accounts.manage_regions", "geo-alt", ORGANISATIONS),
    NavItem(_("Working calendar"), "core:calendar", "core.view_calendar", "calendar3"),
    NavItem(_("Budget query"), "budget:query", "budget.view_budget", "cash-coin", BUDGET),
    NavItem(_("Budget analysis"), "budget:analysis", "budget.view_analysis", "bar-chart-line", BUDGET),
    NavItem(_("Budget data import"), "budget:imports", "budget.import_data", "cloud-upload", BUDGET),
    NavItem(_("Budget reports"), "budget:reports", "budget.view_reports", "file-earmark-bar-graph", BUDGET),
    NavItem(_("Budget summary"), "budget:summary", "budget.view_summary", "clipboard-data", BUDGET),
    NavItem(_("Warning findings"), "budget:findings", "budget.view_findings", "exclamation-triangle", BUDGET),
    NavItem(_("Inquiry letters"), "budget:inquiries", "budget.view_inquiries", "envelope-paper", BUDGET),
    NavItem(_("Warning rules"), "budget:warning_rules", "budget.view_warning_rules", "sliders", BUDGET),
    NavItem(_("Audit log"), "core:audit_list", "core.view_audit", "shield-check"),
]


def nav_for(user) -> list[dict[str, str]]:
    items = []
    for item in NAV_ITEMS:
        if not can(user, item.perm):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # the page belongs to a module not installed in this deployment
            continue
        items.append({"label": str(item.label), "url": url, "icon": item.icon, "group": str(item.group)})
    return items


def nav_menu(user) -> list[dict]:
    """The menu bar: ``nav_for`` with each group of two or more entries folded into one drop-down
    (``{"label", "icon", "children": [...]}``), in the order of its first entry."""
    menu: list[dict] = []
    groups: dict[str, dict] = {}
    items = nav_for(user)
    sizes = {g: sum(1 for i in items if i["group"] == g) for g in {i["group"] for i in items}}
    for item in items:
        group = item["group"]
        if not group or sizes[group] < 2:
            menu.append(item)
        elif group in groups:
            groups[group]["children"].append(item)
        else:
            groups[group] = {"label": group, "icon": item["icon"], "children": [item]}
            menu.append(groups[group])
    return menu
