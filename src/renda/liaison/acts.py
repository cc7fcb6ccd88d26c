"""The acts of the work pages (办理操作), declared once on the three workflows.

Imported by :meth:`renda.liaison.apps.LiaisonConfig.ready`: the detail pages offer these through
:mod:`renda.core.views.acts`, and the audit log takes its labels from them. The public acts (a citizen
submits, books, rates) are no acts of a work page; their audit labels are in the AppConfig.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from renda.core.workflow import Act, EmptyForm
from renda.liaison import selectors, services
from renda.liaison.forms import (
    AcceptForm,
    AnswerForm,
    ConfirmForm,
    MergeForm,
    NoteForm,
    PublishForm,
    ReasonForm,
    ReceiveForm,
    ReferForm,
)
from renda.liaison.models import Appointment, Opinion
from renda.liaison.workflow import APPOINTMENT, OPINION, PUBLICATION

State = Opinion.State
AState = Appointment.State
DANGER = "outline-danger"

OPINION.declare(
    Act(
        "accept",
        _("Accept"),
        heading=_("Accept the opinion"),
        to=State.ACCEPTED,
        permission="liaison.accept_opinion",
        form=AcceptForm,
        run=lambda actor, opinion, form: services.opinion_accept(
            actor=actor, opinion=opinion, **form.cleaned_data
        ),
        done=_("The opinion has been accepted."),
        audit_label=_("Accept an opinion"),
    ),
    Act(
        "reject",
        _("Do not accept"),
        heading=_("Decline to accept the opinion"),
        to=State.REJECTED,
        permission="liaison.reject_opinion",
        form=ReasonForm,
        run=lambda actor, opinion, form: services.opinion_reject(
            actor=actor, opinion=opinion, reason=form.cleaned_data["reason"]
        ),
        done=_("The opinion has not been accepted."),
        style=DANGER,
        audit_label=_("Decline an opinion"),
    ),
    Act(
        "refer",
        _("Refer to the department"),
        heading=_("Refer to a handling department"),
        to=State.REFERRED,
        permission="liaison.refer_opinion",
        form=ReferForm,
        run=lambda actor, opinion, form: services.opinion_refer(
            actor=actor, opinion=opinion, **form.cleaned_data
        ),
        done=_("The opinion has been referred to the department."),
        audit_label=_("Refer an opinion to a department"),
    ),
    Act(
        "handle_directly",
        _("Answer directly (deputy)"),
        heading=_("Answer it yourself as the deputy"),
        to=State.PROCESSING,
        when=frozenset({State.ACCEPTED}),
        permission="liaison.handle_directly",
        form=NoteForm,
        run=lambda actor, opinion, form: services.opinion_handle_directly(
            actor=actor, opinion=opinion, note=form.cleaned_data["note"]
        ),
        done=_("You are answering the opinion directly."),
        audit_label=_("Answer an opinion directly"),
    ),
    Act(
        "start",
        _("Start handling"),
        heading=_("Take on the referred opinion"),
        to=State.PROCESSING,
        when=frozenset({State.REFERRED}),
        permission="liaison.start_opinion",
        form=NoteForm,  # the page has always shown a note here; the service records none
        run=lambda actor, opinion, form: services.opinion_start(actor=actor, opinion=opinion),
        done=_("Handling has started."),
        audit_label=_("Start handling an opinion"),
    ),
    Act(
        "answer",
        _("Send the answer"),
        heading=_("Answer the citizen"),
        to=State.ANSWERED,
        permission="liaison.answer_opinion",
        form=AnswerForm,
        run=lambda actor, opinion, form: services.opinion_answer(
            actor=actor, opinion=opinion, answer=form.cleaned_data["answer"]
        ),
        done=_("The answer has been sent."),
        audit_label=_("Answer an opinion"),
    ),
    Act(
        "close",
        _("Close without rating"),
        heading=_("Close without waiting for a rating"),
        to=State.CLOSED,
        permission="liaison.close_opinion",
        form=NoteForm,
        run=lambda actor, opinion, form: services.opinion_close(
            actor=actor, opinion=opinion, note=form.cleaned_data["note"]
        ),
        done=_("The opinion has been closed."),
        audit_label=_("Close an opinion"),
    ),
    Act(
        "merge",
        _("Merge"),
        heading=_("Merge into another opinion"),
        to=State.MERGED,
        permission="liaison.merge_opinion",
        form=MergeForm,
        form_kwargs=lambda actor, opinion: {
            "candidates": selectors.merge_candidates(actor=actor, opinion=opinion)
        },
        run=lambda actor, opinion, form: services.opinion_merge(
            actor=actor, opinion=opinion, into=form.cleaned_data["into"]
        ),
        done=_("The opinion has been merged."),
        audit_label=_("Merge an opinion"),
    ),
)

PUBLICATION.declare(
    Act(
        "publish",
        _("Publish"),
        heading=_("Publish the answer"),
        to=Opinion.Publication.PUBLISHED,
        permission="liaison.moderate_opinion",
        form=PublishForm,
        form_kwargs=lambda actor, opinion: {
            "initial": {"public_content": opinion.public_content, "public_answer": opinion.public_answer}
        },
        run=lambda actor, opinion, form: services.opinion_publish(
            actor=actor, opinion=opinion, **form.cleaned_data
        ),
        done=_("Published on the public listing."),
        audit_label=_("Publish an opinion"),
    ),
    Act(
        "withhold",
        _("Do not publish"),
        heading=_("Keep off the public listing"),
        to=Opinion.Publication.WITHHELD,
        permission="liaison.moderate_opinion",
        form=ReasonForm,
        run=lambda actor, opinion, form: services.opinion_withhold(
            actor=actor, opinion=opinion, reason=form.cleaned_data["reason"]
        ),
        done=_("Kept off the public listing."),
        style=DANGER,
        audit_label=_("Withhold an opinion from publication"),
    ),
)

APPOINTMENT.declare(
    Act(
        "confirm",
        _("Confirm"),
        heading=_("Confirm the appointment"),
        to=AState.CONFIRMED,
        permission="liaison.handle_appointment",
        form=ConfirmForm,
        form_kwargs=lambda actor, appointment: {"initial": {"time": appointment.reception_day.start_time}},
        run=lambda actor, appointment, form: services.appointment_confirm(
            actor=actor, appointment=appointment, time=form.cleaned_data["time"]
        ),
        done=_("The appointment has been confirmed."),
        audit_label=_("Confirm an appointment"),
    ),
    Act(
        "reject",
        _("Decline"),
        heading=_("Decline the appointment"),
        to=AState.REJECTED,
        permission="liaison.handle_appointment",
        form=ReasonForm,
        run=lambda actor, appointment, form: services.appointment_reject(
            actor=actor, appointment=appointment, reason=form.cleaned_data["reason"]
        ),
        done=_("The appointment has been declined."),
        style=DANGER,
        audit_label=_("Decline an appointment"),
    ),
    Act(
        "receive",
        _("Received: record as opinion"),
        heading=_("Record the reception"),
        to=AState.RECEIVED,
        permission="liaison.handle_appointment",
        form=ReceiveForm,
        form_kwargs=lambda actor, appointment: {"initial": {"raised": appointment.topic}},
        run=lambda actor, appointment, form: services.appointment_receive(
            actor=actor, appointment=appointment, **form.cleaned_data
        ),
        done=_("Recorded: what was raised is now an opinion."),
        audit_label=_("Record a reception"),
    ),
    Act(
        "no_show",
        _("Did not come"),
        heading=_("The citizen did not come"),
        to=AState.NO_SHOW,
        permission="liaison.handle_appointment",
        form=EmptyForm,
        run=lambda actor, appointment, form: services.appointment_no_show(
            actor=actor, appointment=appointment
        ),
        done=_("Recorded as not come."),
        style=DANGER,
        audit_label=_("Record a citizen who did not come"),
    ),
)
