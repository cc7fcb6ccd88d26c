"""Permissions of the budget module (预算联网监督).

Who is "budget staff": committee staff (role ``staff``) whose organisation is the budget working
committee (预算工作委员会) — its organisation code is listed in
``settings.RENDA_BUDGET_COMMITTEE_CODES`` (default ``("RD003",)``, the demo county's 预算工委) —
or one of its sub-offices. Administrators hold every budget permission. Deputies read (without
payee accounts); a unit clerk (承办单位经办人) sees only the inquiry letters (函询) addressed to
their own organisation, and answers them online; citizens see none of it; the finance feed only
pushes data.
"""

from __future__ import annotations

import rules
from django.conf import settings

from renda.accounts.rules import is_admin, is_deputy, is_finance_feed, is_staff_member, is_unit_handler

DEFAULT_BUDGET_COMMITTEE_CODES = ("RD003",)


def budget_committee_codes() -> tuple[str, ...]:
    return tuple(getattr(settings, "RENDA_BUDGET_COMMITTEE_CODES", DEFAULT_BUDGET_COMMITTEE_CODES))


@rules.predicate
def in_budget_committee(user) -> bool:
    organisation = getattr(user, "organisation", None)
    codes = budget_committee_codes()
    while organisation is not None:
        if organisation.code in codes:
            return True
        organisation = organisation.parent if organisation.parent_id else None
    return False


is_budget_staff = is_staff_member & in_budget_committee


def _inquiry_organisation_id(target) -> int | None:
    """The organisation a 函询 is addressed to online: of an inquiry, or of a finding's open letter."""
    from renda.budget.models import Finding, Inquiry

    if isinstance(target, Inquiry):
        return target.organisation_id
    if isinstance(target, Finding):
        latest = (
            target.inquiries.order_by("-sent_at", "-id").values_list("organisation_id", flat=True).first()
        )
        return latest
    return None


@rules.predicate
def is_addressed_to_own_unit(user, target) -> bool:
    """The inquiry (or the finding's latest letter) is addressed to the person's own organisation."""
    own = getattr(user, "organisation_id", None)
    return own is not None and target is not None and _inquiry_organisation_id(target) == own


# The unit clerk (承办单位经办人) of the audited unit: answers the letters addressed to it online.
is_inquiry_clerk = is_unit_handler & is_addressed_to_own_unit

rules.add_perm("budget.view_budget", is_admin | is_budget_staff | is_deputy)
# 金额单位: whoever reads the budget pages chooses the unit they read amounts in.
rules.add_perm("budget.choose_amount_unit", is_admin | is_budget_staff | is_deputy)
rules.add_perm("budget.view_payee_account", is_admin | is_budget_staff)
rules.add_perm("budget.import_data", is_admin | is_budget_staff)
rules.add_perm("budget.view_imports", is_admin | is_budget_staff)
rules.add_perm("budget.feed_data", is_finance_feed)

# 预警 / 分析 / 服务 (warnings, findings, analysis, reports)
rules.add_perm("budget.run_warnings", is_admin | is_budget_staff)
rules.add_perm("budget.edit_warning_rules", is_admin)
rules.add_perm("budget.view_warning_rules", is_admin | is_budget_staff)
rules.add_perm("budget.view_findings", is_admin | is_budget_staff)
rules.add_perm("budget.act_on_finding", is_admin | is_budget_staff)
# 函询在线答复: a unit clerk sees the letters addressed to their organisation and answers them.
rules.add_perm("budget.view_own_inquiries", is_unit_handler)
rules.add_perm("budget.view_inquiries", is_admin | is_budget_staff | is_unit_handler)
rules.add_perm("budget.reply_to_inquiry", is_inquiry_clerk)
rules.add_perm("budget.view_inquiry", is_admin | is_budget_staff | is_inquiry_clerk)
# Reopening a finding that is 已销号 or 误报: administrators only.
rules.add_perm("budget.reopen_finished_finding", is_admin)
rules.add_perm("budget.view_analysis", is_admin | is_budget_staff | is_deputy)
rules.add_perm("budget.generate_report", is_admin | is_budget_staff)
rules.add_perm("budget.view_reports", is_admin | is_budget_staff | is_deputy)
rules.add_perm("budget.view_summary", is_admin | is_budget_staff | is_deputy)
