"""初审人: the office assigns and removes the first-step reviewers of a group's archive entries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from renda.accounts.models import User
from renda.core.audit import audit
from renda.core.audit_labels import label_actions
from renda.core.permissions import require, service
from renda.core.roles import Role
from renda.deputies.models import DeputyGroup, GroupReviewer

# Who may review a group's entries first: a staff member (a town clerk) or a deputy (a group leader).
REVIEWER_ROLES = (Role.STAFF, Role.DEPUTY)


@service
def group_reviewer_add(*, actor: User, group: DeputyGroup, user: User) -> GroupReviewer:
    """指定初审人: ``user`` reviews the self-reported entries of ``group`` first (代表小组/乡镇)."""
    require(actor, "deputies.manage_reviewers")
    if not user.is_active or user.role not in REVIEWER_ROLES:
        raise ValidationError(
            {"user": [_("Choose an active staff member or deputy as the reviewer.")]}, code="role"
        )
    if not group.term.is_current:
        raise ValidationError({"group": [_("Choose a group of a current term.")]}, code="term")
    reviewer, created = GroupReviewer.objects.get_or_create(group=group, user=user)
    if not created:
        raise ValidationError(
            {"user": [_("%(name)s already reviews %(group)s.") % {"name": user, "group": group}]},
            code="exists",
        )
    audit(actor, "deputies.group_reviewer_add", group, after={"reviewer": user.pk, "name": str(user)})
    return reviewer


@service
def group_reviewer_remove(*, actor: User, reviewer: GroupReviewer) -> None:
    """撤销初审人: the entries of the group wait for another reviewer or the office."""
    require(actor, "deputies.manage_reviewers")
    group, user = reviewer.group, reviewer.user
    reviewer.delete()
    audit(actor, "deputies.group_reviewer_remove", group, before={"reviewer": user.pk, "name": str(user)})


label_actions(
    {
        "deputies.group_reviewer_add": _lazy("Assign a first-step archive reviewer"),
        "deputies.group_reviewer_remove": _lazy("Remove a first-step archive reviewer"),
        "deputies.manage_reviewers": _lazy("Assign archive reviewers"),
    }
)
