"""代表建议的办理操作: the acts on a suggestion, declared once (detail page, POST and audit labels).

Each act names its service, its form, the permission and the state it moves to (or the states it is
offered in); the detail page offers the acts the person may do now, in this order: the main next
step first, then the less common ones (``renda.core.views.acts``). The services stay the authority:
they check permission and state again and refuse with a message the page shows on the act's form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.core.audit import label_actions
from renda.core.redaction import redact_personal_data
from renda.core.workflow import Act
from renda.deputies.selectors import seat_ids_of
from renda.suggestions import forms as f
from renda.suggestions import services
from renda.suggestions.letters import letter_parts
from renda.suggestions.models import (
    EVENT_LABELS,
    OPEN_HANDLING_STATES,
    Assignment,
    Commitment,
    ExtensionRequest,
    SealPosition,
    State,
    Suggestion,
)
from renda.suggestions.workflow import (
    CONTACT_STATES,
    COSIGN_STATES,
    KEY_STATES,
    PUBLISHABLE_STATES,
    SUGGESTION,
)

# --- what a form offers: the person's own assignments, pending requests, open commitments -------------


def _my_assignments(user: Any, s: Suggestion, **kw: Any) -> list[Assignment]:
    return [
        a
        for a in s.current_assignments
        if a.unit_id == user.organisation_id and all(getattr(a, k) == v for k, v in kw.items())
    ]


def _targets_accept(user: Any, s: Suggestion) -> list[tuple[int, str]]:
    return [(a.pk, f"{a.unit} · {a.get_role_display()}") for a in _my_assignments(user, s, accepted_at=None)]


def _targets_opinion(user: Any, s: Suggestion) -> list[tuple[int, str]]:
    return [(a.pk, str(a.unit)) for a in _my_assignments(user, s, role=Assignment.Role.CO, opinion_at=None)]


def _targets_waive(user: Any, s: Suggestion) -> list[tuple[int, str]]:
    """Co-units the lead unit waits for whose opinion is overdue or that asked to be replaced."""
    return [
        (
            a.pk,
            f"{a.unit} · "
            + (_("asks to be replaced") if a.release_requested_at else _("opinion overdue"))
            + f" ({a.opinion_due:%Y-%m-%d})",
        )
        for a in s.current_assignments
        if a.opinion_awaited and (a.opinion_overdue or a.release_requested_at)
    ]


def _targets_reassign(user: Any, s: Suggestion) -> list[tuple[int, str]]:
    return [
        (
            a.pk,
            f"{a.unit} · {a.get_role_display()}"
            + (f" · {_('asks to be replaced')}" if a.release_requested_at else ""),
        )
        for a in s.current_assignments
        if a.accepted_at is None
    ]


def _targets_extension(user: Any, s: Suggestion) -> list[tuple[int, str]]:
    return [
        (e.pk, f"{e.months} · {e.reason}")
        for e in s.extensions.all()
        if e.status == ExtensionRequest.Status.PENDING
    ]


def _targets_commitment(user: Any, s: Suggestion) -> list[tuple[int, str]]:
    return [(c.pk, f"{c.text} ({c.due_on:%Y-%m-%d})") for c in s.commitments.all() if c.fulfilled_at is None]


Targets = Callable[[Any, Suggestion], list[tuple[int, str]]]


def _any(choose: Targets) -> Callable[[Any, Suggestion], bool]:
    """An act that concerns one of several things is offered while there is one to choose."""
    return lambda user, s: bool(choose(user, s))


def _choose(choose: Targets) -> Callable[[Any, Suggestion], dict[str, Any]]:
    """Its form offers those things."""
    return lambda user, s: {"targets": choose(user, s)}


def _cosign_pending(user: Any, s: Suggestion) -> bool:
    seat_ids = seat_ids_of(user)
    return any(c.deputy_id in seat_ids and c.signed_at is None for c in s.cosigns.all())


# --- the service calls -----------------------------------------------------------------------------


def _assignment(s: Suggestion, pk: int) -> Assignment:
    # Assignment.DoesNotExist (a target that is not this suggestion's) is a 404 in run_act.
    return Assignment.objects.select_related("suggestion", "unit").get(pk=pk, suggestion=s)


def _run_reply(user: Any, s: Suggestion, form: Any) -> Any:
    d = form.cleaned_data
    return services.suggestion_reply(
        actor=user,
        suggestion=s,
        reply_class=d["reply_class"],
        text=d["text"],
        file=d.get("file"),
        commitments=[services.CommitmentIn(text, due) for text, due in form.commitments()],
        contact_person=d["contact_person"],
        contact_phone=d["contact_phone"],
        signer=d["signer"],
        seal_position=d["seal_position"],
    )


def _reply_form(user: Any, s: Suggestion) -> dict[str, Any]:
    """The reply form: the letter's fixed parts (shown around the body) and the contacts, filled in
    from this unit's previous letter on the suggestion, or from the clerk."""
    lead = s.lead_assignment
    unit_name = lead.unit.name if lead is not None else ""
    earlier = [r for r in s.replies.all() if lead is not None and r.unit_id == lead.unit_id]
    last = earlier[-1] if earlier else None
    return {
        "letter": letter_parts(deputy_name=s.deputy.name, title=s.title, unit_name=unit_name),
        "initial": {
            "contact_person": last.contact_person if last and last.contact_person else user.display_name,
            "contact_phone": last.contact_phone if last and last.contact_phone else user.phone,
            "signer": last.signer if last else "",
            "seal_position": last.seal_position if last else SealPosition.OVER_SIGNATURE,
        },
    }


