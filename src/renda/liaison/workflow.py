"""网上家站's three workflows, declared once on the core kernel (:mod:`renda.core.workflow`).

- :data:`OPINION`: a citizen's opinion from submission to its close (受理, 转办, 答复, 评价, 办结);
- :data:`APPOINTMENT`: a booked reception, confirmed or declined, then received or not come;
- :data:`PUBLICATION`: the moderation of an answered opinion (its ``publication`` field): queued
  by the answer when the citizen agreed, then published or withheld by a person.

The services (:mod:`renda.liaison.services`) move through ``<WORKFLOW>.step``; the acts offered on
the work pages are declared in :mod:`renda.liaison.acts`. The audit actions are the prefix and the act
(``liaison.opinion_`` + ``accept``), as they were before the kernel.
"""

from __future__ import annotations

from typing import Any

from renda.core.people import person_label
from renda.core.workflow import Workflow
from renda.liaison.models import Appointment, AppointmentEvent, Opinion, OpinionEvent

State = Opinion.State
AState = Appointment.State
Publication = Opinion.Publication

#: The state of an object that is being created: its first event is the move "" -> the first state.
NEW = ""


def actor_label(actor: Any) -> str:
    """Who acted, as stored beside the event: the person's name and role, and "citizen" for the
    public acts (submitting, booking, rating) done without an account — the pages show that code
    as words (:attr:`renda.core.workflow.WorkflowEvent.actor_display`)."""
    if actor is not None and actor.is_authenticated:
        return person_label(actor)
    return "citizen"


#: The fields of an opinion whose change each act records in the audit log.
OPINION_AUDITED = (
    "state",
    "station",
    "deputy",
    "department",
    "is_complex",
    "deadline",
    "answer",
    "satisfaction",
    "round",
    "dissatisfied_reason",
    "reject_reason",
    "merged_into",
    "publication",
)

OPINION: Workflow[Opinion] = Workflow(
    name="liaison.opinion",
    model=Opinion,
    event_model=OpinionEvent,
    event_link="opinion",
    transitions={
        NEW: {State.PENDING},
        State.PENDING: {State.ACCEPTED, State.REJECTED, State.MERGED},
        State.ACCEPTED: {State.REFERRED, State.PROCESSING, State.REJECTED, State.MERGED},
        State.REFERRED: {State.PROCESSING},
        State.PROCESSING: {State.ANSWERED},
        # 不满意 sends it back to the handler for another round (RENDA_LIAISON.DISSATISFIED_ROUNDS).
        State.ANSWERED: {State.CLOSED, State.PROCESSING},
        State.CLOSED: set(),
        State.REJECTED: set(),
        State.MERGED: set(),
    },
    audit_prefix="liaison.opinion_",
    audited=OPINION_AUDITED,
    states=Opinion.State,
    actor_label=actor_label,
)

APPOINTMENT: Workflow[Appointment] = Workflow(
    name="liaison.appointment",
    model=Appointment,
    event_model=AppointmentEvent,
    event_link="appointment",
    transitions={
        NEW: {AState.PENDING},
        AState.PENDING: {AState.CONFIRMED, AState.REJECTED},
        AState.CONFIRMED: {AState.RECEIVED, AState.NO_SHOW, AState.REJECTED},
        AState.REJECTED: set(),
        AState.RECEIVED: set(),
        AState.NO_SHOW: set(),
    },
    audit_prefix="liaison.appointment_",
    audited=("state",),
    states=Appointment.State,
    actor_label=actor_label,
)

PUBLICATION: Workflow[Opinion] = Workflow(
    name="liaison.publication",
    model=Opinion,
    event_model=OpinionEvent,
    event_link="opinion",
    # NONE -> QUEUED is no act of this workflow: the answer queues an opinion the citizen let publish.
    transitions={
        Publication.NONE: set(),
        Publication.QUEUED: {Publication.PUBLISHED, Publication.WITHHELD},
        Publication.PUBLISHED: {Publication.WITHHELD},
        Publication.WITHHELD: {Publication.PUBLISHED},
    },
    audit_prefix="liaison.opinion_",
    audited=OPINION_AUDITED,
    state_field="publication",
    states=Opinion.Publication,
    actor_label=actor_label,
)
