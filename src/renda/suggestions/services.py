"""代表建议办理: every write on suggestions, one service per act, on the core workflow kernel.

The states and their allowed moves are declared once in :mod:`renda.suggestions.workflow`. A service
checks permission first (``require``; refusals are audited by ``@service``), then runs its act
through ``SUGGESTION.step``, which locks the row and checks the state (a move the table does not
allow raises :class:`renda.core.workflow.WrongState` and changes nothing), lets the service check
its data and change the suggestion, then writes one append-only :class:`Event` and one audit row;
the service then notifies the people involved.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from renda.accounts.models import Organisation, Role, User
from renda.core.audit import audit, snapshot
from renda.core.permissions import require, service
from renda.core.public_cache import public_content_changed
from renda.core.redaction import redact_personal_data
from renda.core.uploads import upload_check
from renda.core.words import Words, render, say
from renda.core.workflow import WorkflowEvent
from renda.deputies.models import Deputy, Term
from renda.deputies.models.archive import Kind as ArchiveKind
from renda.deputies.models.archive import Section as ArchiveSection
from renda.deputies.selectors import seat_ids_of, seat_of
from renda.deputies.services.archive import archive_record_automatic, archive_withdraw_automatic
from renda.notifications.selectors import notified_recently
from renda.notifications.services import notify as notify_centre
from renda.suggestions.deadlines import month_deadline, working_day_deadline
from renda.suggestions.letters import clean_contact_phone, letter_body
from renda.suggestions.models import (
    OPEN_HANDLING_STATES,
    Assignment,
    Attachment,
    Chase,
    Commitment,
    Contact,
    CoSign,
    Evaluation,
    Event,
    ExtensionRequest,
    Reply,
    ReplyClass,
    Satisfaction,
    SealPosition,
    Session,
    State,
    Suggestion,
    SuggestionCategory,
)
from renda.suggestions.params import param
from renda.suggestions.workflow import (
    CONTACT_STATES,
    COSIGN_STATES,
    EDITABLE_STATES,
    KEY_STATES,
    PUBLISHABLE_STATES,
    SUGGESTION,
)

logger = logging.getLogger("renda.suggestions")


# --- notifications ----------------------------------------------------------------------------


def office_staff() -> list[User]:
    codes = list(param("OFFICE_ORGANISATION_CODES"))
    q = Q(organisation__code__in=codes)
    for word in param("OFFICE_NAME_WORDS"):
        q |= Q(organisation__name__contains=word) | Q(organisation__short_name__contains=word)
    return list(User.objects.filter(q, role=Role.STAFF, is_active=True))


def involved_users(
    suggestion: Suggestion, *, deputies: bool = True, units: bool = True, staff: bool = False
) -> list[User]:
    users: list[User] = []
    if deputies:
        users += list(User.objects.filter(deputy_person__seats__pk=suggestion.deputy_id, is_active=True))
        users += list(
            User.objects.filter(
                deputy_person__seats__cosigns__suggestion=suggestion,
                deputy_person__seats__cosigns__signed_at__isnull=False,
                is_active=True,
            )
        )
    if units:
        unit_ids = suggestion.assignments.filter(ended_at__isnull=True).values("unit_id")
        users += list(
            User.objects.filter(role=Role.UNIT_HANDLER, organisation_id__in=unit_ids, is_active=True)
        )
    if staff:
        users += office_staff()
    seen: dict[int, User] = {u.pk: u for u in users}
    return list(seen.values())


def notify(
    users: Iterable[User], suggestion: Suggestion, kind: str, text: Words, *, dedup_key: str | None = None
) -> None:
    """Tell ``users`` about ``suggestion`` through the notification centre (kind ``suggestion.<kind>``,
    declared in ``notices.py``), once this transaction commits."""
    notify_centre(
        kind=f"suggestion.{kind}",
        recipients=users,
        text=text,
        link=reverse("suggestions:detail", args=[suggestion.pk]),
        obj=suggestion,
        dedup_key=dedup_key,
    )


def _reminded(suggestion: Suggestion, kind: str, dedup_key: str | None = None) -> bool:
    """Whether the reminder ``kind`` about ``suggestion`` went out within the dedup window."""
    return notified_recently(kind=f"suggestion.{kind}", obj=suggestion, dedup_key=dedup_key)


# --- uploads ---------------------------------------------------------------------------------


def validate_upload(upload: UploadedFile) -> str:
    """The file's extension if its type and size are allowed; else a ValidationError."""
    return upload_check(
        upload, extensions=param("ATTACHMENT_EXTENSIONS"), max_bytes=param("ATTACHMENT_MAX_BYTES")
    )


def _validate_uploads(files: Sequence[UploadedFile]) -> None:
    if len(files) > param("ATTACHMENT_MAX_FILES"):
        raise ValidationError(
            _("Attach at most %(n)s files.") % {"n": param("ATTACHMENT_MAX_FILES")}, code="too_many_files"
        )
    for upload in files:
        validate_upload(upload)


def _store(
    suggestion: Suggestion,
    upload: UploadedFile,
    *,
    purpose: str,
    actor: User,
    event: WorkflowEvent | None = None,
) -> Attachment:
    """Keep ``upload`` as an attachment of ``suggestion``, linked to the timeline ``event`` (an Event)."""
    name = PurePath(upload.name or "file").name[:150]
    attachment = Attachment(
        suggestion=suggestion,
        purpose=purpose,
        event=cast(Event | None, event),
        name=name,
        size=upload.size or 0,
        content_type=(getattr(upload, "content_type", "") or "application/octet-stream")[:100],
        uploaded_by=actor,
    )
    ext = name.rsplit(".", 1)[-1].lower()
    # The stored name is random: the person's file name never becomes a path on disk.
    attachment.file.save(f"{timezone.now():%Y%m%d%H%M%S}-{suggestion.pk}.{ext}", upload, save=False)
    attachment.save()
    return attachment


# --- drafting (deputies) -----------------------------------------------------------------------


