"""预警发现处置: every write on a warning finding, one service per act, on an explicit table.

新发现 → 核实中 → 已函询 (an inquiry letter to the unit, generated from a template, with the unit's
reply attached) → 已说明 or 已整改 → 已销号; or 误报 with a reason. The states and their allowed
moves are :data:`TRANSITIONS`. A service checks permission first (``budget.act_on_finding``;
refusals are audited by ``@service``), then the state (a move the table does not allow is refused
with a clear message and changes nothing), then the data; it writes one append-only
:class:`FindingStep` per act and one audit row.

Reopening: 已说明 and 已整改 go back to 核实中 at the hands of any budget staff member; 已销号 and
误报 are final for budget staff, and only an administrator may reopen them (with a reason) —
a wrongly closed or dismissed finding would otherwise stay hidden, since a re-run keeps its state.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from renda.accounts.models import Organisation, Role, User
from renda.budget.models import BudgetUnit, Finding, Indicator, Inquiry, Payment
from renda.budget.rules import budget_committee_codes
from renda.budget.services.inquiry_notices import notify_inquiry_sent
from renda.budget.warning_rules.registry import rule_name
from renda.budget.workflow import FINAL_STATES, FINDING, REPLY_OUTCOMES
from renda.core.audit import label_actions
from renda.core.calendar import add_working_days
from renda.core.module_parameters import ModuleParameters, Parameter, current_region_code
from renda.core.permissions import PermissionRefused, can, require, service
from renda.core.uploads import upload_check, upload_name

State = Finding.State

# The states as the findings pages name them (the model labels carry the context "finding state":
# "Closed" of a finding is 已销号, not the 已办结 of a suggestion).
STATE_LABELS: dict[str, Any] = dict(State.choices)

# The state machine (transitions, guarded reopening, final states) is declared once in
# renda.budget.workflow and runs on the core kernel.

# Parameters; ``settings.RENDA_BUDGET_FINDINGS = {...}`` overrides any of them.
PARAMETERS = ModuleParameters(
    "RENDA_BUDGET_FINDINGS",
    LETTER_PREFIX=Parameter("预工函", "函询文号的前缀: 预工函〔2026〕3号"),
    REPLY_WORKING_DAYS=Parameter(10, "函复期限: working days after the letter is sent"),
    EVIDENCE_IN_LETTER=Parameter(30, "vouchers / indicators listed in the letter (the rest are counted)"),
    FILE_MAX_BYTES=Parameter(10 * 1024 * 1024, "the largest reply or supporting file, in bytes"),
    FILE_EXTENSIONS=Parameter(
        ("pdf", "jpg", "jpeg", "png", "ofd", "doc", "docx", "wps"), "reply and supporting file types"
    ),
    COMMITTEE_NAME=Parameter(
        "人大常委会预算工作委员会", "the letter's signature when no committee organisation exists"
    ),
    REPLY_FILES_MAX=Parameter(5, "files a unit may attach to one online reply"),
    DUE_SOON_WORKING_DAYS=Parameter(
        3, "函询临期: a reply due within this many working days is listed as due"
    ),
)
DEFAULTS = PARAMETERS.defaults

ACTION_LABELS = {
    "budget.act_on_finding": gettext_lazy("Act on a warning finding"),
    "budget.view_findings": gettext_lazy("View warning findings"),
}
label_actions(ACTION_LABELS)


def param(name: str) -> Any:
    return PARAMETERS(name)


def can_move(from_state: str, to_state: str) -> bool:
    return FINDING.can_move(from_state, to_state)


def state_label(state: str) -> str:
    return str(STATE_LABELS[state]) if state in STATE_LABELS else state


def allowed_moves(actor: User, finding: Finding) -> set[str]:
    """The states ``actor`` may move ``finding`` to (empty when they may not act at all)."""
    if not can(actor, "budget.act_on_finding", finding):
        return set()
    return {
        to
        for to in FINDING.transitions.get(finding.state, ())
        if (finding.state, to) not in FINDING.guarded_moves
        or can(actor, FINDING.guarded_moves[(finding.state, to)], finding)
    }


_region = current_region_code


def _begin(actor: User, finding: Finding) -> Finding:
    require(actor, "budget.act_on_finding", finding)
    if not Finding.objects.filter(pk=finding.pk, region_code=_region()).exists():
        raise PermissionRefused(actor, "budget.act_on_finding", finding)
    return finding


def _actor(actor: User) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def _attach(upload: UploadedFile | None, finding: Finding) -> list[Any]:
    """The hook that stores ``upload`` on the step row before it is written (none without a file)."""
    if upload is None:
        return []

    def store(step: Any) -> None:
        step.attachment_name = _original_name(upload)
        step.attachment.save(_stored_name(finding, upload), upload, save=False)

    return [store]


def _text(value: str | None, *, field: str, message: str, limit: int = 5000) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    if len(text) > limit:
        raise ValidationError(
            {field: [_("The text is longer than %(n)s characters.") % {"n": limit}]}, code="too_long"
        )
    return text


# --- assignees ----------------------------------------------------------------------------------


def budget_committee_organisation_ids() -> list[int]:
    """The budget committee's organisations (those with a listed code) and all their sub-offices."""
    pairs = list(Organisation.objects.values_list("pk", "parent_id", "code"))
    codes = set(budget_committee_codes())
    found = {pk for pk, _parent, code in pairs if code in codes}
    changed = True
    while changed:
        changed = False
        for pk, parent, _code in pairs:
            if parent in found and pk not in found:
                found.add(pk)
                changed = True
    return sorted(found)


