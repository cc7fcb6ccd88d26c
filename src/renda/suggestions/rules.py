"""Permission predicates of the suggestions module.

Who is who: a deputy acts on the suggestions they lead or were invited to co-sign; a unit clerk
(承办单位经办人) on what is assigned to their organisation; the deputy affairs office (代表工委)
— staff whose organisation is recognised by :func:`is_office_staff` — on every suggestion.
"""

from __future__ import annotations

import rules

from renda.accounts.rules import is_deputy, is_staff_member, is_unit_handler
from renda.deputies.selectors import seat_ids_of, seat_of
from renda.suggestions.params import param


@rules.predicate
def is_office_staff(user) -> bool:
    """Staff of the deputy affairs office: by organisation code or name (see params)."""
    if not is_staff_member(user):
        return False
    org = user.organisation
    if org is None:
        return False
    if org.code in param("OFFICE_ORGANISATION_CODES"):
        return True
    names = f"{org.name} {org.short_name}"
    return any(word in names for word in param("OFFICE_NAME_WORDS"))


@rules.predicate
def has_deputy_record(user) -> bool:
    return seat_of(user) is not None


@rules.predicate
def is_lead_deputy(user, suggestion) -> bool:
    return suggestion is not None and suggestion.deputy_id in seat_ids_of(user)


@rules.predicate
def is_cosigner(user, suggestion) -> bool:
    seat_ids = seat_ids_of(user)
    return (
        suggestion is not None
        and bool(seat_ids)
        and suggestion.cosigns.filter(deputy_id__in=seat_ids).exists()
    )


@rules.predicate
def is_assigned_unit(user, suggestion) -> bool:
    return (
        suggestion is not None
        and user.organisation_id is not None
        and suggestion.assignments.filter(unit_id=user.organisation_id, ended_at__isnull=True).exists()
    )


@rules.predicate
def is_lead_unit(user, suggestion) -> bool:
    return (
        suggestion is not None
        and user.organisation_id is not None
        and suggestion.assignments.filter(
            unit_id=user.organisation_id, ended_at__isnull=True, role="lead"
        ).exists()
    )


@rules.predicate
def is_own_assignment(user, assignment) -> bool:
    return (
        assignment is not None
        and user.organisation_id is not None
        and assignment.unit_id == user.organisation_id
    )


@rules.predicate
def is_past_draft(user, suggestion) -> bool:
    """Submitted at least once: a draft is its deputy's own (and invited co-signers') until then."""
    return suggestion is not None and suggestion.state != "draft"


unit_clerk_of = is_unit_handler & is_assigned_unit

rules.add_perm("suggestions.view_list", is_office_staff | is_deputy | is_unit_handler)
# A draft is the deputy's own: the office sees a suggestion once it is submitted (co-signers when invited).
rules.add_perm(
    "suggestions.view_suggestion",
    (is_office_staff & is_past_draft)
    | (is_deputy & (is_lead_deputy | is_cosigner))
    | (is_unit_handler & is_assigned_unit),
)
rules.add_perm("suggestions.view_all", is_office_staff)
rules.add_perm("suggestions.create", is_deputy & has_deputy_record)
rules.add_perm("suggestions.edit", is_deputy & is_lead_deputy)
rules.add_perm("suggestions.submit", is_deputy & is_lead_deputy)
# 撤回 (submitted, before registration) and deleting a draft: the lead deputy's own.
rules.add_perm("suggestions.withdraw", is_deputy & is_lead_deputy)
rules.add_perm("suggestions.delete", is_deputy & is_lead_deputy)
rules.add_perm("suggestions.cosign", is_deputy & is_cosigner)
rules.add_perm("suggestions.rate", is_deputy & is_lead_deputy)
# The office's review and supervision.
for _perm in (
    "review",  # 退回修改 / 转为意见 / 立案 / 合并
    "assign",  # 交办 and 调整承办单位
    "supervise",  # 重点督办, 催办
    "decide_extension",
    "waive_opinion",  # 不待协办意见: the lead unit replies without an overdue co-unit's opinion
    "publish",
    "manage_categories",
    "manage_sessions",  # 会议: the term's session periods
    "view_statistics",
):
    rules.add_perm(f"suggestions.{_perm}", is_office_staff)
# The handling units.
rules.add_perm("suggestions.accept", is_unit_handler & is_own_assignment)
rules.add_perm("suggestions.request_release", is_unit_handler & is_own_assignment)
rules.add_perm("suggestions.send_opinion", is_unit_handler & is_own_assignment)
# On the suggestion: a clerk of a unit it is assigned to, offered the acts on its own assignment
# (accept, ask to be replaced, co-handling opinion); the services check the assignment itself.
rules.add_perm("suggestions.handle_assignment", unit_clerk_of)
rules.add_perm("suggestions.record_contact", unit_clerk_of)
rules.add_perm("suggestions.request_extension", is_unit_handler & is_lead_unit)
rules.add_perm("suggestions.reply", is_unit_handler & is_lead_unit)
rules.add_perm("suggestions.fulfil_commitment", (is_unit_handler & is_lead_unit) | is_office_staff)
# Documents: the assignment sheet and reply letters, for everyone who may see the suggestion.
rules.add_perm(
    "suggestions.view_documents",
    (is_office_staff & is_past_draft)
    | (is_unit_handler & is_assigned_unit)
    | (is_deputy & (is_lead_deputy | is_cosigner)),
)
