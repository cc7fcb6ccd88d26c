"""代表活动的流程: an activity's states on the core kernel (:mod:`renda.core.workflow`).

草稿 → 已发布 → 签到中 → 已结束; 草稿, 已发布 or 签到中 → 已取消. An activity may be closed straight
from 已发布 (the organiser took no attendance: its invitees who did not sign in are 未记录, not 缺席).
The acts are declared in :mod:`renda.deputies.acts`; the services in
:mod:`renda.deputies.services.activities`.
"""

from __future__ import annotations

from renda.core.workflow import Workflow
from renda.deputies.models.activities import Activity, ActivityEvent

State = Activity.State

#: The state of an activity being created: its first event is the move "" → 草稿.
NEW = ""

ACTIVITY: Workflow[Activity] = Workflow(
    name="deputies.activity",
    model=Activity,
    event_model=ActivityEvent,
    event_link="activity",
    audit_prefix="deputies.activity_",
    audited=("state", "title", "kind", "start_at", "end_at", "place", "attendee_count", "attendance_taken"),
    transitions={
        NEW: {State.DRAFT},
        State.DRAFT: {State.PUBLISHED, State.CANCELLED},
        State.PUBLISHED: {State.SIGNIN, State.CLOSED, State.CANCELLED},
        State.SIGNIN: {State.CLOSED, State.CANCELLED},
    },
)

#: States in which invitees can still be added and answers changed.
OPEN_STATES = frozenset({State.DRAFT, State.PUBLISHED, State.SIGNIN})