def finding_assignees() -> list[User]:
    """Who a finding may be assigned to: active budget staff and administrators."""
    return list(
        User.objects.filter(
            Q(role=Role.ADMIN) | Q(role=Role.STAFF, organisation_id__in=budget_committee_organisation_ids()),
            is_active=True,
        ).order_by("role", "real_name", "username")
    )


def _valid_assignee(user: User) -> bool:
    return bool(user and user.is_active and can(user, "budget.act_on_finding"))


# --- uploads ------------------------------------------------------------------------------------

_original_name = upload_name


def _stored_name(finding: Finding, upload: UploadedFile) -> str:
    ext = _original_name(upload).rsplit(".", 1)[-1].lower()
    # The stored name is made here: the person's file name never becomes a path on disk.
    return f"{timezone.now():%Y%m%d%H%M%S%f}-{finding.pk}.{ext}"


def validate_upload(upload: UploadedFile, *, field: str = "file") -> str:
    """The file's extension if its type, size and content are allowed; else a ValidationError
    on ``field`` (codes ``file_type``, ``file_size``, ``file_empty``, ``file_content``)."""
    try:
        return upload_check(upload, extensions=param("FILE_EXTENSIONS"), max_bytes=param("FILE_MAX_BYTES"))
    except ValidationError as error:
        raise ValidationError({field: [error]}) from error


# --- the inquiry letter (函询函) -------------------------------------------------------------------


@dataclass(frozen=True)
class InquiryDraft:
    """The letter as the template writes it, before the staff member edits and sends it."""

    recipient: str
    body: str
    reply_due: dt.date
    number: str  # the number it would get if sent now


def unit_name(unit_code: str) -> str:
    return (
        BudgetUnit.objects.filter(region_code=_region(), code=unit_code)
        .values_list("name", flat=True)
        .first()
        or ""
    )


def committee_name() -> str:
    """The sender: the budget committee's organisation name (县人大常委会预算工作委员会)."""
    name = (
        Organisation.objects.filter(code__in=budget_committee_codes(), is_active=True)
        .order_by("code")
        .values_list("name", flat=True)
        .first()
    )
    return name or param("COMMITTEE_NAME")


def letter_prefix(year: int) -> str:
    return f"{param('LETTER_PREFIX')}〔{year}〕"


def _sequence(number: str, prefix: str) -> int:
    rest = number[len(prefix) :].rstrip("号")
    return int(rest) if rest.isascii() and rest.isdigit() else 0


def next_letter_number(year: int) -> str:
    """预工函〔2026〕N号: the next number of ``year`` (numbers count per calendar year of sending)."""
    prefix = letter_prefix(year)
    used = Inquiry.objects.filter(finding__region_code=_region(), number__startswith=prefix).values_list(
        "number", flat=True
    )
    return f"{prefix}{max((_sequence(n, prefix) for n in used), default=0) + 1}号"


