"""函询在线答复: the audited unit answers an inquiry letter online, and the budget staff review it.

已函询 → 复函待审核: the clerk (承办单位经办人) of the organisation the letter is addressed to writes the
reply, says whether the unit explained or put it right, and attaches files (:func:`inquiry_reply_submit`).
复函待审核 → 已说明 / 已整改: the budget staff accept it (:func:`finding_accept_reply`), and the finding
moves on to 销号; 复函待审核 → 已函询: they return it with a reason (:func:`finding_return_reply`) and
the clerk answers again. Each is one step of the finding's workflow (one event row, one audit row).
A reply on paper is still recorded by the staff (``finding_record_reply``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from renda.accounts.models import Organisation, User
from renda.budget.models import BudgetUnit, Finding, Inquiry, InquiryAttachment
from renda.budget.services.findings import (
    REPLY_OUTCOMES,
    _begin,
    _original_name,
    _stored_name,
    _text,
    param,
    state_label,
    validate_upload,
)
from renda.budget.services.inquiry_notices import (
    notify_reply_accepted,
    notify_reply_returned,
    notify_reply_submitted,
)
from renda.budget.workflow import FINDING
from renda.core.module_parameters import current_region_code
from renda.core.permissions import require, service

State = Finding.State


def open_inquiry(finding: Finding) -> Inquiry | None:
    """The letter of ``finding`` that awaits (or has) the unit's answer: its latest one."""
    return finding.inquiries.order_by("-sent_at", "-id").first()


def _core_name(name: str) -> str:
    """A unit's name without the county in front (县住房和城乡建设局 → 住房和城乡建设局)."""
    name = name.strip()
    head, sep, rest = name.partition("县")
    if sep and len(head) <= 4 and len(rest) >= 2:
        return rest
    return name


def inquiry_organisation_guess(unit_code: str) -> Organisation | None:
    """The organisation whose clerks would answer for budget unit ``unit_code``: the government unit
    named like the budget unit or, failing that, like one of its parents up to its 主管部门."""
    units = dict(
        BudgetUnit.objects.filter(region_code=current_region_code()).values_list("code", "parent_code")
    )
    names = dict(BudgetUnit.objects.filter(region_code=current_region_code()).values_list("code", "name"))
    chain: list[str] = []
    code = unit_code
    while code and code in names and code not in chain:
        chain.append(code)
        code = units.get(code) or ""
    candidates = [
        (o, _core_name(o.name))
        for o in Organisation.objects.filter(is_active=True).exclude(kind=Organisation.Kind.CONGRESS)
    ]
    for code in chain:
        name = names[code]
        matches = [(len(core), o.pk, o) for o, core in candidates if core and name.endswith(core)]
        if matches:
            return max(matches, key=lambda m: (m[0], -m[1]))[2]
    return None


