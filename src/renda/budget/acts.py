"""预警处置的办理操作: the acts on a warning finding, declared once (page, POST and audit labels).

Each act names its service, its form, the permission and the state it moves to; the detail page
offers the acts the person may do now (``renda.core.views.acts``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy, pgettext_lazy

from renda.accounts.models import User
from renda.budget import forms_findings as f
from renda.budget.models import Finding
from renda.budget.services import findings as services
from renda.budget.services import inquiries
from renda.budget.workflow import FINAL_STATES, FINDING, REPLY_OUTCOMES
from renda.core.workflow import Act

State = Finding.State
ACT = "budget.act_on_finding"


def _run_reply(user: User, finding: Finding, form: Any) -> Any:
    d = form.cleaned_data
    return services.finding_record_reply(
        actor=user,
        finding=finding,
        outcome=d["outcome"],
        reply_text=d["reply_text"],
        reply_file=d.get("reply_file"),
        replied_on=d.get("replied_on"),
    )


def _run_inquire(user: User, finding: Finding, form: Any) -> Any:
    d = form.cleaned_data
    return services.finding_inquire(
        actor=user,
        finding=finding,
        body=d["body"],
        recipient=d["recipient"],
        reply_due=d["reply_due"],
        organisation=d.get("organisation"),
    )


def _inquiry_initial(user: User, finding: Finding) -> dict[str, Any]:
    draft = services.inquiry_draft(actor=user, finding=finding)
    guess = inquiries.inquiry_organisation_guess(finding.unit_code)
    return {
        "initial": {
            "recipient": draft.recipient,
            "body": draft.body,
            "reply_due": draft.reply_due,
            "organisation": guess.pk if guess is not None else None,
        }
    }


def _run_unit_reply(user: User, finding: Finding, form: Any) -> Any:
    d = form.cleaned_data
    inquiry = inquiries.open_inquiry(finding)
    if inquiry is None:
        raise FINDING.wrong_state(finding, State.REPLIED)
    return inquiries.inquiry_reply_submit(
        actor=user,
        inquiry=inquiry,
        outcome=d["outcome"],
        reply_text=d["reply_text"],
        files=d.get("attachments") or [],
    )


def _unit_reply_initial(user: User, finding: Finding) -> dict[str, Any]:
    """A returned reply comes back as the clerk's draft."""
    inquiry = inquiries.open_inquiry(finding)
    if inquiry is None or not inquiry.reply_text:
        return {}
    return {"initial": {"reply_text": inquiry.reply_text, "outcome": inquiry.reply_outcome or None}}


def _accept_initial(user: User, finding: Finding) -> dict[str, Any]:
    inquiry = inquiries.open_inquiry(finding)
    said = inquiry.reply_outcome if inquiry is not None else ""
    return {"initial": {"outcome": said}} if said else {}


def _assign_initial(user: User, finding: Finding) -> dict[str, Any]:
    return {"initial": {"assignee": finding.assignee_id}} if finding.assignee_id else {}


def _reply_possible(user: User, finding: Finding) -> bool:
    return bool(services.allowed_moves(user, finding) & set(REPLY_OUTCOMES))