def _lock_numbering(year: int) -> None:
    """Serialise the numbering of a year's letters (SQLite already serialises every write)."""
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"renda.budget.inquiry:{_region()}:{year}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _evidence_lines(finding: Finding) -> tuple[list[str], int]:
    """The evidence as lines of the letter (at most ``EVIDENCE_IN_LETTER``), and how many are left."""
    vouchers, indicators = evidence_numbers(finding)
    limit = param("EVIDENCE_IN_LETTER")
    lines: list[str] = []
    shown_vouchers = vouchers[:limit]
    payments = {
        p.voucher_no: p
        for p in Payment.objects.filter(
            region_code=finding.region_code, year=finding.year, voucher_no__in=shown_vouchers
        )
    }
    for no in shown_vouchers:
        p = payments.get(no)
        if p is None:
            lines.append(f"支付凭证 {no}")
            continue
        payee = p.payee_name
        if p.payee_type == Payment.PayeeType.PERSON and payee:
            payee = payee[:1] + "*" * (len(payee) - 1)
        day = p.pay_date
        parts = [f"支付凭证 {no}", f"{day.year}年{day.month}月{day.day}日", f"{p.amount:,.2f}元"]
        if payee:
            parts.append(f"收款人 {payee}")
        if p.purpose:
            parts.append(f"用途 {p.purpose}")
        lines.append("，".join(parts))
    room = max(limit - len(shown_vouchers), 0)
    shown_indicators = indicators[:room]
    found = {
        i.indicator_no: i
        for i in Indicator.objects.filter(
            region_code=finding.region_code, year=finding.year, indicator_no__in=shown_indicators
        )
    }
    for no in shown_indicators:
        i = found.get(no)
        if i is None:
            lines.append(f"预算指标 {no}")
            continue
        parts = [f"预算指标 {no}", f"功能分类 {i.function_code}"]
        if i.project_code:
            parts.append(f"项目 {i.project_code}")
        parts.append(f"当前指标 {i.current_amount:,.2f}元")
        lines.append("，".join(parts))
    left = len(vouchers) + len(indicators) - len(shown_vouchers) - len(shown_indicators)
    return lines, left


def evidence_numbers(finding: Finding) -> tuple[list[str], list[str]]:
    """The voucher and indicator numbers behind ``finding`` (its ``evidence`` JSON), as strings."""
    evidence = finding.evidence if isinstance(finding.evidence, Mapping) else {}

    def numbers(key: str) -> list[str]:
        items = evidence.get(key) or []
        if not isinstance(items, list | tuple):
            items = [items]
        out: list[str] = []
        for item in items:
            if isinstance(item, Mapping):
                item = (
                    item.get("no") or item.get("number") or item.get("voucher_no") or item.get("indicator_no")
                )
            if item not in (None, "") and str(item) not in out:
                out.append(str(item))
        return out

    return numbers("vouchers"), numbers("indicators")


def inquiry_draft(*, actor: User, finding: Finding, today: dt.date | None = None) -> InquiryDraft:
    """The inquiry letter drafted from the template: recipient, body, reply due date and number."""
    require(actor, "budget.act_on_finding", finding)
    today = today or timezone.localdate()
    recipient = unit_name(finding.unit_code)
    reply_due = add_working_days(today, int(param("REPLY_WORKING_DAYS")))
    lines, left = _evidence_lines(finding)
    with translation.override("zh-hans"):
        name = str(rule_name(finding.rule_code))
    body = render_to_string(
        "budget/findings/letter_body.txt",
        {
            "recipient": recipient or finding.unit_code or "有关单位",
            "finding": finding,
            "rule_name": name,
            "lines": lines,
            "left": left,
            "reply_due": reply_due,
            "committee": committee_name(),
        },
    ).strip()
    return InquiryDraft(
        recipient=recipient, body=body, reply_due=reply_due, number=next_letter_number(today.year)
    )