def _publish_form(user: Any, s: Suggestion) -> dict[str, Any]:
    """The reply to publish starts as the latest reply's body with personal data masked."""
    reply = s.last_reply
    return {"initial": {"summary": redact_personal_data(reply.text) if reply else ""}}


def _run_assign(user: Any, s: Suggestion, form: Any) -> Any:
    d = form.cleaned_data
    return services.suggestion_assign(
        actor=user, suggestion=s, lead=d["lead"], co_units=list(d["co_units"]), note=d["note"]
    )


def _run_decide_extension(user: Any, s: Suggestion, form: Any) -> Any:
    d = form.cleaned_data
    return services.extension_decide(
        actor=user,
        extension=ExtensionRequest.objects.get(pk=d["target"], suggestion=s),
        approve=d["approve"],
        note=d["note"],
    )


def _run_reassign(user: Any, s: Suggestion, form: Any) -> Any:
    d = form.cleaned_data
    return services.assignment_reassign(
        actor=user, assignment=_assignment(s, d["target"]), unit=d["unit"], note=d["note"]
    )


def _run_fulfil(user: Any, s: Suggestion, form: Any) -> Any:
    d = form.cleaned_data
    return services.commitment_fulfil(
        actor=user, commitment=Commitment.objects.get(pk=d["target"], suggestion=s), note=d["note"]
    )


# A handling unit's acts on its own assignment (签收, 申请调整, 协办意见) are offered to the unit's
# clerks; each service then checks the chosen assignment is theirs.
UNIT = "suggestions.handle_assignment"

