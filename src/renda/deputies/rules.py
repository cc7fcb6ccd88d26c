"""Permission predicates for deputies' records."""

from __future__ import annotations

import rules

from renda.accounts.rules import is_admin, is_deputy, is_staff_member
from renda.deputies.params import param


@rules.predicate
def is_own_deputy_record(user, deputy) -> bool:
    return deputy is not None and deputy.person.user_id == user.pk


@rules.predicate
def is_deputy_affairs_staff(user) -> bool:
    """Staff of the deputy affairs office (代表工委), by organisation code or name (see params)."""
    if not is_staff_member(user):
        return False
    org = user.organisation
    if org is None:
        return False
    if org.code in param("AFFAIRS_OFFICE_CODES"):
        return True
    names = f"{org.name} {org.short_name}"
    return any(word in names for word in param("AFFAIRS_OFFICE_WORDS"))


rules.add_perm("deputies.view_deputies", is_admin | is_staff_member)
rules.add_perm("deputies.view_deputy", is_admin | is_staff_member | (is_deputy & is_own_deputy_record))
# Deputies' mobile numbers in full only to the roles that contact deputies: the deputy affairs
# office and administrators; every other reader (budget staff, a deputy's own record) sees them masked.
rules.add_perm("deputies.view_deputy_phone", is_admin | is_deputy_affairs_staff)
# Accounts for deputies, created from the roster: the deputy affairs office and administrators.
rules.add_perm("deputies.manage_accounts", is_admin | is_deputy_affairs_staff)