def letter_title(finding: Finding) -> str:
    with translation.override("zh-hans"):
        return f"关于核实{rule_name(finding.rule_code)}有关情况的函"


# --- the acts -----------------------------------------------------------------------------------


@service
def finding_assign(*, actor: User, finding: Finding, assignee: User, note: str = "") -> Finding:
    """指派: give the finding to a budget staff member (or an administrator) to handle."""
    _begin(actor, finding)
    open_states = set(FINDING.transitions) - FINAL_STATES
    with FINDING.step(finding, actor=actor, action="assign", when=open_states) as step:
        if not _valid_assignee(assignee):
            raise ValidationError(
                {
                    "assignee": [
                        _("A finding can only be assigned to budget committee staff or an administrator.")
                    ]
                },
                code="bad_assignee",
            )
        finding.assignee = assignee
        step.note = _("Assigned to %(name)s") % {"name": assignee.display_name} + (
            pgettext("label colon", ": ") + note.strip() if note.strip() else ""
        )
    return finding


@service
def finding_verify(*, actor: User, finding: Finding, note: str = "") -> Finding:
    """开始核实 (新发现 → 核实中); the finding is assigned to the actor if nobody has it yet."""
    _begin(actor, finding)
    with FINDING.step(finding, actor=actor, action="verify", when={State.NEW}, to=State.VERIFYING) as step:
        if finding.assignee_id is None and _valid_assignee(actor):
            finding.assignee = actor
        step.note = note.strip()
    return finding


@service
def finding_inquire(
    *,
    actor: User,
    finding: Finding,
    body: str | None = None,
    recipient: str | None = None,
    reply_due: dt.date | None = None,
    organisation: Organisation | None = None,
) -> Inquiry:
    """函询 (核实中 → 已函询): number and send the letter; its body is the template's unless edited.

    ``organisation``: the unit whose clerks answer it online (their workbench lists it); without one
    the letter goes on paper only and the staff record the reply."""
    _begin(actor, finding)
    if organisation is not None and (
        not organisation.is_active or organisation.kind == Organisation.Kind.CONGRESS
    ):
        raise ValidationError(
            {"organisation": [_("Choose an active government unit to answer online.")]}, code="bad_unit"
        )
    with FINDING.step(
        finding, actor=actor, action="inquire", when={State.VERIFYING}, to=State.INQUIRED
    ) as step:
        today = timezone.localdate()
        draft = inquiry_draft(actor=actor, finding=finding, today=today)
        recipient = (recipient if recipient is not None else draft.recipient).strip()
        if not recipient:
            raise ValidationError({"recipient": [_("Write to whom the letter goes.")]}, code="no_recipient")
        if len(recipient) > 200:
            raise ValidationError({"recipient": [_("The recipient is longer than 200 characters.")]})
        text = (
            draft.body
            if body is None
            else _text(body, field="body", message=_("Write the letter."), limit=20000)
        )
        due = reply_due or draft.reply_due
        if due <= today:
            raise ValidationError(
                {"reply_due": [_("The reply due date must be after today.")]}, code="due_past"
            )
        _lock_numbering(today.year)
        inquiry = Inquiry.objects.create(
            finding=finding,
            number=next_letter_number(today.year),
            recipient=recipient,
            body=text,
            reply_due=due,
            sent_by=_actor(actor),
            organisation=organisation,
        )
        step.note = _("Letter %(number)s sent (to %(recipient)s), reply due by %(date)s") % {
            "number": inquiry.number,
            "recipient": recipient,
            "date": pgettext("date in a sentence", "%(year)s-%(month)s-%(day)s")
            % {"year": due.year, "month": due.month, "day": due.day},
        } + (
            _("; %(organisation)s answers online") % {"organisation": organisation.name}
            if organisation
            else ""
        )
        step.audit_after = {
            "inquiry": inquiry.number,
            "reply_due": due,
            "organisation": organisation.name if organisation is not None else "",
        }
    if organisation is not None:
        notify_inquiry_sent(inquiry)
    return inquiry