def _clean_text(title: str, content: str) -> tuple[str, str]:
    title, content = (title or "").strip(), (content or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Write a title.")]
    elif len(title) > param("TITLE_MAX"):
        errors["title"] = [_("The title is longer than %(n)s characters.") % {"n": param("TITLE_MAX")}]
    if not content:
        errors["content"] = [_("Write the content of the suggestion.")]
    elif len(content) < param("CONTENT_MIN"):
        errors["content"] = [
            _("The content is too short (at least %(n)s characters).") % {"n": param("CONTENT_MIN")}
        ]
    elif len(content) > param("CONTENT_MAX"):
        errors["content"] = [_("The content is longer than %(n)s characters.") % {"n": param("CONTENT_MAX")}]
    if errors:
        raise ValidationError(errors)
    return title, content


def _set_invitations(suggestion: Suggestion, cosigners: Sequence[Deputy]) -> None:
    wanted = {d.pk for d in cosigners if d.pk != suggestion.deputy_id}
    suggestion.cosigns.exclude(deputy_id__in=wanted).filter(signed_at__isnull=True).delete()
    have = set(suggestion.cosigns.values_list("deputy_id", flat=True))
    CoSign.objects.bulk_create([CoSign(suggestion=suggestion, deputy_id=pk) for pk in wanted - have])


@service
def suggestion_create(
    *,
    actor: User,
    title: str,
    content: str,
    category: SuggestionCategory,
    cosigners: Sequence[Deputy] = (),
    files: Sequence[UploadedFile] = (),
) -> Suggestion:
    """起草: a deputy's new draft, with invited co-signers and attachments."""
    require(actor, "suggestions.create")
    title, content = _clean_text(title, content)
    _validate_uploads(files)
    suggestion = Suggestion(
        deputy=seat_of(actor), state=State.DRAFT, session=session_for(timezone.localdate())
    )
    with SUGGESTION.step(suggestion, actor=actor, action="create", when={State.DRAFT}) as step:
        suggestion.title, suggestion.content, suggestion.category = title, content, category
    _set_invitations(suggestion, cosigners)
    for upload in files:
        _store(suggestion, upload, purpose=Attachment.Purpose.SUGGESTION, actor=actor, event=step.recorded)
    invited = User.objects.filter(
        deputy_person__seats__in=[d for d in cosigners if d.pk != suggestion.deputy_id]
    ).distinct()
    notify(
        invited,
        suggestion,
        "invite",
        say(gettext_noop("%(name)s invites you to co-sign “%(title)s”."), name=actor, title=title),
    )
    return suggestion


@service
def suggestion_update(
    *,
    actor: User,
    suggestion: Suggestion,
    title: str,
    content: str,
    category: SuggestionCategory,
    cosigners: Sequence[Deputy] = (),
    files: Sequence[UploadedFile] = (),
) -> Suggestion:
    """修改: the lead deputy edits a draft or a suggestion returned for revision."""
    require(actor, "suggestions.edit", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="update", when=EDITABLE_STATES) as step:
        title, content = _clean_text(title, content)
        _validate_uploads(files)
        stored = suggestion.attachments.filter(purpose=Attachment.Purpose.SUGGESTION).count()
        if stored + len(files) > param("ATTACHMENT_MAX_FILES"):
            raise ValidationError(_("Attach at most %(n)s files.") % {"n": param("ATTACHMENT_MAX_FILES")})
        suggestion.title, suggestion.content, suggestion.category = title, content, category
        _set_invitations(suggestion, cosigners)
    for upload in files:
        _store(suggestion, upload, purpose=Attachment.Purpose.SUGGESTION, actor=actor, event=step.recorded)
    return suggestion


@service
def suggestion_cosign(*, actor: User, suggestion: Suggestion) -> CoSign:
    """附议: an invited deputy agrees to co-sign (before the suggestion is registered)."""
    require(actor, "suggestions.cosign", suggestion)
    SUGGESTION.lock(suggestion)
    SUGGESTION.require_state(suggestion, *COSIGN_STATES)
    cosign = suggestion.cosigns.get(deputy_id__in=seat_ids_of(actor))
    if cosign.signed_at is not None:  # signed already: nothing to do, nothing to record
        return cosign
    with SUGGESTION.step(suggestion, actor=actor, action="cosign", when=COSIGN_STATES, lock=False) as step:
        cosign.signed_at = timezone.now()
        cosign.save(update_fields=["signed_at"])
        step.audit_after = {"cosigner": cosign.deputy_id}
    archive_record_automatic(
        seat=cosign.deputy,
        kind=ArchiveKind.SUGGESTION_COSIGNED,
        section=ArchiveSection.SUGGESTIONS,
        date=timezone.localdate(cosign.signed_at),
        title=suggestion.title,
        source=suggestion,
    )
    return cosign


@service
def suggestion_submit(*, actor: User, suggestion: Suggestion) -> Suggestion:
    """草稿 → 已提交 (also a suggestion returned for revision)."""
    require(actor, "suggestions.submit", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="submit", to=State.SUBMITTED):
        _clean_text(suggestion.title, suggestion.content)
        suggestion.submitted_at = timezone.now()
    archive_record_automatic(
        seat=suggestion.deputy,
        kind=ArchiveKind.SUGGESTION_SUBMITTED,
        section=ArchiveSection.SUGGESTIONS,
        date=timezone.localdate(suggestion.submitted_at),
        title=suggestion.title,
        source=suggestion,
    )
    notify(
        office_staff(),
        suggestion,
        "submitted",
        say(gettext_noop("New suggestion to review: “%(title)s”."), title=suggestion.title),
    )
    return suggestion


@service
def suggestion_withdraw(*, actor: User, suggestion: Suggestion, reason: str = "") -> Suggestion:
    """撤回: the lead deputy takes a submitted suggestion back (before it is registered) as a draft,
    to revise and submit again or to delete; the office no longer sees it."""
    require(actor, "suggestions.withdraw", suggestion)
    reason = (reason or "").strip()[:500]
    with SUGGESTION.step(suggestion, actor=actor, action="withdraw", to=State.DRAFT, note=reason) as step:
        suggestion.submitted_at = None
        step.audit_note = reason
    # 撤回: what the archive recorded of it (submitted, co-signed) no longer stands.
    archive_withdraw_automatic(source=suggestion)
    notify(
        office_staff(),
        suggestion,
        "withdrawn",
        say(
            gettext_noop("The deputy withdrew “%(title)s” before it was registered."), title=suggestion.title
        ),
    )
    return suggestion


@service
def suggestion_delete(*, actor: User, suggestion: Suggestion) -> None:
    """删除草稿: the lead deputy deletes their own draft (never submitted, or withdrawn); its history
    and attachments go with it, the audit log keeps who deleted what and when."""
    require(actor, "suggestions.delete", suggestion)
    SUGGESTION.lock(suggestion)
    SUGGESTION.require_state(suggestion, State.DRAFT)
    before = snapshot(suggestion, ("state", "title", "category_id", "deputy_id", "session_id"))
    files = [str(a.file.name) for a in suggestion.attachments.all() if a.file]
    audit(actor, "suggestions.delete", suggestion, before=before, note=suggestion.title[:200])
    suggestion.delete()
    if files:

        def remove() -> None:
            from django.core.files.storage import default_storage

            for name in files:
                default_storage.delete(name)

        transaction.on_commit(remove)


# --- review (the deputy affairs office) -----------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("The reason is longer than 500 characters.")]})
    return reason


def _review_with_reason(
    *, actor: User, suggestion: Suggestion, to: str, action: str, reason: str, message: str
) -> Suggestion:
    """The office decides not to register a suggestion now (退回修改 or 转为意见), giving a reason."""
    require(actor, "suggestions.review", suggestion)
    reason = _reason(reason)
    with SUGGESTION.step(suggestion, actor=actor, action=action, to=to, note=reason) as step:
        suggestion.review_note = reason
        step.audit_note = reason
    notify(
        involved_users(suggestion, units=False),
        suggestion,
        "returned" if to == State.RETURNED else "converted",
        say(message, title=suggestion.title, reason=reason),
    )
    return suggestion


@service
def suggestion_return(*, actor: User, suggestion: Suggestion, reason: str) -> Suggestion:
    """退回修改: back to the deputy with a reason."""
    return _review_with_reason(
        actor=actor,
        suggestion=suggestion,
        to=State.RETURNED,
        action="return",
        reason=reason,
        message=gettext_noop("“%(title)s” was returned for revision: %(reason)s"),
    )


@service
def suggestion_convert(*, actor: User, suggestion: Suggestion, reason: str) -> Suggestion:
    """转为意见: not registered as a suggestion, with a reason."""
    return _review_with_reason(
        actor=actor,
        suggestion=suggestion,
        to=State.CONVERTED,
        action="convert",
        reason=reason,
        message=gettext_noop("“%(title)s” was handled as an opinion: %(reason)s"),
    )


def format_number(year: int, seq: int, session: Session | None = None) -> str:
    """The registered number: ``NUMBER_PATTERN`` ({year}, {seq}) without a session, else
    ``SESSION_NUMBER_PATTERN`` ({term}, {session}, {kind}: 大会/闭会, {year}, {seq})."""
    if session is None:
        return str(param("NUMBER_PATTERN")).format(year=year, seq=seq)
    return str(param("SESSION_NUMBER_PATTERN")).format(
        year=year,
        seq=seq,
        term=session.term.number,
        session=session.number,
        kind="大会" if session.kind == Session.Kind.PLENARY else "闭会",
    )


def session_for(on: dt.date) -> Session | None:
    """The session period a suggestion written on ``on`` belongs to (none when none is recorded)."""
    return (
        Session.objects.select_related("term")
        .filter(start_date__lte=on, end_date__gte=on)
        .order_by("-start_date", "-id")
        .first()
    )


@service
def suggestion_register(
    *,
    actor: User,
    suggestion: Suggestion,
    category: SuggestionCategory | None = None,
    session: Session | None = None,
) -> Suggestion:
    """立案: give the suggestion its number — per session (``SESSION_NUMBER_PATTERN``) when it belongs
    to one, else per year (``NUMBER_PATTERN``). ``session`` corrects the session it belongs to."""
    require(actor, "suggestions.review", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="register", to=State.REGISTERED):
        year = timezone.localdate().year
        if session is not None:
            suggestion.session = session
        if suggestion.session_id is not None:
            peers = Suggestion.objects.filter(session_id=suggestion.session_id)
        else:
            peers = Suggestion.objects.filter(year=year, session__isnull=True)
        last = peers.aggregate(m=Max("seq"))["m"] or 0
        suggestion.year, suggestion.seq = year, last + 1
        suggestion.number = format_number(year, last + 1, suggestion.session)
        suggestion.registered_at = timezone.now()
        if category is not None:
            suggestion.category = category
    notify(
        involved_users(suggestion, units=False),
        suggestion,
        "registered",
        say(
            gettext_noop("“%(title)s” was registered as suggestion %(number)s."),
            title=suggestion.title,
            number=suggestion.number,
        ),
    )
    return suggestion


@service
def suggestion_merge(*, actor: User, suggestion: Suggestion, into: Suggestion, note: str = "") -> Suggestion:
    """合并: a duplicate joins another suggestion; its deputies become co-signers there."""
    require(actor, "suggestions.review", suggestion)
    require(actor, "suggestions.review", into)
    if into.pk == suggestion.pk:
        raise ValidationError(_("A suggestion cannot be merged into itself."))
    if into.state in (State.DRAFT, State.RETURNED, State.CONVERTED, State.MERGED):
        raise ValidationError(_("Merge only into a submitted or registered suggestion."))
    words = note.strip() or say(gettext_noop("Merged into %(target)s."), target=str(into))
    text = render(words)
    with SUGGESTION.step(suggestion, actor=actor, action="merge", to=State.MERGED, note=text) as step:
        suggestion.merged_into = into
        step.audit_note = f"into={into.pk}"
    now = timezone.now()
    deputies = [
        suggestion.deputy_id,
        *suggestion.cosigns.filter(signed_at__isnull=False).values_list("deputy_id", flat=True),
    ]
    for deputy_id in deputies:
        if deputy_id != into.deputy_id:
            CoSign.objects.update_or_create(suggestion=into, deputy_id=deputy_id, defaults={"signed_at": now})
    # The other suggestion's timeline notes the duplicate (a row on it, not an act of its own).
    SUGGESTION.record(
        into, actor=actor, action="absorb", note=_("Merged with %(other)s.") % {"other": suggestion}
    )
    notify(involved_users(suggestion, units=False), suggestion, "merged", words)
    return suggestion


# --- assignment (交办) ----------------------------------------------------------------------


def _new_assignment(suggestion: Suggestion, unit: Organisation, role: str, on: dt.date) -> Assignment:
    return Assignment.objects.create(
        suggestion=suggestion,
        unit=unit,
        role=role,
        assigned_on=on,
        accept_due=working_day_deadline(on, param("ACCEPT_WORKING_DAYS")),
        opinion_due=month_deadline(on, param("CO_OPINION_MONTHS")) if role == Assignment.Role.CO else None,
    )


def compute_reply_due(suggestion: Suggestion) -> dt.date | None:
    """The lead unit's reply deadline from the kept anchors, on the current calendar."""
    if suggestion.rounds > 1 and suggestion.round_started_on:
        return month_deadline(
            suggestion.round_started_on, param("ROUND_MONTHS") + suggestion.extension_months
        )
    if suggestion.assigned_on:
        return month_deadline(suggestion.assigned_on, param("REPLY_MONTHS") + suggestion.extension_months)
    return None


def _check_units(lead: Organisation, co_units: Sequence[Organisation]) -> list[Organisation]:
    co = [u for u in dict.fromkeys(co_units) if u.pk != lead.pk]
    for unit in (lead, *co):
        if not unit.is_active:
            raise ValidationError(_("%(unit)s is not active.") % {"unit": unit})
    return co


@service
def suggestion_assign(
    *,
    actor: User,
    suggestion: Suggestion,
    lead: Organisation,
    co_units: Sequence[Organisation] = (),
    note: str = "",
) -> Suggestion:
    """交办: one lead unit (主办) and optional co-units (协办); the deadlines start today."""
    require(actor, "suggestions.assign", suggestion)
    co = _check_units(lead, co_units)
    names = pgettext("list separator", ", ").join(u.name for u in co)
    text = note.strip() or (
        _("Lead: %(lead)s") % {"lead": lead.name}
        + (("; " + _("Co-handling: %(co)s") % {"co": names}) if co else "")
    )
    with SUGGESTION.step(suggestion, actor=actor, action="assign", to=State.ASSIGNED, note=text) as step:
        today = timezone.localdate()
        suggestion.assigned_on = today
        suggestion.round_started_on = today
        suggestion.rounds = 1
        suggestion.extension_months = 0
        suggestion.reply_due = compute_reply_due(suggestion)
        _new_assignment(suggestion, lead, Assignment.Role.LEAD, today)
        for unit in co:
            _new_assignment(suggestion, unit, Assignment.Role.CO, today)
        step.audit_after = {"lead": lead.pk, "co": [u.pk for u in co]}
    notify(
        involved_users(suggestion),
        suggestion,
        "assigned",
        say(
            gettext_noop("Suggestion %(number)s “%(title)s” has been assigned; the reply is due on %(due)s."),
            number=suggestion.number,
            title=suggestion.title,
            due=suggestion.reply_due,
        ),
    )
    return suggestion


@service
def assignment_accept(*, actor: User, assignment: Assignment) -> Assignment:
    """签收: the unit accepts its assignment; the lead unit's acceptance starts 办理中."""
    require(actor, "suggestions.accept", assignment)
    if not assignment.is_current or assignment.accepted_at is not None:
        raise ValidationError(_("This assignment has already been accepted or replaced."))
    with SUGGESTION.step(
        assignment.suggestion,
        actor=actor,
        action="accept",
        when=OPEN_HANDLING_STATES,
        to=State.IN_PROGRESS if assignment.role == Assignment.Role.LEAD else None,
        note=assignment.unit.name,
    ) as step:
        assignment.accepted_at = timezone.now()
        assignment.save(update_fields=["accepted_at", "updated_at"])
        step.audit_note = f"assignment={assignment.pk}"
    return assignment


@service
def assignment_request_release(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """申请退回/调整: the unit asks to be replaced (before it accepted)."""
    require(actor, "suggestions.request_release", assignment)
    suggestion = assignment.suggestion
    with SUGGESTION.step(
        suggestion, actor=actor, action="request_release", when=OPEN_HANDLING_STATES
    ) as step:
        if not assignment.is_current or assignment.accepted_at is not None:
            raise ValidationError(_("Only an assignment not yet accepted can be handed back."))
        reason = _reason(reason)
        assignment.release_requested_at = timezone.now()
        assignment.release_reason = reason
        assignment.save(update_fields=["release_requested_at", "release_reason", "updated_at"])
        step.note = f"{assignment.unit.name}: {reason}"
        step.audit_note = reason
    notify(
        office_staff(),
        suggestion,
        "release_requested",
        say(
            gettext_noop("%(unit)s asks to be replaced on %(number)s: %(reason)s"),
            unit=assignment.unit.name,
            number=suggestion.number,
            reason=reason,
        ),
    )
    return assignment


@service
def assignment_reassign(
    *, actor: User, assignment: Assignment, unit: Organisation, note: str = ""
) -> Assignment:
    """调整承办单位: staff replace a unit that asked to be replaced (or never accepted)."""
    require(actor, "suggestions.assign", assignment.suggestion)
    suggestion = assignment.suggestion
    with SUGGESTION.step(suggestion, actor=actor, action="reassign", when=OPEN_HANDLING_STATES) as step:
        if not assignment.is_current or assignment.accepted_at is not None:
            raise ValidationError(_("Only an assignment not yet accepted can be replaced."))
        if assignment.role == Assignment.Role.LEAD and suggestion.state != State.ASSIGNED:
            raise SUGGESTION.wrong_state(suggestion)
        if suggestion.assignments.filter(unit=unit, ended_at__isnull=True).exists():
            raise ValidationError(_("%(unit)s already handles this suggestion.") % {"unit": unit})
        _check_units(unit, ())
        today = timezone.localdate()
        assignment.ended_at = timezone.now()
        assignment.save(update_fields=["ended_at", "updated_at"])
        new = _new_assignment(suggestion, unit, assignment.role, today)
        if assignment.role == Assignment.Role.LEAD:
            # The reply deadline starts again for the new lead unit.
            suggestion.assigned_on = suggestion.round_started_on = today
            suggestion.reply_due = compute_reply_due(suggestion)
        words = note.strip() or say(
            gettext_noop("%(old)s replaced by %(new)s"), old=assignment.unit.name, new=unit.name
        )
        step.note = step.audit_note = render(words)
    notify(involved_users(suggestion), suggestion, "reassigned", words)
    return new


@service
def assignment_send_opinion(*, actor: User, assignment: Assignment, text: str) -> Assignment:
    """协办意见: a co-unit sends its opinion to the lead unit."""
    require(actor, "suggestions.send_opinion", assignment)
    suggestion = assignment.suggestion
    with SUGGESTION.step(
        suggestion, actor=actor, action="opinion", audit_action="send_opinion", when=OPEN_HANDLING_STATES
    ) as step:
        if assignment.role != Assignment.Role.CO or not assignment.is_current:
            raise ValidationError(_("Only a co-handling unit sends an opinion to the lead unit."))
        text = (text or "").strip()
        if not text:
            raise ValidationError({"text": [_("Write the opinion.")]})
        if assignment.accepted_at is None:
            assignment.accepted_at = timezone.now()
        assignment.opinion, assignment.opinion_at = text[:5000], timezone.now()
        assignment.save(update_fields=["opinion", "opinion_at", "accepted_at", "updated_at"])
        step.note = f"{assignment.unit.name}: {text[:500]}"
        step.audit_note = f"assignment={assignment.pk}"
    lead = suggestion.assignments.filter(role=Assignment.Role.LEAD, ended_at__isnull=True).first()
    if lead:
        clerks = User.objects.filter(role=Role.UNIT_HANDLER, organisation=lead.unit, is_active=True)
        notify(
            clerks,
            suggestion,
            "opinion_sent",
            say(
                gettext_noop("%(unit)s sent its opinion on %(number)s."),
                unit=assignment.unit.name,
                number=suggestion.number,
            ),
        )
    return assignment


def awaited_opinions(suggestion: Suggestion) -> list[Assignment]:
    """The current co-units whose opinion the lead unit's reply still waits for."""
    return list(
        suggestion.assignments.filter(
            role=Assignment.Role.CO,
            ended_at__isnull=True,
            opinion_at__isnull=True,
            opinion_waived_at__isnull=True,
        ).select_related("unit")
    )


@service
def assignment_waive_opinion(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """不待协办意见: the office lets the lead unit reply without a co-unit's opinion, with a reason.

    Only for a co-unit whose opinion is overdue or that asked to be replaced; the decision, its
    reason and who took it are kept on the assignment, the timeline and the audit log.
    """
    require(actor, "suggestions.waive_opinion", assignment.suggestion)
    suggestion = assignment.suggestion
    with SUGGESTION.step(suggestion, actor=actor, action="waive_opinion", when=OPEN_HANDLING_STATES) as step:
        assignment.refresh_from_db()
        if not assignment.opinion_awaited:
            raise ValidationError(_("This co-handling unit's opinion is not awaited."))
        if not (assignment.opinion_overdue or assignment.release_requested_at):
            raise ValidationError(
                _(
                    "%(unit)s still has until %(due)s to send its opinion; the office can decide to proceed"
                    " without it once it is overdue or the unit asks to be replaced."
                )
                % {"unit": assignment.unit.name, "due": assignment.opinion_due}
            )
        reason = _reason(reason)
        assignment.opinion_waived_at = timezone.now()
        assignment.opinion_waived_reason = reason
        assignment.opinion_waived_by = actor
        assignment.save(
            update_fields=["opinion_waived_at", "opinion_waived_reason", "opinion_waived_by", "updated_at"]
        )
        step.note = f"{assignment.unit.name}: {reason}"
        step.audit_note = reason
        step.audit_after = {"assignment": assignment.pk, "unit": assignment.unit_id}
    notify(
        involved_users(suggestion, deputies=False),
        suggestion,
        "opinion_waived",
        say(
            gettext_noop("%(number)s: the lead unit may reply without the opinion of %(unit)s (%(reason)s)."),
            number=suggestion.number,
            unit=assignment.unit.name,
            reason=reason,
        ),
    )
    return assignment


# --- handling (办理中) ---------------------------------------------------------------------------


@service
def contact_record(*, actor: User, suggestion: Suggestion, date: dt.date, way: str, summary: str) -> Contact:
    """沟通记录: the unit's contact with the deputy."""
    require(actor, "suggestions.record_contact", suggestion)
    with SUGGESTION.step(
        suggestion, actor=actor, action="contact", audit_action="record_contact", when=CONTACT_STATES
    ) as step:
        summary = (summary or "").strip()
        if not summary:
            raise ValidationError({"summary": [_("Write what was discussed.")]})
        if way not in Contact.Way.values:
            raise ValidationError({"way": [_("Choose how you were in contact.")]})
        if date > timezone.localdate():
            raise ValidationError({"date": [_("The date is in the future.")]})
        mine = suggestion.assignments.select_related("unit").get(
            unit_id=actor.organisation_id, ended_at__isnull=True
        )
        contact = Contact.objects.create(
            suggestion=suggestion,
            unit=mine.unit,
            date=date,
            way=way,
            summary=summary[:5000],
            recorded_by=actor,
        )
        step.note = f"{date:%Y-%m-%d} {contact.get_way_display()}: {summary[:300]}"
        step.audit_after = {"date": date, "way": way}
    return contact


@service
def extension_request(*, actor: User, suggestion: Suggestion, months: int, reason: str) -> ExtensionRequest:
    """延期申请 by the lead unit; at most MAX_EXTENSION_MONTHS in all."""
    require(actor, "suggestions.request_extension", suggestion)
    with SUGGESTION.step(
        suggestion, actor=actor, action="request_extension", when={State.IN_PROGRESS}
    ) as step:
        reason = _reason(reason)
        room = param("MAX_EXTENSION_MONTHS") - suggestion.extension_months
        if months < 1 or months > room:
            raise ValidationError(
                {"months": [_("An extension can add at most %(n)s more months.") % {"n": max(room, 0)}]}
            )
        if suggestion.extensions.filter(status=ExtensionRequest.Status.PENDING).exists():
            raise ValidationError(_("An extension request is already waiting for a decision."))
        request = ExtensionRequest.objects.create(
            suggestion=suggestion, months=months, reason=reason, requested_by=actor
        )
        step.note = _("%(n)s months: %(reason)s") % {"n": months, "reason": reason}
        step.audit_after = {"months": months}
    notify(
        office_staff(),
        suggestion,
        "extension_requested",
        say(gettext_noop("Extension requested on %(number)s."), number=suggestion.number),
    )
    return request


@service
def extension_decide(
    *, actor: User, extension: ExtensionRequest, approve: bool, note: str = ""
) -> ExtensionRequest:
    """延期审批 by staff: an approved extension moves the reply deadline."""
    suggestion = extension.suggestion
    require(actor, "suggestions.decide_extension", suggestion)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    with SUGGESTION.step(
        suggestion, actor=actor, action="decide_extension", when={State.IN_PROGRESS}
    ) as step:
        extension.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
        extension.decided_by, extension.decided_at = actor, timezone.now()
        extension.decision_note = note.strip()[:500]
        extension.save()
        if approve:
            if suggestion.extension_months + extension.months > param("MAX_EXTENSION_MONTHS"):
                raise ValidationError(
                    _("An extension can add at most %(n)s more months.")
                    % {"n": param("MAX_EXTENSION_MONTHS") - suggestion.extension_months}
                )
            suggestion.extension_months += extension.months
            suggestion.reply_due = compute_reply_due(suggestion)
        verdict_words = say(gettext_noop("approved") if approve else gettext_noop("rejected"))
        verdict = render(verdict_words)
        step.note = f"{verdict} {extension.decision_note}".strip()
        step.audit_note = str(verdict)
    notify(
        involved_users(suggestion, deputies=False),
        suggestion,
        "extension_decided",
        say(
            gettext_noop("The extension on %(number)s was %(verdict)s; the reply is due on %(due)s."),
            number=suggestion.number,
            verdict=verdict_words,
            due=suggestion.reply_due,
        ),
    )
    return extension


@dataclass(frozen=True)
class CommitmentIn:
    text: str
    due_on: dt.date


@service
def suggestion_reply(
    *,
    actor: User,
    suggestion: Suggestion,
    reply_class: str,
    text: str,
    file: UploadedFile | None = None,
    commitments: Sequence[CommitmentIn] = (),
    contact_person: str = "",
    contact_phone: str = "",
    signer: str = "",
    seal_position: str = SealPosition.OVER_SIGNATURE,
) -> Reply:
    """答复: the lead unit files its reply letter, classed A/B/C/D; B and C carry commitments.

    ``text`` is the letter's body: a salutation, opening, closing or signature the clerk wrote
    anyway is taken off (the letter adds them once). A formal letter names its 联系人, 联系电话
    (checked) and 签发人, and where the seal goes."""
    require(actor, "suggestions.reply", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="reply", to=State.REPLIED) as step:
        awaited = awaited_opinions(suggestion)
        if awaited:
            # 主办 answers for all: it waits for every co-unit's opinion (or the office's decision).
            raise ValidationError(
                _(
                    "The reply waits for the opinion of %(units)s. The deputy affairs office can decide to"
                    " proceed without an overdue opinion."
                )
                % {"units": pgettext("list separator", ", ").join(a.unit.name for a in awaited)},
                code="opinions_awaited",
            )
        errors: dict[str, list[str]] = {}
        if reply_class not in ReplyClass.values:
            errors["reply_class"] = [_("Choose the class of the reply (A, B, C or D).")]
        lead = suggestion.assignments.select_related("unit").get(
            role=Assignment.Role.LEAD, ended_at__isnull=True
        )
        text = letter_body(text, deputy_name=suggestion.deputy.name, unit_name=lead.unit.name)
        if not text:
            errors["text"] = [_("Write the reply.")]
        elif len(text) > param("CONTENT_MAX"):
            errors["text"] = [_("The reply is longer than %(n)s characters.") % {"n": param("CONTENT_MAX")}]
        commitments = [c for c in commitments if c.text.strip()]
        if reply_class in (ReplyClass.B, ReplyClass.C) and not commitments:
            errors["commitments"] = [_("A reply of class B or C must list what is committed and by when.")]
        if any(c.due_on < timezone.localdate() for c in commitments):
            errors["commitments"] = [_("A commitment's due date is in the past.")]
        contact_person, signer = (contact_person or "").strip(), (signer or "").strip()
        if not contact_person or len(contact_person) > 30:
            errors["contact_person"] = [_("Name the contact person for the letter (at most 30 characters).")]
        if not signer or len(signer) > 30:
            errors["signer"] = [_("Name who signs off the letter (at most 30 characters).")]
        try:
            contact_phone = clean_contact_phone(contact_phone)
        except ValidationError as error:
            errors["contact_phone"] = error.messages
        if seal_position not in SealPosition.values:
            errors["seal_position"] = [_("Choose where the unit's seal goes.")]
        if errors:
            raise ValidationError(errors)
        if file is not None:
            validate_upload(file)
        now = timezone.now()
        step.note = f"{reply_class} · {text[:300]}"
        step.audit_after = {"class": reply_class}
    # The letter is filed with the reply's timeline row.
    stored = (
        _store(suggestion, file, purpose=Attachment.Purpose.REPLY, actor=actor, event=step.recorded)
        if file
        else None
    )
    reply = Reply.objects.create(
        suggestion=suggestion,
        round=suggestion.rounds,
        unit=lead.unit,
        reply_class=reply_class,
        text=text,
        file=stored,
        replied_by=actor,
        replied_at=now,
        due=suggestion.reply_due,
        in_time=suggestion.reply_due is None or timezone.localdate(now) <= suggestion.reply_due,
        contact_person=contact_person,
        contact_phone=contact_phone,
        signer=signer,
        seal_position=seal_position,
    )
    Commitment.objects.bulk_create(
        [
            Commitment(suggestion=suggestion, reply=reply, text=c.text.strip()[:300], due_on=c.due_on)
            for c in commitments
        ]
    )
    notify(
        involved_users(suggestion, units=False, staff=True),
        suggestion,
        "replied",
        say(
            gettext_noop("%(unit)s replied to %(number)s (class %(cls)s); please rate the reply."),
            unit=lead.unit.name,
            number=suggestion.number,
            cls=reply_class,
        ),
    )
    return reply


@service
def suggestion_rate(
    *, actor: User, suggestion: Suggestion, result: str, attitude: int, comment: str = ""
) -> Evaluation:
    """评价: 满意/基本满意 close it; 不满意 sends it back for another round with a new deadline."""
    require(
        actor,
        "suggestions.rate",
        suggestion,
        message=_("Only the deputy who led the suggestion can rate the reply."),
    )
    with SUGGESTION.step(suggestion, actor=actor, action="rate", when={State.REPLIED}) as step:
        errors: dict[str, list[str]] = {}
        if result not in Satisfaction.values:
            errors["result"] = [_("Choose satisfied, basically satisfied or unsatisfied.")]
        if not isinstance(attitude, int) or not 1 <= attitude <= 5:
            errors["attitude"] = [_("Rate the unit's attitude from 1 to 5.")]
        if result == Satisfaction.UNSATISFIED and not (comment or "").strip():
            errors["comment"] = [_("Say what is unsatisfactory, so the unit can handle it again.")]
        if errors:
            raise ValidationError(errors)
        reply = suggestion.replies.order_by("-round", "-id").first()
        assert reply is not None
        now = timezone.now()
        evaluation = Evaluation.objects.create(
            suggestion=suggestion,
            reply=reply,
            result=result,
            attitude=attitude,
            comment=(comment or "").strip()[:2000],
            rated_by=actor,
            rated_at=now,
        )
        label = str(Satisfaction(result).label)
        if result == Satisfaction.UNSATISFIED:
            step.to = State.IN_PROGRESS
            step.note = f"{label} · {comment.strip()[:300]}"
            suggestion.rounds += 1
            suggestion.round_started_on = timezone.localdate(now)
            suggestion.extension_months = 0
            suggestion.reply_due = compute_reply_due(suggestion)
            kind, text = (
                "unsatisfied",
                gettext_noop(
                    "The deputy is unsatisfied with the reply to %(number)s: handle it again by %(due)s."
                ),
            )
        else:
            step.to = State.CLOSED
            step.note = f"{label} · {comment.strip()[:300]}".strip(" ·")
            suggestion.closed_at = now
            kind, text = "closed", gettext_noop("Suggestion %(number)s is closed.")
        step.audit_after = {"result": result, "attitude": attitude}
    # 满意度: one entry per suggestion, the latest (final) evaluation overwriting an earlier round's.
    archive_record_automatic(
        seat=suggestion.deputy,
        kind=ArchiveKind.SUGGESTION_RATED,
        section=ArchiveSection.SUGGESTIONS,
        date=timezone.localdate(now),
        title=suggestion.title,
        source=suggestion,
        text=_("Evaluation of the reply: %(result)s") % {"result": label},
    )
    notify(
        involved_users(suggestion, deputies=False, staff=True),
        suggestion,
        kind,
        say(text, number=suggestion.number, due=suggestion.reply_due),
    )
    return evaluation


@service
def commitment_fulfil(*, actor: User, commitment: Commitment, note: str) -> Commitment:
    """承诺兑现: the lead unit (or staff) records that a commitment is fulfilled (also after closure)."""
    suggestion = commitment.suggestion
    require(actor, "suggestions.fulfil_commitment", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="fulfil", audit_action="fulfil_commitment") as step:
        if commitment.fulfilled_at is not None:
            raise ValidationError(_("This commitment is already fulfilled."))
        note = (note or "").strip()
        if not note:
            raise ValidationError({"note": [_("Say how the commitment was fulfilled.")]})
        commitment.fulfilled_at, commitment.fulfilment_note = timezone.now(), note[:500]
        commitment.save(update_fields=["fulfilled_at", "fulfilment_note"])
        step.note = f"{commitment.text}: {note[:300]}"
        step.audit_after = {"commitment": commitment.pk}
    return commitment


# --- supervision (督办, 催办) and publication -----------------------------------------------------


@service
def suggestion_mark_key(*, actor: User, suggestion: Suggestion, leader: str, note: str = "") -> Suggestion:
    """重点督办: decided by the chair's meeting; a supervising leader follows it."""
    require(actor, "suggestions.supervise", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="mark_key", when=KEY_STATES) as step:
        leader = (leader or "").strip()
        if not leader:
            raise ValidationError({"leader": [_("Name the supervising leader.")]})
        suggestion.is_key, suggestion.supervising_leader = True, leader[:50]
        step.note = (_("Supervising leader: %(leader)s") % {"leader": leader}) + (
            f" · {note.strip()}" if note.strip() else ""
        )
    # 重点建议: the proposer's archive records that their suggestion became a key one.
    archive_record_automatic(
        seat=suggestion.deputy,
        kind=ArchiveKind.SUGGESTION_KEY,
        section=ArchiveSection.SUGGESTIONS,
        date=timezone.localdate(),
        title=suggestion.title,
        source=suggestion,
        text=_("Key suggestion supervised by %(leader)s") % {"leader": leader[:50]},
    )
    notify(
        involved_users(suggestion),
        suggestion,
        "key",
        say(
            gettext_noop("%(number)s is now a key suggestion supervised by %(leader)s."),
            number=suggestion.number,
            leader=leader,
        ),
    )
    return suggestion


@service
def suggestion_chase(*, actor: User, suggestion: Suggestion, note: str) -> Chase:
    """催办: staff chase the handling units; logged and notified."""
    require(actor, "suggestions.supervise", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="chase", when=OPEN_HANDLING_STATES) as step:
        note = _reason(note)
        lead = suggestion.assignments.filter(role=Assignment.Role.LEAD, ended_at__isnull=True).first()
        chase = Chase.objects.create(
            suggestion=suggestion, unit=lead.unit if lead else None, note=note, by=actor
        )
        step.note = step.audit_note = note
    notify(
        involved_users(suggestion, deputies=False),
        suggestion,
        "chased",
        say(gettext_noop("Chase on %(number)s: %(note)s"), number=suggestion.number, note=note),
    )
    return chase


@service
def suggestion_publish(*, actor: User, suggestion: Suggestion, summary: str) -> Suggestion:
    """公开: the suggestion and its latest reply go to the public results page.

    ``summary`` is the reply as it will be published — the letter's body, checked by the office;
    phone numbers, ID numbers and house addresses are masked in it whatever was submitted."""
    require(actor, "suggestions.publish", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="publish", when=PUBLISHABLE_STATES) as step:
        reply = suggestion.replies.order_by("-round", "-id").first()
        if reply is None:  # not reachable in a publishable state; a clear refusal all the same
            raise ValidationError(_("There is no reply to publish yet."))
        summary = redact_personal_data((summary or "").strip())
        if not summary:
            raise ValidationError({"summary": [_("Write the reply to publish.")]})
        if len(summary) > param("CONTENT_MAX"):
            raise ValidationError(
                {"summary": [_("The reply is longer than %(n)s characters.") % {"n": param("CONTENT_MAX")}]}
            )
        suggestion.public_summary, suggestion.published_at = summary, timezone.now()
        suggestion.published_reply = reply
        step.audit_after = {"reply_round": reply.round}
    return suggestion


@service
def suggestion_unpublish(*, actor: User, suggestion: Suggestion) -> Suggestion:
    """撤回公开: the result leaves the public page (in whatever state the suggestion is)."""
    require(actor, "suggestions.publish", suggestion)
    with SUGGESTION.step(suggestion, actor=actor, action="unpublish"):
        suggestion.published_at = None
        suggestion.published_reply = None
    return suggestion


@service
def category_create(*, actor: User, name: str, order: int = 100) -> SuggestionCategory:
    """建议类别: the office adds a category."""
    require(actor, "suggestions.manage_categories")
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise ValidationError({"name": [_("Give the category a name of at most 40 characters.")]})
    if SuggestionCategory.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("This category already exists.")]})
    category = SuggestionCategory.objects.create(name=name, order=order)
    audit(actor, "suggestions.category_create", category, after={"name": name, "order": order})
    return category