FINDING.declare(
    Act(
        "verify",
        gettext_lazy("Start verifying"),
        lambda u, x, form: services.finding_verify(actor=u, finding=x, note=form.cleaned_data["note"]),
        ACT,
        to=State.VERIFYING,
        when=frozenset({State.NEW}),
        form=f.VerifyForm,
        done=gettext_lazy("Verification has started."),
        audit_label=gettext_lazy("Start verifying a warning finding"),
    ),
    Act(
        "inquire",
        gettext_lazy("Send an inquiry letter"),
        _run_inquire,
        ACT,
        to=State.INQUIRED,
        when=frozenset({State.VERIFYING}),
        form=f.InquireForm,
        form_kwargs=_inquiry_initial,
        done=gettext_lazy("The inquiry letter has been sent."),
        audit_label=gettext_lazy("Send an inquiry letter about a finding"),
    ),
    Act(
        "reply",
        gettext_lazy("Record the unit's reply"),
        _run_reply,
        ACT,
        when=frozenset({State.INQUIRED, State.VERIFYING}),
        form=f.ReplyForm,
        available=_reply_possible,
        done=gettext_lazy("The reply has been recorded."),
        audit_label=gettext_lazy("Record the unit's reply to a finding"),
    ),
    Act(
        "unit_reply",
        gettext_lazy("Send the unit's reply"),
        _run_unit_reply,
        "budget.reply_to_inquiry",
        to=State.REPLIED,
        form=f.UnitReplyForm,
        form_kwargs=_unit_reply_initial,
        done=gettext_lazy("Your reply has been sent to the budget committee."),
        audit_label=gettext_lazy("Answer an inquiry letter online"),
    ),
    Act(
        "accept_reply",
        gettext_lazy("Accept the unit's reply"),
        lambda u, x, form: inquiries.finding_accept_reply(
            actor=u, finding=x, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        ),
        ACT,
        when=frozenset({State.REPLIED}),
        form=f.AcceptReplyForm,
        form_kwargs=_accept_initial,
        done=gettext_lazy("The reply is accepted."),
        style="success",
        audit_label=gettext_lazy("Accept a unit's online reply"),
    ),
    Act(
        "return_reply",
        gettext_lazy("Return the reply to the unit"),
        lambda u, x, form: inquiries.finding_return_reply(
            actor=u,
            finding=x,
            reason=form.cleaned_data["reason"],
            reply_due=form.cleaned_data.get("reply_due"),
        ),
        ACT,
        to=State.INQUIRED,
        when=frozenset({State.REPLIED}),
        form=f.ReturnReplyForm,
        done=gettext_lazy("The reply has been returned to the unit."),
        style="outline-secondary",
        audit_label=gettext_lazy("Return a unit's online reply"),
    ),
    Act(
        "close",
        gettext_lazy("Close the finding"),
        lambda u, x, form: services.finding_close(
            actor=u, finding=x, note=form.cleaned_data["note"], attachment=form.cleaned_data.get("attachment")
        ),
        ACT,
        to=State.CLOSED,
        form=f.CloseForm,
        done=gettext_lazy("The finding is closed."),
        style="success",
        audit_label=gettext_lazy("Close a warning finding"),
    ),
    Act(
        "assign",
        pgettext_lazy("finding action", "Assign"),
        lambda u, x, form: services.finding_assign(
            actor=u, finding=x, assignee=form.cleaned_data["assignee"], note=form.cleaned_data["note"]
        ),
        ACT,
        when=frozenset(set(FINDING.transitions) - FINAL_STATES),
        form=f.AssignForm,
        form_kwargs=_assign_initial,
        done=gettext_lazy("The finding has been assigned."),
        style="outline-primary",
        audit_label=gettext_lazy("Assign a warning finding"),
    ),
    Act(
        "false_positive",
        gettext_lazy("Mark as a false positive"),
        lambda u, x, form: services.finding_mark_false_positive(
            actor=u, finding=x, reason=form.cleaned_data["reason"]
        ),
        ACT,
        to=State.FALSE_POSITIVE,
        form=f.ReasonForm,
        done=gettext_lazy("The finding is marked as a false positive."),
        style="outline-danger",
        audit_label=gettext_lazy("Mark a finding as a false positive"),
    ),
    Act(
        "reopen",
        gettext_lazy("Reopen for verification"),
        lambda u, x, form: services.finding_reopen(actor=u, finding=x, reason=form.cleaned_data["reason"]),
        ACT,
        to=State.VERIFYING,
        when=frozenset({State.EXPLAINED, State.RECTIFIED, State.CLOSED, State.FALSE_POSITIVE}),
        form=f.ReasonForm,
        done=gettext_lazy("The finding is being verified again."),
        style="outline-secondary",
        audit_label=gettext_lazy("Reopen a warning finding"),
    ),
)