@service
def finding_record_reply(
    *,
    actor: User,
    finding: Finding,
    outcome: str,
    reply_text: str,
    reply_file: UploadedFile | None = None,
    replied_on: dt.date | None = None,
) -> Finding:
    """复函 (已函询 → 已说明 / 已整改): the unit's reply and its scanned letter.

    From 核实中 (no letter sent: the unit explained or put it right on being asked), the reply is
    recorded on the step itself.
    """
    _begin(actor, finding)
    if outcome not in REPLY_OUTCOMES:
        raise ValidationError({"outcome": [_("Choose whether the unit explained or rectified it.")]})
    with FINDING.step(
        finding, actor=actor, action="reply", when={State.INQUIRED, State.VERIFYING}, to=outcome
    ) as step:
        text = _text(reply_text, field="reply_text", message=_("Write what the unit replied."))
        today = timezone.localdate()
        replied_on = replied_on or today
        if replied_on > today:
            raise ValidationError(
                {"replied_on": [_("The reply date cannot be in the future.")]}, code="future"
            )
        if reply_file is not None:
            validate_upload(reply_file, field="reply_file")
        inquiry = None
        if finding.state == State.INQUIRED:
            inquiry = finding.inquiries.filter(replied_on__isnull=True).order_by("-sent_at", "-id").first()
            if inquiry is None:  # every letter already has its reply: the table would have moved on
                raise FINDING.wrong_state(finding, outcome)
            if replied_on < timezone.localtime(inquiry.sent_at).date():
                raise ValidationError(
                    {"replied_on": [_("The reply date is before the letter was sent.")]},
                    code="before_letter",
                )
            inquiry.reply_text = text
            inquiry.replied_on = replied_on
            if reply_file is not None:
                inquiry.reply_file_name = _original_name(reply_file)
                inquiry.reply_file.save(_stored_name(finding, reply_file), reply_file, save=False)
            inquiry.save(update_fields=["reply_text", "replied_on", "reply_file", "reply_file_name"])
            step.note = _("Reply of %(recipient)s received (%(date)s, %(number)s): %(text)s") % {
                "recipient": inquiry.recipient,
                "date": f"{replied_on:%Y-%m-%d}",
                "number": inquiry.number,
                "text": text,
            }
        else:
            step.note = _("The unit's explanation (%(date)s): %(text)s") % {
                "date": f"{replied_on:%Y-%m-%d}",
                "text": text,
            }
            step.prepare = _attach(reply_file, finding)
        step.audit_after = {
            "inquiry": inquiry.number if inquiry else "",
            "replied_on": replied_on,
            "reply_file": _original_name(reply_file) if reply_file is not None else "",
        }
    return finding


@service
def finding_close(
    *, actor: User, finding: Finding, note: str, attachment: UploadedFile | None = None
) -> Finding:
    """销号 (已说明 / 已整改 → 已销号), with a note and, optionally, a supporting file."""
    _begin(actor, finding)
    with FINDING.step(finding, actor=actor, action="close", to=State.CLOSED) as step:
        step.note = _text(note, field="note", message=_("Write why the finding can be closed."))
        if attachment is not None:
            validate_upload(attachment, field="attachment")
        step.prepare = _attach(attachment, finding)
    return finding


@service
def finding_mark_false_positive(*, actor: User, finding: Finding, reason: str) -> Finding:
    """误报: the rule fired on something that is in order; the reason is required (it tunes the rule)."""
    _begin(actor, finding)
    with FINDING.step(finding, actor=actor, action="false_positive", to=State.FALSE_POSITIVE) as step:
        step.note = _text(reason, field="reason", message=_("Write why this is a false positive."))
        step.audit_note = step.note[:500]
    return finding


@service
def finding_reopen(*, actor: User, finding: Finding, reason: str) -> Finding:
    """重新核实 (已说明 / 已整改 → 核实中; 已销号 / 误报 → 核实中 by an administrator), with a reason."""
    _begin(actor, finding)
    reopenable = {State.EXPLAINED, State.RECTIFIED, State.CLOSED, State.FALSE_POSITIVE}
    with FINDING.step(finding, actor=actor, action="reopen", when=reopenable, to=State.VERIFYING) as step:
        step.note = _text(reason, field="reason", message=_("Write why the finding is reopened."))
        step.audit_note = step.note[:500]
    return finding
