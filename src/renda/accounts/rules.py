"""Permission predicates (django-rules) for users, organisations and the platform's own pages.

Each role is a predicate; each permission a rule over them. Services ask
``renda.core.permissions.require(actor, "<app>.<perm>", obj)``.
"""

from __future__ import annotations

import rules

from renda.accounts.models import Role


def _has_role(role: Role):
    @rules.predicate(name=f"is_{role}")
    def predicate(user) -> bool:
        return bool(user and user.is_authenticated and user.is_active and user.role == role)

    return predicate


is_admin = _has_role(Role.ADMIN)
is_staff_member = _has_role(Role.STAFF)
is_deputy = _has_role(Role.DEPUTY)
is_unit_handler = _has_role(Role.UNIT_HANDLER)
is_finance_feed = _has_role(Role.FINANCE_FEED)
is_citizen = _has_role(Role.CITIZEN)
is_signed_in_person = rules.is_authenticated & ~is_finance_feed


@rules.predicate
def is_self(user, target) -> bool:
    return target is not None and user.pk == getattr(target, "pk", None)


# Users and master data (用户、角色、主数据): administrators only.
rules.add_perm("accounts.manage_users", is_admin)
rules.add_perm("accounts.manage_organisations", is_admin)
rules.add_perm("accounts.manage_regions", is_admin)


@rules.predicate
def is_machine_client(user, target) -> bool:
    """API tokens are for machine clients (the finance feed); people sign in with a password."""
    return target is not None and getattr(target, "role", None) == Role.FINANCE_FEED


rules.add_perm("accounts.issue_api_token", is_admin & is_machine_client)
rules.add_perm("accounts.manage_api_tokens", is_admin)
# Everyone may change their own password and set up their own second factor.
rules.add_perm("accounts.change_own_password", is_signed_in_person)
rules.add_perm("accounts.enrol_second_factor", is_signed_in_person)
# Organisations and regions are readable by the people who work in the system.
rules.add_perm("accounts.view_organisations", is_admin | is_staff_member | is_deputy | is_unit_handler)
# The platform's own pages.
rules.add_perm("core.view_audit", is_admin)
rules.add_perm("core.edit_calendar", is_admin)
rules.add_perm("core.view_calendar", is_signed_in_person)
rules.add_perm("core.view_workbench", is_signed_in_person)
