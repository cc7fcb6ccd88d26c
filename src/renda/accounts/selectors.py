"""Reads on users, organisations and regions, scoped to what the actor may see."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts.models import ApiToken, Organisation, Region, Role, User
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


# --- administration (系统管理) ---------------------------------------------------------------


@dataclass(frozen=True)
class UserFilter:
    role: str = ""
    organisation_id: int | None = None
    active: bool | None = None
    q: str = ""


def users_for_admin(*, actor: User, filters: UserFilter | None = None) -> QuerySet[User]:
    """用户列表: every account, filtered (administrators only)."""
    require(actor, "accounts.manage_users")
    filters = filters or UserFilter()
    qs = User.objects.select_related("organisation")
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.q:
        qs = qs.filter(Q(username__icontains=filters.q) | Q(real_name__icontains=filters.q))
    return qs.order_by("username")


def user_for_admin(*, actor: User, pk: int) -> User:
    """One account, for the administrator's edit page."""
    require(actor, "accounts.manage_users")
    return get_object_or_404(User.objects.select_related("organisation"), pk=pk)


def failed_sign_in_attempts(usernames: Iterable[str]) -> QuerySet:
    """django-axes' failed sign-in records for ``usernames`` within the cool-off period (unscoped)."""
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username__in=list(usernames))
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def failed_attempt_count(username: str) -> int:
    """Failures counted for ``username`` within the cool-off period."""
    return failed_sign_in_attempts([username]).aggregate(n=Max("failures_since_start"))["n"] or 0


def account_is_locked(username: str) -> bool:
    """Whether django-axes currently refuses this user name (too many failures in the cool-off)."""
    return failed_attempt_count(username) >= settings.AXES_FAILURE_LIMIT


def locked_usernames(*, actor: User, usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` django-axes currently locks out (failures ≥ limit within the cool-off)."""
    require(actor, "accounts.manage_users")
    attempts = failed_sign_in_attempts(usernames).filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    return set(attempts.values_list("username", flat=True))


def user_has_second_factor(*, actor: User, user: User) -> bool:
    require(actor, "accounts.manage_users")
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def api_tokens_of(*, actor: User, user: User) -> QuerySet[ApiToken]:
    """接口令牌: a user's tokens, newest first (never their secrets: only the hash is stored)."""
    require(actor, "accounts.manage_api_tokens", user)
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_for_admin(*, actor: User, user: User, pk: int) -> ApiToken:
    require(actor, "accounts.manage_api_tokens", user)
    return get_object_or_404(ApiToken.objects.select_related("user"), pk=pk, user=user)


T = TypeVar("T", Organisation, Region)


def _tree_rows(items: Iterable[T]) -> list[tuple[T, int]]:
    """Depth-first order with the depth of each node; orphans (parent not listed) become roots."""
    items = list(items)
    ids = {item.pk for item in items}
    children: dict[int | None, list[T]] = defaultdict(list)
    for item in items:
        parent_id = item.parent_id if item.parent_id in ids else None
        children[parent_id].append(item)
    rows: list[tuple[T, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for node in children.get(parent_id, []):
            if node.pk in seen:
                continue
            seen.add(node.pk)
            rows.append((node, depth))
            walk(node.pk, depth + 1)

    walk(None, 0)
    return rows


def organisation_tree(*, actor: User) -> list[tuple[Organisation, int]]:
    """组织机构树: every organisation with its depth below its top unit (parents before children)."""
    return _tree_rows(organisations_visible_to(actor=actor).order_by("code"))


def organisation_for_admin(*, actor: User, pk: int) -> Organisation:
    require(actor, "accounts.manage_organisations")
    return get_object_or_404(Organisation.objects.select_related("parent", "region"), pk=pk)


def region_tree(*, actor: User) -> list[tuple[Region, int]]:
    """行政区划树: county → towns → villages, with the depth of each."""
    return _tree_rows(regions_tree(actor=actor))


def region_for_admin(*, actor: User, pk: int) -> Region:
    require(actor, "accounts.manage_regions")
    return get_object_or_404(Region.objects.select_related("parent"), pk=pk)