SUGGESTION.declare(
    Act(
        "submit",
        gettext_lazy("Submit"),
        lambda u, s, form: services.suggestion_submit(actor=u, suggestion=s),
        "suggestions.submit",
        to=State.SUBMITTED,
        form=f.EmptyForm,
        heading=gettext_lazy("Submit the suggestion"),
        done=gettext_lazy("The suggestion has been submitted."),
        audit_label=EVENT_LABELS["submit"],
    ),
    Act(
        "cosign",
        gettext_lazy("Co-sign"),
        lambda u, s, form: services.suggestion_cosign(actor=u, suggestion=s),
        "suggestions.cosign",
        when=COSIGN_STATES,
        form=f.EmptyForm,
        available=_cosign_pending,
        heading=gettext_lazy("Co-sign this suggestion"),
        done=gettext_lazy("You have co-signed the suggestion."),
        audit_label=EVENT_LABELS["cosign"],
    ),
    Act(
        "register",
        gettext_lazy("Register"),
        lambda u, s, form: services.suggestion_register(
            actor=u,
            suggestion=s,
            category=form.cleaned_data["category"],
            session=form.cleaned_data["session"],
        ),
        "suggestions.review",
        to=State.REGISTERED,
        form=f.RegisterForm,
        heading=gettext_lazy("Review and register"),
        done=gettext_lazy("The suggestion has been registered."),
        audit_label=EVENT_LABELS["register"],
    ),
    Act(
        "assign",
        gettext_lazy("Assign"),
        _run_assign,
        "suggestions.assign",
        to=State.ASSIGNED,
        form=f.AssignForm,
        heading=gettext_lazy("Assign to handling units"),
        done=gettext_lazy("The suggestion has been assigned."),
        audit_label=EVENT_LABELS["assign"],
    ),
    Act(
        "accept",
        gettext_lazy("Accept the assignment"),
        lambda u, s, form: services.assignment_accept(
            actor=u, assignment=_assignment(s, form.cleaned_data["target"])
        ),
        UNIT,
        when=OPEN_HANDLING_STATES,
        form=f.TargetForm,
        available=_any(_targets_accept),
        form_kwargs=_choose(_targets_accept),
        heading=gettext_lazy("Accept the assigned suggestion"),
        done=gettext_lazy("The assignment has been accepted."),
        audit_label=EVENT_LABELS["accept"],
    ),
    Act(
        "opinion",
        gettext_lazy("Send the co-handling opinion"),
        lambda u, s, form: services.assignment_send_opinion(
            actor=u, assignment=_assignment(s, form.cleaned_data["target"]), text=form.cleaned_data["text"]
        ),
        UNIT,
        when=OPEN_HANDLING_STATES,
        form=f.OpinionForm,
        available=_any(_targets_opinion),
        form_kwargs=_choose(_targets_opinion),
        done=gettext_lazy("The opinion has been sent to the lead unit."),
        audit_label=EVENT_LABELS["opinion"],
    ),
    Act(
        "reply",
        gettext_lazy("File the reply"),
        _run_reply,
        "suggestions.reply",
        to=State.REPLIED,
        form=f.ReplyForm,
        form_kwargs=_reply_form,
        heading=gettext_lazy("Reply to the deputy"),
        done=gettext_lazy("The reply has been filed."),
        audit_label=EVENT_LABELS["reply"],
    ),
    Act(
        "rate",
        gettext_lazy("Rate the reply"),
        lambda u, s, form: services.suggestion_rate(actor=u, suggestion=s, **form.cleaned_data),
        "suggestions.rate",
        when=frozenset({State.REPLIED}),  # to 办结, or back to 办理中 when unsatisfied
        form=f.RateForm,
        done=gettext_lazy("Thank you: your rating has been recorded."),
        audit_label=EVENT_LABELS["rate"],
    ),
    Act(
        "decide_extension",
        gettext_lazy("Decide on the extension"),
        _run_decide_extension,
        "suggestions.decide_extension",
        when=frozenset({State.IN_PROGRESS}),
        form=f.ExtensionDecideForm,
        available=_any(_targets_extension),
        form_kwargs=_choose(_targets_extension),
        done=gettext_lazy("The extension request has been decided."),
        audit_label=EVENT_LABELS["decide_extension"],
    ),
    Act(
        "reassign",
        gettext_lazy("Replace a unit"),
        _run_reassign,
        "suggestions.assign",
        when=OPEN_HANDLING_STATES,
        form=f.ReassignForm,
        available=_any(_targets_reassign),
        form_kwargs=_choose(_targets_reassign),
        done=gettext_lazy("The unit has been replaced."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["reassign"],
    ),
    Act(
        "waive_opinion",
        gettext_lazy("Proceed without a co-handling opinion"),
        lambda u, s, form: services.assignment_waive_opinion(
            actor=u,
            assignment=_assignment(s, form.cleaned_data["target"]),
            reason=form.cleaned_data["reason"],
        ),
        "suggestions.waive_opinion",
        when=OPEN_HANDLING_STATES,
        form=f.TargetReasonForm,
        available=_any(_targets_waive),
        form_kwargs=_choose(_targets_waive),
        done=gettext_lazy("The lead unit may now reply without that unit's opinion."),
        style="outline-warning",
        audit_label=EVENT_LABELS["waive_opinion"],
    ),
    Act(
        "withdraw",
        gettext_lazy("Withdraw the suggestion"),
        lambda u, s, form: services.suggestion_withdraw(
            actor=u, suggestion=s, reason=form.cleaned_data["reason"]
        ),
        "suggestions.withdraw",
        to=State.DRAFT,  # from 已提交 only: before it is registered
        form=f.WithdrawForm,
        done=gettext_lazy("The suggestion is withdrawn and is your draft again."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["withdraw"],
    ),
    Act(
        "return",
        gettext_lazy("Return for revision"),
        lambda u, s, form: services.suggestion_return(
            actor=u, suggestion=s, reason=form.cleaned_data["reason"]
        ),
        "suggestions.review",
        to=State.RETURNED,
        form=f.ReasonForm,
        done=gettext_lazy("The suggestion has been returned to the deputy."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["return"],
    ),
    Act(
        "convert",
        gettext_lazy("Handle as an opinion"),
        lambda u, s, form: services.suggestion_convert(
            actor=u, suggestion=s, reason=form.cleaned_data["reason"]
        ),
        "suggestions.review",
        to=State.CONVERTED,
        form=f.ReasonForm,
        done=gettext_lazy("The suggestion is handled as an opinion."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["convert"],
    ),
    Act(
        "merge",
        gettext_lazy("Merge into another suggestion"),
        lambda u, s, form: services.suggestion_merge(actor=u, suggestion=s, into=form.cleaned_data["into"]),
        "suggestions.review",
        to=State.MERGED,
        form=f.MergeForm,
        form_kwargs=lambda u, s: {"suggestion": s},
        done=gettext_lazy("The suggestion has been merged."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["merge"],
    ),
    Act(
        "release",
        gettext_lazy("Ask to be replaced"),
        lambda u, s, form: services.assignment_request_release(
            actor=u,
            assignment=_assignment(s, form.cleaned_data["target"]),
            reason=form.cleaned_data["reason"],
        ),
        UNIT,
        when=OPEN_HANDLING_STATES,
        form=f.TargetReasonForm,
        available=_any(_targets_accept),
        form_kwargs=_choose(_targets_accept),
        done=gettext_lazy("Your request has been sent to the deputy affairs office."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["request_release"],
    ),
    Act(
        "contact",
        gettext_lazy("Record a contact with the deputy"),
        lambda u, s, form: services.contact_record(actor=u, suggestion=s, **form.cleaned_data),
        "suggestions.record_contact",
        when=CONTACT_STATES,
        form=f.ContactForm,
        done=gettext_lazy("The contact has been recorded."),
        style="outline-primary",
        audit_label=EVENT_LABELS["contact"],
    ),
    Act(
        "extend",
        gettext_lazy("Ask for an extension"),
        lambda u, s, form: services.extension_request(actor=u, suggestion=s, **form.cleaned_data),
        "suggestions.request_extension",
        when=frozenset({State.IN_PROGRESS}),
        form=f.ExtensionForm,
        available=lambda u, s: not _targets_extension(u, s),  # one request waits at a time
        done=gettext_lazy("The extension request has been sent."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["request_extension"],
    ),
    Act(
        "fulfil",
        gettext_lazy("Record a commitment as fulfilled"),
        _run_fulfil,
        "suggestions.fulfil_commitment",  # in every state: commitments outlive the closure
        form=f.FulfilForm,
        available=_any(_targets_commitment),
        form_kwargs=_choose(_targets_commitment),
        done=gettext_lazy("The commitment is recorded as fulfilled."),
        style="outline-primary",
        audit_label=EVENT_LABELS["fulfil"],
    ),
    Act(
        "key",
        gettext_lazy("Mark as a key suggestion"),
        lambda u, s, form: services.suggestion_mark_key(actor=u, suggestion=s, **form.cleaned_data),
        "suggestions.supervise",
        when=KEY_STATES,
        form=f.KeyForm,
        available=lambda u, s: not s.is_key,
        done=gettext_lazy("The suggestion is now supervised as a key suggestion."),
        style="outline-danger",
        audit_label=EVENT_LABELS["mark_key"],
    ),
    Act(
        "chase",
        gettext_lazy("Chase the units"),
        lambda u, s, form: services.suggestion_chase(actor=u, suggestion=s, note=form.cleaned_data["reason"]),
        "suggestions.supervise",
        when=OPEN_HANDLING_STATES,
        form=f.ChaseForm,
        heading=gettext_lazy("Chase the handling units"),
        done=gettext_lazy("The chase has been logged and the units notified."),
        style="outline-warning",
        audit_label=EVENT_LABELS["chase"],
    ),
    Act(
        "publish",
        gettext_lazy("Publish the result"),
        lambda u, s, form: services.suggestion_publish(
            actor=u, suggestion=s, summary=form.cleaned_data["summary"]
        ),
        "suggestions.publish",
        when=PUBLISHABLE_STATES,
        form=f.PublishForm,
        form_kwargs=_publish_form,
        done=gettext_lazy("The result is published."),
        style="outline-success",
        audit_label=EVENT_LABELS["publish"],
    ),
    Act(
        "unpublish",
        gettext_lazy("Withdraw from the public page"),
        lambda u, s, form: services.suggestion_unpublish(actor=u, suggestion=s),
        "suggestions.publish",  # in every state, while it is public
        form=f.EmptyForm,
        available=lambda u, s: s.published_at is not None,
        done=gettext_lazy("The result is no longer public."),
        style="outline-secondary",
        audit_label=EVENT_LABELS["unpublish"],
    ),
)

# The module's audit actions whose code is not an act's name: the acts whose audit code predates
# the page's name for them, the writes that are not acts, and the permissions a refusal is logged
# under (``@service`` audits a refusal with the permission's code).
label_actions(
    {
        "suggestions.create": EVENT_LABELS["create"],
        "suggestions.update": EVENT_LABELS["update"],
        "suggestions.request_release": EVENT_LABELS["request_release"],
        "suggestions.send_opinion": EVENT_LABELS["opinion"],
        "suggestions.record_contact": EVENT_LABELS["contact"],
        "suggestions.request_extension": EVENT_LABELS["request_extension"],
        "suggestions.fulfil_commitment": EVENT_LABELS["fulfil"],
        "suggestions.mark_key": EVENT_LABELS["mark_key"],
        "suggestions.deadlines_recompute": EVENT_LABELS["recompute"],
        "suggestions.category_create": gettext_lazy("Add a category"),
        "suggestions.session_create": gettext_lazy("Record a session period"),
        "suggestions.delete": gettext_lazy("Delete a draft suggestion"),
        "suggestions.manage_sessions": gettext_lazy("Manage session periods"),
        "suggestions.category_toggle": gettext_lazy("Switch a suggestion category on or off"),
        "suggestions.notifications_read": gettext_lazy("Mark all as read"),
        "suggestions.edit": gettext_lazy("Edit a suggestion"),
        "suggestions.review": gettext_lazy("Review a suggestion"),
        "suggestions.supervise": gettext_lazy("Supervise a suggestion"),
        "suggestions.manage_categories": gettext_lazy("Manage suggestion categories"),
        "suggestions.view_list": gettext_lazy("View the suggestion list"),
        "suggestions.view_suggestion": gettext_lazy("View a suggestion"),
        "suggestions.view_all": gettext_lazy("View every suggestion"),
        "suggestions.view_documents": gettext_lazy("View a suggestion's documents"),
        "suggestions.view_statistics": gettext_lazy("View suggestion statistics"),
        "suggestions.handle_assignment": gettext_lazy("Handle an assigned suggestion"),
    }
)
