"""Permissions of the budget module (预算联网监督).

Who is "budget staff": committee staff (role ``staff``) whose organisation is the budget working
committee (预算工作委员会) — its organisation code is listed in
``settings.RENDA_BUDGET_COMMITTEE_CODES`` (default ``("RD003",)``, the demo county's 预算工委) —
or one of its sub-offices. Administrators hold every budget permission. Deputies read (without
payee accounts); unit handlers and citizens see none of it; the finance feed only pushes data.
"""

from __future__ import annotations

import rules
from django.conf import settings

from renda.accounts.rules import is_admin, is_deputy, is_finance_feed, is_staff_member

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

rules.add_perm("budget.view_budget", is_admin | is_budget_staff | is_deputy)
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
# Reopening a finding that is 已销号 or 误报: administrators only.
rules.add_perm("budget.reopen_finished_finding", is_admin)
rules.add_perm("budget.view_analysis", is_admin | is_budget_staff | is_deputy)
rules.add_perm("budget.generate_report", is_admin | is_budget_staff)
rules.add_perm("budget.view_reports", is_admin | is_budget_staff | is_deputy)
rules.add_perm("budget.view_summary", is_admin | is_budget_staff | is_deputy)
