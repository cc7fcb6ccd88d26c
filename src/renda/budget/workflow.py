"""预警处置流程: the warning finding's state machine, declared once on the core workflow kernel.

新发现 → 核实中 → (已函询 → (复函待审核 →)) 已说明 / 已整改 → 已销号, or 误报; an administrator may reopen
a finished finding. 复函待审核 is a reply the unit's clerk sent online: the budget staff accept it or
return it to the unit (back to 已函询); a reply on paper is recorded by the staff directly.
The acts that move it are declared in :mod:`renda.budget.acts`.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from renda.budget.models import Finding, FindingStep
from renda.core.workflow import Workflow

State = Finding.State


def _this_region(rows: QuerySet) -> QuerySet:
    return rows.filter(region_code=settings.RENDA_REGION_CODE)


FINDING: Workflow[Finding] = Workflow(
    name="budget.finding",
    model=Finding,
    event_model=FindingStep,
    event_link="finding",
    audit_prefix="budget.finding_",
    audited=("state", "assignee_id"),
    states=State,
    transitions={
        State.NEW: {State.VERIFYING, State.FALSE_POSITIVE},
        State.VERIFYING: {State.INQUIRED, State.EXPLAINED, State.RECTIFIED, State.FALSE_POSITIVE},
        State.INQUIRED: {State.REPLIED, State.EXPLAINED, State.RECTIFIED, State.FALSE_POSITIVE},
        # The unit answered online: the budget staff accept it (→ 已说明 / 已整改), return it to the
        # unit with a reason (→ 已函询), or find the warning was a false positive after all.
        State.REPLIED: {State.EXPLAINED, State.RECTIFIED, State.INQUIRED, State.FALSE_POSITIVE},
        State.EXPLAINED: {State.CLOSED, State.VERIFYING},
        State.RECTIFIED: {State.CLOSED, State.VERIFYING},
        State.CLOSED: {State.VERIFYING},
        State.FALSE_POSITIVE: {State.VERIFYING},
    },
    guarded_moves={
        (State.CLOSED, State.VERIFYING): "budget.reopen_finished_finding",
        (State.FALSE_POSITIVE, State.VERIFYING): "budget.reopen_finished_finding",
    },
    scope=_this_region,
)
# States in which a finding is finished (nothing more to do but, for an administrator, reopen).
FINAL_STATES = frozenset({State.CLOSED, State.FALSE_POSITIVE})
# The outcomes of a reply (复函): the unit explained it, or it has put it right.
REPLY_OUTCOMES = (State.EXPLAINED, State.RECTIFIED)