@service
def inquiry_reply_submit(
    *,
    actor: User,
    inquiry: Inquiry,
    outcome: str,
    reply_text: str,
    files: Sequence[UploadedFile] = (),
) -> Inquiry:
    """答复函询 (已函询 → 复函待审核): the unit's clerk sends the reply and its files online."""
    finding = inquiry.finding
    require(actor, "budget.reply_to_inquiry", inquiry)
    if outcome not in REPLY_OUTCOMES:
        raise ValidationError({"outcome": [_("Choose whether the unit explained or rectified it.")]})
    with FINDING.step(
        finding, actor=actor, action="unit_reply", when={State.INQUIRED}, to=State.REPLIED
    ) as step:
        current = open_inquiry(finding)
        if current is None or current.pk != inquiry.pk or current.replied_on is not None:
            raise ValidationError(_("This letter is no longer awaiting a reply."), code="not_open")
        text = _text(reply_text, field="reply_text", message=_("Write the unit's reply."))
        limit = int(param("REPLY_FILES_MAX"))
        if len(files) > limit:
            raise ValidationError(
                {"files": [_("Attach at most %(n)s files.") % {"n": limit}]}, code="too_many_files"
            )
        for upload in files:
            validate_upload(upload, field="files")
        now = timezone.now()
        inquiry.reply_text = text
        inquiry.replied_on = timezone.localdate()
        inquiry.replied_by = actor
        inquiry.reply_submitted_at = now
        inquiry.reply_outcome = outcome
        inquiry.save(
            update_fields=["reply_text", "replied_on", "replied_by", "reply_submitted_at", "reply_outcome"]
        )
        for upload in files:
            attachment = InquiryAttachment(inquiry=inquiry, name=_original_name(upload), uploaded_by=actor)
            attachment.file.save(_stored_name(finding, upload), upload, save=False)
            attachment.save()
        names = pgettext("list separator", ", ").join(_original_name(u) for u in files)
        organisation = actor.organisation.name if actor.organisation is not None else ""
        step.note = _(
            "%(organisation)s answered %(number)s online (the unit says: %(outcome)s): %(text)s"
        ) % {
            "organisation": organisation,
            "number": inquiry.number,
            "outcome": state_label(outcome),
            "text": text,
        } + (_("\nAttachments: %(names)s") % {"names": names} if names else "")
        step.audit_after = {"inquiry": inquiry.number, "outcome": outcome, "files": names}
    notify_reply_submitted(inquiry, organisation=organisation)
    return inquiry


@service
def finding_accept_reply(*, actor: User, finding: Finding, outcome: str, note: str = "") -> Finding:
    """采纳复函 (复函待审核 → 已说明 / 已整改): the staff accept the unit's online reply."""
    _begin(actor, finding)
    if outcome not in REPLY_OUTCOMES:
        raise ValidationError({"outcome": [_("Choose whether the unit explained or rectified it.")]})
    with FINDING.step(finding, actor=actor, action="accept_reply", when={State.REPLIED}) as step:
        step.to = outcome
        inquiry = open_inquiry(finding)
        number = inquiry.number if inquiry is not None else ""
        step.note = _("Online reply to %(number)s accepted (%(outcome)s)") % {
            "number": number,
            "outcome": state_label(outcome),
        } + (pgettext("label colon", ": ") + note.strip() if note.strip() else "")
        step.audit_after = {"inquiry": number}
    if inquiry is not None and inquiry.organisation_id is not None:
        notify_reply_accepted(inquiry, outcome=outcome, note=note.strip())
    return finding


@service
def finding_return_reply(
    *, actor: User, finding: Finding, reason: str, reply_due: dt.date | None = None
) -> Finding:
    """退回复函 (复函待审核 → 已函询): the reply does not answer the letter; the unit answers again.

    The unit's text stays as its draft (and in the history); ``reply_due`` gives a new due date."""
    _begin(actor, finding)
    with FINDING.step(
        finding, actor=actor, action="return_reply", when={State.REPLIED}, to=State.INQUIRED
    ) as step:
        text = _text(reason, field="reason", message=_("Write why the reply is returned."))
        inquiry = open_inquiry(finding)
        if inquiry is None:
            raise FINDING.wrong_state(finding, State.INQUIRED)
        today = timezone.localdate()
        if reply_due is not None and reply_due <= today:
            raise ValidationError(
                {"reply_due": [_("The reply due date must be after today.")]}, code="due_past"
            )
        inquiry.replied_on = None
        fields = ["replied_on"]
        if reply_due is not None:
            inquiry.reply_due = reply_due
            fields.append("reply_due")
        inquiry.save(update_fields=fields)
        due = inquiry.reply_due
        step.note = _("Online reply to %(number)s returned: %(text)s") % {
            "number": inquiry.number,
            "text": text,
        } + (
            _(" (answer again by %(date)s)")
            % {
                "date": pgettext("date in a sentence", "%(year)s-%(month)s-%(day)s")
                % {"year": due.year, "month": due.month, "day": due.day}
            }
            if due
            else ""
        )
        step.audit_note = text[:500]
        step.audit_after = {"inquiry": inquiry.number, "reply_due": due}
    if inquiry.organisation_id is not None:
        notify_reply_returned(inquiry, reason=text)
    return finding
