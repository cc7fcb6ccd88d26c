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


# --- 履职档案 -----------------------------------------------------------------------------------------


def _entry_person_user_id(entry) -> int | None:
    return entry.seat.person.user_id if entry is not None else None


@rules.predicate
def has_serving_seat(user) -> bool:
    from renda.deputies.selectors.seats import seat_of

    return seat_of(user) is not None


@rules.predicate
def is_own_archive_entry(user, entry) -> bool:
    return entry is not None and _entry_person_user_id(entry) == user.pk


@rules.predicate
def is_self_reported(user, entry) -> bool:
    return entry is not None and not entry.is_automatic


def reviewed_group_ids(user) -> frozenset[int]:
    """The groups whose entries ``user`` reviews first (cached on the user object for the request)."""
    cached = getattr(user, "_deputies_reviewed_groups", None)
    if cached is None:
        from renda.deputies.models import GroupReviewer

        cached = frozenset(GroupReviewer.objects.filter(user_id=user.pk).values_list("group_id", flat=True))
        user._deputies_reviewed_groups = cached
    return cached


@rules.predicate
def is_group_reviewer(user, entry) -> bool:
    """初审人 of the entry's group (without an entry: of any group)."""
    if not is_staff_member(user) and not is_deputy(user):
        return False
    groups = reviewed_group_ids(user)
    if entry is None:
        return bool(groups)
    return entry.seat.group_id is not None and entry.seat.group_id in groups


archive_office = is_admin | is_deputy_affairs_staff
rules.add_perm("deputies.archive_add", is_deputy & has_serving_seat)
rules.add_perm("deputies.archive_edit", is_deputy & is_own_archive_entry & is_self_reported)
rules.add_perm("deputies.archive_view", is_own_archive_entry | is_group_reviewer | archive_office)
rules.add_perm("deputies.archive_view_staff", is_group_reviewer | archive_office)
# A deputy never reviews their own entry, whatever else they are.
rules.add_perm(
    "deputies.archive_first_review",
    (is_group_reviewer | archive_office) & is_self_reported & ~is_own_archive_entry,
)
rules.add_perm("deputies.archive_final_review", archive_office & is_self_reported & ~is_own_archive_entry)
rules.add_perm("deputies.archive_view_all", archive_office)
# 初审人: the office (and administrators) assign who reviews a group's entries first.
rules.add_perm("deputies.manage_reviewers", archive_office)
