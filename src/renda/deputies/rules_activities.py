"""Permission predicates of 代表活动 (activities): who organises, who is invited, whose feed.

The organiser of an activity is the staff of its organising office (``Activity.organisation``), the
deputy affairs office (代表工委, every activity) and administrators. A deputy sees the published
activities they are invited to and answers, signs in and reads the calendar of their own seats only.
"""

from __future__ import annotations

import rules

from renda.accounts.rules import is_admin, is_deputy, is_staff_member
from renda.deputies.models.activities import seats_of
from renda.deputies.rules import is_deputy_affairs_staff


@rules.predicate
def organises_activity(user, activity) -> bool:
    if activity is None or not is_staff_member(user):
        return False
    if is_deputy_affairs_staff(user):
        return True
    return activity.organisation_id is not None and activity.organisation_id == user.organisation_id


@rules.predicate
def activity_is_draft(user, activity) -> bool:
    return activity is not None and activity.state == "draft"


@rules.predicate
def invited_to_activity(user, activity) -> bool:
    if activity is None:
        return False
    return activity.invitations.filter(deputy__in=seats_of(user)).exists()


@rules.predicate
def own_invitation(user, invitation) -> bool:
    return invitation is not None and seats_of(user).filter(pk=invitation.deputy_id).exists()


@rules.predicate
def own_seat(user, deputy) -> bool:
    return deputy is not None and seats_of(user).filter(pk=deputy.pk).exists()


rules.add_perm("deputies.create_activity", is_admin | is_staff_member)
rules.add_perm("deputies.view_activities", is_admin | is_staff_member)
rules.add_perm("deputies.organise_activity", is_admin | organises_activity)
rules.add_perm(
    "deputies.view_activity",
    is_admin
    | organises_activity
    | (is_staff_member & ~activity_is_draft)
    | (is_deputy & ~activity_is_draft & invited_to_activity),
)
rules.add_perm("deputies.view_my_activities", is_deputy)
rules.add_perm("deputies.answer_invitation", is_deputy & own_invitation)
rules.add_perm("deputies.sign_in_activity", is_deputy & ~activity_is_draft & invited_to_activity)
rules.add_perm("deputies.manage_calendar_feed", is_deputy & own_seat)
# Reminders are sent by the periodic task (no actor) or by hand by an administrator.
rules.add_perm("deputies.send_activity_reminders", is_admin)