@service
def category_toggle(*, actor: User, category: SuggestionCategory) -> SuggestionCategory:
    require(actor, "suggestions.manage_categories")
    before = snapshot(category, ("is_active",))
    category.is_active = not category.is_active
    category.save(update_fields=["is_active"])
    audit(
        actor,
        "suggestions.category_toggle",
        category,
        before=before,
        after=snapshot(category, ("is_active",)),
    )
    return category


def assign_sessions_by_date(sessions: Iterable[Session]) -> int:
    """Give the suggestions without a session the session period their date falls in (the date it
    was submitted, else written); a numbered one only where its number stays unique. Returns how many."""
    changed = 0
    for session in sessions:
        taken = set(
            Suggestion.objects.filter(session=session, seq__isnull=False).values_list("seq", flat=True)
        )
        rows = Suggestion.objects.filter(session__isnull=True).filter(
            Q(submitted_at__date__gte=session.start_date, submitted_at__date__lte=session.end_date)
            | Q(
                submitted_at__isnull=True,
                created_at__date__gte=session.start_date,
                created_at__date__lte=session.end_date,
            )
        )
        for suggestion in rows.only("pk", "seq"):
            if suggestion.seq is not None:
                if suggestion.seq in taken:
                    continue
                taken.add(suggestion.seq)
            Suggestion.objects.filter(pk=suggestion.pk).update(session=session)
            changed += 1
    if changed:
        public_content_changed()  # written with update(): no save signal
    return changed


