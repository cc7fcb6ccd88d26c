"""Permission predicates for deputies' records."""

from __future__ import annotations

import rules

from renda.accounts.rules import is_admin, is_deputy, is_staff_member


@rules.predicate
def is_own_deputy_record(user, deputy) -> bool:
    return deputy is not None and deputy.user_id == user.pk


rules.add_perm("deputies.view_deputies", is_admin | is_staff_member)
rules.add_perm("deputies.view_deputy", is_admin | is_staff_member | (is_deputy & is_own_deputy_record))
# Staff see deputies' phone numbers in clear; everyone else sees them masked.
rules.add_perm("deputies.view_deputy_phone", is_admin | is_staff_member)
