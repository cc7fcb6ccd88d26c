"""Reads on users, organisations and regions, scoped to what the actor may see."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from renda.accounts.models import Organisation, Region, Role, User
from renda.core.permissions import require


def users_by_role(*, actor: User) -> dict[str, int]:
    """How many active users hold each role (admins only)."""
    require(actor, "accounts.manage_users")
    counts = dict(
        User.objects.filter(is_active=True).values("role").annotate(n=Count("id")).values_list("role", "n")
    )
    return {role: counts.get(role, 0) for role in Role.values}


def organisations_visible_to(*, actor: User) -> QuerySet[Organisation]:
    require(actor, "accounts.view_organisations")
    return Organisation.objects.select_related("parent", "region").order_by("kind", "code")


def regions_tree(*, actor: User) -> QuerySet[Region]:
    require(actor, "accounts.manage_regions")
    return Region.objects.select_related("parent").order_by("code")