@service
def session_create(
    *, actor: User, term: Term, number: int, kind: str, start_date: dt.date, end_date: dt.date
) -> Session:
    """会议: the office records a session period of a term; suggestions of those dates without a
    session are assigned to it."""
    require(actor, "suggestions.manage_sessions")
    errors: dict[str, list[str]] = {}
    if kind not in Session.Kind.values:
        errors["kind"] = [_("Choose the period.")]
    if not isinstance(number, int) or number < 1:
        errors["number"] = [_("Give the session's number.")]
    if end_date < start_date:
        errors["end_date"] = [_("The period ends before it starts.")]
    elif not (term.start_date <= start_date and end_date <= term.end_date):
        errors["end_date"] = [
            _("The period lies outside the term (%(from)s – %(to)s).")
            % {
                "from": term.start_date,
                "to": term.end_date,
            }
        ]
    if not errors and Session.objects.filter(term=term, number=number, kind=kind).exists():
        errors["number"] = [_("This session period is already recorded.")]
    if not errors and Session.objects.filter(start_date__lte=end_date, end_date__gte=start_date).exists():
        errors["start_date"] = [_("The period overlaps another recorded session period.")]
    if errors:
        raise ValidationError(errors)
    session = Session.objects.create(
        term=term, number=number, kind=kind, start_date=start_date, end_date=end_date
    )
    assigned = assign_sessions_by_date([session])
    audit(
        actor,
        "suggestions.session_create",
        session,
        after={"term": term.pk, "number": number, "kind": kind, "from": start_date, "until": end_date},
        note=f"assigned={assigned}",
    )
    return session


