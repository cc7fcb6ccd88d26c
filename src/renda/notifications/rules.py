"""Permission predicates of the notification centre: a person reads and marks only their own."""

from __future__ import annotations

import rules

from renda.accounts.rules import is_admin, is_signed_in_person


@rules.predicate
def is_recipient(user, notice) -> bool:
    return notice is not None and getattr(notice, "recipient_id", None) == user.pk


rules.add_perm("notifications.view_inbox", is_signed_in_person)
rules.add_perm("notifications.mark_read", is_signed_in_person & is_recipient)
rules.add_perm("notifications.set_preferences", is_signed_in_person)
rules.add_perm("notifications.manage_defaults", is_admin)
rules.add_perm("notifications.view_deliveries", is_admin)
rules.add_perm("notifications.retry_failures", is_admin)
