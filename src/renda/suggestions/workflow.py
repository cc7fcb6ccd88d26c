"""代表建议办理流程: the suggestion's state machine, declared once on the core workflow kernel.

草稿 → 已提交 → 已立案 → 已交办 → 办理中 → 已答复 → 已办结 (or, after an unsatisfied rating, 办理中
again); a submitted suggestion may instead be returned for revision (退回修改), handled as an opinion
(转为意见) or merged (合并), or withdrawn by its deputy (撤回) back to a draft before it is
registered. The services move it (:mod:`renda.suggestions.services`); the acts a person may do on
the detail page are declared in :mod:`renda.suggestions.acts`.
"""

from __future__ import annotations

from renda.core.workflow import Workflow
from renda.suggestions.models import Event, State, Suggestion

# 状态流转表: the only moves a suggestion may make.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.SUBMITTED}),
    State.RETURNED: frozenset({State.SUBMITTED}),
    # 撤回: the deputy may take a submitted suggestion back as a draft until it is registered.
    State.SUBMITTED: frozenset(
        {State.DRAFT, State.RETURNED, State.CONVERTED, State.REGISTERED, State.MERGED}
    ),
    State.REGISTERED: frozenset({State.ASSIGNED, State.MERGED}),
    State.ASSIGNED: frozenset({State.IN_PROGRESS}),
    State.IN_PROGRESS: frozenset({State.REPLIED}),
    State.REPLIED: frozenset({State.CLOSED, State.IN_PROGRESS}),
    State.CONVERTED: frozenset(),
    State.MERGED: frozenset(),
    State.CLOSED: frozenset(),
}

# The fields each act's audit row compares before and after (only those that changed are kept).
AUDITED = (
    "state",
    "number",
    "reply_due",
    "rounds",
    "extension_months",
    "is_key",
    "published_at",
    "supervising_leader",
    "title",
    "content",
    "category_id",
    "session_id",
)

SUGGESTION: Workflow[Suggestion] = Workflow(
    name="suggestions.suggestion",
    model=Suggestion,
    event_model=Event,
    event_link="suggestion",
    transitions=TRANSITIONS,
    audit_prefix="suggestions.",
    audited=AUDITED,
    states=State,
)

# States in which the lead deputy may still change the text (修改) and deputies co-sign (附议).
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})
COSIGN_STATES = frozenset({State.DRAFT, State.RETURNED, State.SUBMITTED})
# States in which the units are in contact with the deputy, a key suggestion may be marked (重点督办),
# and the result may be published.
CONTACT_STATES = frozenset({State.ASSIGNED, State.IN_PROGRESS, State.REPLIED})
KEY_STATES = frozenset({State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS, State.REPLIED})
PUBLISHABLE_STATES = frozenset({State.REPLIED, State.CLOSED})