# --- the system's own acts: recompute deadlines, remind ------------------------------------------


def deadlines_recompute(dates: Iterable[dt.date] = ()) -> int:
    """Recompute the open deadlines on the current calendar (after ``calendar_changed``).

    Open: suggestions still with the units (reply due), assignments not yet accepted (accept
    by) and co-units' opinions not yet sent. Returns how many rows changed.
    """
    changed = 0
    with transaction.atomic():
        for suggestion in Suggestion.objects.select_for_update().filter(state__in=OPEN_HANDLING_STATES):
            due = compute_reply_due(suggestion)
            if due != suggestion.reply_due:
                old = suggestion.reply_due
                suggestion.reply_due = due
                suggestion.save(update_fields=["reply_due", "updated_at"])
                # The system's own timeline row (not an act: audited once for the whole run below).
                SUGGESTION.record(
                    suggestion,
                    actor=None,
                    action="recompute",
                    note=_("Reply due moved from %(old)s to %(new)s (working calendar changed).")
                    % {"old": old, "new": due},
                )
                changed += 1
        open_assignments = Assignment.objects.filter(
            ended_at__isnull=True, suggestion__state__in=OPEN_HANDLING_STATES
        ).filter(Q(accepted_at__isnull=True) | Q(role=Assignment.Role.CO, opinion_at__isnull=True))
        for assignment in open_assignments:
            fields = []
            if assignment.accepted_at is None:
                accept_due = working_day_deadline(assignment.assigned_on, param("ACCEPT_WORKING_DAYS"))
                if accept_due != assignment.accept_due:
                    assignment.accept_due = accept_due
                    fields.append("accept_due")
            if assignment.role == Assignment.Role.CO and assignment.opinion_at is None:
                opinion_due = month_deadline(assignment.assigned_on, param("CO_OPINION_MONTHS"))
                if opinion_due != assignment.opinion_due:
                    assignment.opinion_due = opinion_due
                    fields.append("opinion_due")
            if fields:
                assignment.save(update_fields=[*fields, "updated_at"])
                changed += 1
        if changed:
            audit(None, "suggestions.deadlines_recompute", None, note=f"changed={changed}")
    return changed


