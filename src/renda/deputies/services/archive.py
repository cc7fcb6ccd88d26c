"""履职档案的写操作: automatic entries from other modules, self-reported entries and their review."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date as Date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from renda.accounts.models import User
from renda.core.audit_labels import label_actions
from renda.core.permissions import require, service
from renda.core.text import strip_control as _clean
from renda.core.uploads import upload_check, upload_name
from renda.deputies.models import Deputy
from renda.deputies.models.archive import (
    AUTOMATIC_KINDS,
    SELF_REPORTED_SECTIONS,
    ArchiveEntry,
    ArchiveEvidence,
    Kind,
    ReviewState,
    Section,
)
from renda.deputies.params import param
from renda.deputies.selectors.seats import seat_of
from renda.deputies.workflow import ARCHIVE_REVIEW

S = ReviewState
TITLE_MAX, TEXT_MIN, TEXT_MAX, REASON_MIN = 200, 10, 4000, 4


# --- automatic entries: written by the modules that hold the facts --------------------------------


def archive_record_automatic(
    *,
    seat: Deputy,
    kind: str,
    section: str,
    date: Date,
    title: str,
    source: models.Model,
    text: str = "",
) -> ArchiveEntry:
    """记入档案 (自动): one entry per (seat, kind, source), never typed twice; updated if it exists.

    Called by another module's service (suggestions, liaison, activities) inside its transaction,
    after that service checked its own permission and wrote its audit row: the entry is a
    consequence of that act, not an act of its own.
    """
    if kind not in AUTOMATIC_KINDS:
        raise ValueError(f"{kind} is not an automatic kind")
    source_type = ContentType.objects.get_for_model(source, for_concrete_model=False)
    entry, _created = ArchiveEntry.objects.update_or_create(
        seat=seat,
        kind=kind,
        source_type=source_type,
        source_id=source.pk,
        is_automatic=True,
        defaults={
            "section": section,
            "date": date,
            "title": title[:TITLE_MAX],
            "text": text,
            "state": S.APPROVED,
        },
    )
    return entry


def archive_withdraw_automatic(*, source: models.Model, kinds: Sequence[str] = ()) -> int:
    """撤出档案: the automatic entries of a source that no longer stands (a withdrawn suggestion)."""
    source_type = ContentType.objects.get_for_model(source, for_concrete_model=False)
    qs = ArchiveEntry.objects.filter(is_automatic=True, source_type=source_type, source_id=source.pk)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    deleted, _by_model = qs.delete()
    return deleted


# --- self-reported entries ------------------------------------------------------------------------


def _validate(
    *, seat: Deputy, kind: str, date: Date, title: str, text: str, files: Sequence[UploadedFile], stored: int
) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    if kind not in SELF_REPORTED_SECTIONS:
        errors["kind"] = [_("Choose what kind of activity this was.")]
    today = timezone.localdate()
    if date > today:
        errors["date"] = [_("The date cannot be in the future.")]
    elif date < seat.seat_start or date > seat.seat_end:
        errors["date"] = [
            _("The date must fall within your seat, %(start)s to %(end)s.")
            % {"start": seat.seat_start.isoformat(), "end": seat.seat_end.isoformat()}
        ]
    title, text = _clean(title).strip(), _clean(text).strip()
    if not title:
        errors["title"] = [_("Give the entry a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("Keep the title within %(n)s characters.") % {"n": TITLE_MAX}]
    if len(text) < TEXT_MIN:
        errors["text"] = [_("Describe what you did in at least %(n)s characters.") % {"n": TEXT_MIN}]
    elif len(text) > TEXT_MAX:
        errors["text"] = [_("Keep the description within %(n)s characters.") % {"n": TEXT_MAX}]
    if stored + len(files) > param("ARCHIVE_EVIDENCE_MAX_FILES"):
        errors["files"] = [_("Attach at most %(n)s files.") % {"n": param("ARCHIVE_EVIDENCE_MAX_FILES")}]
    else:
        for upload in files:
            try:
                upload_check(
                    upload,
                    extensions=param("ARCHIVE_EVIDENCE_EXTENSIONS"),
                    max_bytes=param("ARCHIVE_EVIDENCE_MAX_BYTES"),
                )
            except ValidationError as exc:
                errors.setdefault("files", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return title, text


def _store_evidence(entry: ArchiveEntry, files: Sequence[UploadedFile]) -> None:
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        name = upload_name(upload)[:200]
        evidence = ArchiveEvidence(entry=entry, name=name, size=upload.size or 0, sha256=digest.hexdigest())
        evidence.file.save(name, upload, save=False)
        evidence.save()


@service
def archive_entry_create(
    *,
    actor: User,
    kind: str,
    date: Date,
    title: str,
    text: str,
    files: Sequence[UploadedFile] = (),
) -> ArchiveEntry:
    """填报: a deputy reports an activity of their own, with evidence; it goes to review."""
    require(actor, "deputies.archive_add")
    seat = seat_of(actor)
    assert seat is not None  # the permission asks for a serving seat
    title, text = _validate(seat=seat, kind=kind, date=date, title=title, text=text, files=files, stored=0)
    entry = ArchiveEntry(
        seat=seat,
        kind=kind,
        section=SELF_REPORTED_SECTIONS[Kind(kind)],
        date=date,
        title=title,
        text=text,
        state=S.SUBMITTED,
        created_by=actor,
    )
    with ARCHIVE_REVIEW.step(entry, actor=actor, action="submit", when={S.SUBMITTED}, lock=False) as step:
        step.audit_after = {"kind": kind, "date": date.isoformat(), "files": len(files)}
    _store_evidence(entry, files)
    return entry


@service
def archive_entry_update(
    *,
    actor: User,
    entry: ArchiveEntry,
    kind: str,
    date: Date,
    title: str,
    text: str,
    files: Sequence[UploadedFile] = (),
    remove: Sequence[int] = (),
) -> ArchiveEntry:
    """修改: the deputy corrects their entry; a returned or approved one goes back to review."""
    require(actor, "deputies.archive_edit", entry)
    ARCHIVE_REVIEW.lock(entry)
    removing = list(entry.evidence.filter(pk__in=remove))
    stored = entry.evidence.count() - len(removing)
    # Back to 待初审 from any other state; an entry still awaiting its first review stays there.
    move = {"when": {S.SUBMITTED}} if entry.state == S.SUBMITTED else {"to": S.SUBMITTED}
    with ARCHIVE_REVIEW.step(entry, actor=actor, action="update", lock=False, **move) as step:  # type: ignore[arg-type]
        title, text = _validate(
            seat=entry.seat, kind=kind, date=date, title=title, text=text, files=files, stored=stored
        )
        entry.kind, entry.section = kind, SELF_REPORTED_SECTIONS[Kind(kind)]
        entry.date, entry.title, entry.text = date, title, text
        entry.return_reason = ""
        entry.version += 1
        step.audit_after = {
            "date": date.isoformat(),
            "files_added": len(files),
            "files_removed": len(removing),
        }
    for evidence in removing:
        evidence.file.delete(save=False)
        evidence.delete()
    _store_evidence(entry, files)
    return entry


def _check_version(entry: ArchiveEntry, version: int | None) -> None:
    if version is not None and entry.version != version:
        raise ValidationError(
            _("This entry was changed by the deputy after you opened it; read it again before reviewing."),
            code="stale",
        )


def _two_step(entry: ArchiveEntry) -> bool:
    return entry.seat.term.level in param("ARCHIVE_TWO_STEP_LEVELS")


@service
def archive_entry_approve(*, actor: User, entry: ArchiveEntry, version: int | None = None) -> ArchiveEntry:
    """审核通过: 初审 moves a two-step entry on to 代表工委; 终审 (or a one-step level) approves it."""
    ARCHIVE_REVIEW.lock(entry)
    if entry.state == S.SUBMITTED and _two_step(entry):
        require(actor, "deputies.archive_first_review", entry)
        to, action = S.CHECKED, "check"
    else:
        require(actor, "deputies.archive_final_review", entry)
        to, action = S.APPROVED, "approve"
    _check_version(entry, version)
    with ARCHIVE_REVIEW.step(entry, actor=actor, action=action, to=to, lock=False):
        pass
    return entry


@service
def archive_entry_return(
    *, actor: User, entry: ArchiveEntry, reason: str, version: int | None = None
) -> ArchiveEntry:
    """退回: back to the deputy, always with the reason they will read."""
    ARCHIVE_REVIEW.lock(entry)
    if entry.state == S.CHECKED:
        require(actor, "deputies.archive_final_review", entry)
    else:
        require(actor, "deputies.archive_first_review", entry)
    _check_version(entry, version)
    reason = _clean(reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationError({"reason": [_("Say why the entry is returned, so the deputy can correct it.")]})
    with ARCHIVE_REVIEW.step(
        entry, actor=actor, action="return", to=S.RETURNED, note=reason[:500], lock=False
    ):
        entry.return_reason = reason[:500]
    return entry


@service
def archive_entries_approve(*, actor: User, entries: Sequence[tuple[ArchiveEntry, int]]) -> int:
    """批量审核: approve every chosen entry at the version the reviewer saw, or none of them."""
    if not entries:
        raise ValidationError(_("Choose at least one entry."))
    for entry, version in entries:
        archive_entry_approve(actor=actor, entry=entry, version=version)
    return len(entries)


label_actions(
    {
        "deputies.archive_submit": _lazy("Report an archive entry"),
        "deputies.archive_update": _lazy("Correct an archive entry"),
        "deputies.archive_check": _lazy("First review of an archive entry"),
        "deputies.archive_approve": _lazy("Approve an archive entry"),
        "deputies.archive_return": _lazy("Return an archive entry"),
        "deputies.archive_add": _lazy("Report an archive entry"),
        "deputies.archive_edit": _lazy("Correct an archive entry"),
        "deputies.archive_first_review": _lazy("First review of an archive entry"),
        "deputies.archive_final_review": _lazy("Final review of an archive entry"),
    }
)

__all__ = [
    "Section",
    "archive_entries_approve",
    "archive_entry_approve",
    "archive_entry_create",
    "archive_entry_return",
    "archive_entry_update",
    "archive_record_automatic",
    "archive_withdraw_automatic",
]
