"""工作台: each role lands on its own workbench with real counts and honest empty states."""

from __future__ import annotations

import pytest

from renda.accounts.models import Role
from renda.core import workbench
from renda.core.workbench import PLANNED_MODULES

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.DEPUTY, Role.UNIT_HANDLER, Role.CITIZEN])
def test_every_role_has_a_workbench(client_for, make_user, role):
    response = client_for(make_user(role)).get("/")
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


def test_admin_workbench_counts_users_by_role(client_for, make_user, admin_user):
    make_user(Role.DEPUTY)
    make_user(Role.DEPUTY)
    panels = client_for(admin_user).get("/").context["panels"]
    users = next(p for p in panels if str(p.title) == "用户管理")
    counts = {str(stat.label): stat.value for stat in users.stats}
    assert counts["人大代表"] == 2 and counts["系统管理员"] == 1


def test_unit_workbench_shows_its_unit_and_an_empty_todo(client_for, unit_user):
    response = client_for(unit_user).get("/")
    body = response.content.decode()
    assert unit_user.organisation.name in body
    assert 'data-testid="empty-todo"' in body


def test_pending_modules_are_listed_not_counted(client_for, staff_user):
    pending = client_for(staff_user).get("/").context["modules_pending"]
    expected = [str(name) for app, name, roles in PLANNED_MODULES if app in ("renda.portal", "renda.ledger")]
    assert pending == expected


def test_a_module_in_service_leaves_the_pending_panel(client_for, staff_user, monkeypatch):
    """Decided from Django's app registry: modules installed here are never "not yet in service"."""
    assert not [
        m
        for m in PLANNED_MODULES
        if m[0] == "renda.suggestions"
        and str(m[1]) in client_for(staff_user).get("/").context["modules_pending"]
    ]
    monkeypatch.setattr(workbench.apps, "is_installed", lambda app: True)
    body = client_for(staff_user).get("/").content.decode()
    assert 'data-testid="pending-modules"' not in body and "尚未上线" not in body


def test_navigation_follows_permissions(client_for, admin_user, deputy_user):
    admin_nav = {item["url"] for item in client_for(admin_user).get("/").context["nav_items"]}
    deputy_nav = {item["url"] for item in client_for(deputy_user).get("/").context["nav_items"]}
    assert "/deputies/" in admin_nav
    assert "/deputies/" not in deputy_nav


def test_menu_folds_the_budget_pages_into_one_drop_down(deputy_user, unit_user):
    from renda.core.navigation import nav_for, nav_menu

    menu = nav_menu(deputy_user)
    groups = [entry for entry in menu if entry.get("children")]
    budget = [g for g in groups if any(c["url"].startswith("/budget/") for c in g["children"])]
    assert len(budget) == 1  # beside it, 代表履职 folds the deputy's own pages
    children = {child["url"] for g in groups for child in g["children"]}
    grouped = {item["url"] for item in nav_for(deputy_user) if item["group"]}
    assert children <= grouped and "/budget/analysis/" in {c["url"] for c in budget[0]["children"]}
    # nothing is lost or repeated by the folding
    flat = [e["url"] for e in menu if not e.get("children")] + sorted(children)
    assert sorted(flat) == sorted(item["url"] for item in nav_for(deputy_user))
    # a clerk sees no budget page, so no drop-down at all
    assert not any(entry.get("children") for entry in nav_menu(unit_user))