def reminders_send(today: dt.date | None = None) -> dict[str, int]:
    """临期/超期 reminders to everyone involved, through the notification centre: each reminder about
    one suggestion (or one late assignment) reaches a person once within the centre's dedup window.
    Counts the reminders sent now (not those already sent within the window)."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=param("DUE_SOON_DAYS"))
    counts = {"due_soon": 0, "overdue": 0, "not_accepted": 0, "commitments": 0}
    with transaction.atomic():
        open_rows = Suggestion.objects.filter(state__in=OPEN_HANDLING_STATES, reply_due__isnull=False)
        for suggestion in open_rows.filter(reply_due__lt=today):
            if _reminded(suggestion, "overdue"):
                continue
            notify(
                involved_users(suggestion, staff=True),
                suggestion,
                "overdue",
                say(
                    gettext_noop("Suggestion %(number)s is overdue: the reply was due on %(due)s."),
                    number=suggestion.number,
                    due=suggestion.reply_due,
                ),
            )
            counts["overdue"] += 1
        for suggestion in open_rows.filter(reply_due__gte=today, reply_due__lte=soon):
            if _reminded(suggestion, "due_soon"):
                continue
            notify(
                involved_users(suggestion, deputies=False),
                suggestion,
                "due_soon",
                say(
                    gettext_noop("Suggestion %(number)s: the reply is due on %(due)s."),
                    number=suggestion.number,
                    due=suggestion.reply_due,
                ),
            )
            counts["due_soon"] += 1
        late_accept = Assignment.objects.filter(
            ended_at__isnull=True,
            accepted_at__isnull=True,
            accept_due__lt=today,
            suggestion__state__in=OPEN_HANDLING_STATES,
        ).select_related("suggestion", "unit")
        for assignment in late_accept:
            key = f"assignment:{assignment.pk}"
            if _reminded(assignment.suggestion, "not_accepted", key):
                continue
            clerks = User.objects.filter(role=Role.UNIT_HANDLER, organisation=assignment.unit, is_active=True)
            notify(
                [*clerks, *office_staff()],
                assignment.suggestion,
                "not_accepted",
                say(
                    gettext_noop("%(unit)s has not accepted suggestion %(number)s; it was due by %(due)s."),
                    unit=assignment.unit.name,
                    number=assignment.suggestion.number,
                    due=assignment.accept_due,
                ),
                dedup_key=key,
            )
            counts["not_accepted"] += 1
        for commitment in Commitment.objects.filter(
            fulfilled_at__isnull=True, due_on__lte=soon
        ).select_related("suggestion"):
            key = f"commitment:{commitment.pk}"
            if _reminded(commitment.suggestion, "commitment_due", key):
                continue
            notify(
                involved_users(commitment.suggestion, deputies=False, staff=commitment.due_on < today),
                commitment.suggestion,
                "commitment_due",
                say(
                    gettext_noop("Commitment “%(text)s” is due on %(due)s."),
                    text=commitment.text,
                    due=commitment.due_on,
                ),
                dedup_key=key,
            )
            counts["commitments"] += 1
    return counts
