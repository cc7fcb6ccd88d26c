"""Every write of the liaison module (网上家站): reception days, appointments, opinions.

Workflows are explicit state machines: :data:`OPINION_TRANSITIONS` and
:data:`APPOINTMENT_TRANSITIONS` list the allowed moves, one service per move, and each move
appends an event row and an audit row. The public services (a citizen books a slot, submits an
opinion, rates an answer) need no account: the views in front of them are rate-limited and
challenged, and the rating is allowed only to whoever holds the tracking code and the phone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.accounts.models import Organisation, Region, User
from renda.core.audit import audit, snapshot
from renda.core.calendar import add_working_days, working_days_between
from renda.core.permissions import require, service
from renda.core.similarity import most_similar
from renda.deputies.models import Deputy
from renda.liaison.models import (
    Appointment,
    AppointmentEvent,
    Notification,
    Opinion,
    OpinionAttachment,
    OpinionEvent,
    ReceptionDay,
    Station,
    new_code,
)
from renda.liaison.redact import redact

State = Opinion.State
AState = Appointment.State

# --- parameters ------------------------------------------------------------------------------

#: Working days to answer an opinion, counted from the day it was submitted.
ANSWER_DAYS: int = getattr(settings, "RENDA_LIAISON_ANSWER_DAYS", 5)
#: Working days to answer an opinion marked complex.
COMPLEX_ANSWER_DAYS: int = getattr(settings, "RENDA_LIAISON_COMPLEX_ANSWER_DAYS", 10)
#: A reception day is published at least this many working days ahead.
RECEPTION_NOTICE_DAYS: int = getattr(settings, "RENDA_LIAISON_RECEPTION_NOTICE_DAYS", 3)
#: An opinion from the same phone within this many days and this alike is a possible duplicate.
DUPLICATE_WINDOW_DAYS = 7
DUPLICATE_MIN_SCORE = 0.6
MAX_CONTENT_CHARS = 2000
MIN_CONTENT_CHARS = 10
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ALLOWED_ATTACHMENT_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}

OPINION_TRANSITIONS: dict[str, set[str]] = {
    State.PENDING: {State.ACCEPTED, State.REJECTED, State.MERGED},
    State.ACCEPTED: {State.REFERRED, State.PROCESSING, State.REJECTED, State.MERGED},
    State.REFERRED: {State.PROCESSING},
    State.PROCESSING: {State.ANSWERED},
    State.ANSWERED: {State.CLOSED},
    State.CLOSED: set(),
    State.REJECTED: set(),
    State.MERGED: set(),
}

APPOINTMENT_TRANSITIONS: dict[str, set[str]] = {
    AState.PENDING: {AState.CONFIRMED, AState.REJECTED},
    AState.CONFIRMED: {AState.RECEIVED, AState.NO_SHOW, AState.REJECTED},
    AState.REJECTED: set(),
    AState.RECEIVED: set(),
    AState.NO_SHOW: set(),
}

PUBLICATION_TRANSITIONS: dict[str, set[str]] = {
    Opinion.Publication.NONE: set(),
    Opinion.Publication.QUEUED: {Opinion.Publication.PUBLISHED, Opinion.Publication.WITHHELD},
    Opinion.Publication.PUBLISHED: {Opinion.Publication.WITHHELD},
    Opinion.Publication.WITHHELD: {Opinion.Publication.PUBLISHED},
}

_OPINION_FIELDS = (
    "state",
    "station",
    "deputy",
    "department",
    "is_complex",
    "deadline",
    "answer",
    "satisfaction",
    "reject_reason",
    "merged_into",
    "publication",
)


def _actor_name(actor: Any) -> str:
    return actor.get_username() if actor is not None and actor.is_authenticated else "citizen"


def _opinion_move(opinion: Opinion, *, to: str, actor: Any, action: str, note: str = "") -> str:
    """Check the transition table, change the state and append the event row."""
    source = opinion.state
    if to not in OPINION_TRANSITIONS[source]:
        raise ValidationError(
            _("This opinion is %(state)s; that step is not possible now."),
            code="invalid_transition",
            params={"state": opinion.get_state_display()},
        )
    opinion.state = to
    OpinionEvent.objects.create(
        opinion=opinion,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=_actor_name(actor),
        action=action,
        from_state=source,
        to_state=to,
        note=note[:500],
    )
    return source


def _appointment_move(appointment: Appointment, *, to: str, actor: Any, note: str = "") -> None:
    source = appointment.state
    if to not in APPOINTMENT_TRANSITIONS[source]:
        raise ValidationError(
            _("This appointment is %(state)s; that step is not possible now."),
            code="invalid_transition",
            params={"state": appointment.get_state_display()},
        )
    appointment.state = to
    AppointmentEvent.objects.create(
        appointment=appointment,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=_actor_name(actor),
        from_state=source,
        to_state=to,
        note=note[:500],
    )


def _unique_code(model: type[Opinion] | type[Appointment]) -> str:
    while True:
        code = new_code()
        if (
            not Opinion.objects.filter(code=code).exists()
            and not Appointment.objects.filter(code=code).exists()
        ):
            return code


def deadline_for(submitted_on: dt.date, *, is_complex: bool) -> dt.date:
    return add_working_days(submitted_on, COMPLEX_ANSWER_DAYS if is_complex else ANSWER_DAYS)


def _notify(users: Sequence[User], text: str, opinion: Opinion | None = None) -> None:
    Notification.objects.bulk_create(
        [Notification(recipient=u, text=text[:300], opinion=opinion) for u in users]
    )


def station_managers(station: Station) -> list[User]:
    """The staff who manage ``station`` (its organisation's, and the deputy home's office)."""
    home_orgs = Station.objects.filter(kind=Station.Kind.HOME).values("organisation_id")
    return list(
        User.objects.filter(role="staff", is_active=True).filter(
            Q(organisation_id=station.organisation_id) | Q(organisation_id__in=home_orgs)
        )
    )


# --- stations and reception days ---------------------------------------------------------------


@service
def station_update(
    *, actor: User, station: Station, directions: str, opening_hours: str, phone: str
) -> Station:
    """Keep a station's public details (how to get there, opening hours, telephone) up to date."""
    require(actor, "liaison.manage_station", station)
    fields = ("directions", "opening_hours", "phone")
    before = snapshot(station, fields)
    station.directions, station.opening_hours, station.phone = (
        directions.strip(),
        opening_hours.strip(),
        phone.strip(),
    )
    station.save(update_fields=list(fields))
    audit(actor, "liaison.station_update", station, before=before, after=snapshot(station, fields))
    return station


def earliest_reception_date(today: dt.date | None = None) -> dt.date:
    """The first date a reception day may be scheduled for: 3 working days' notice."""
    return add_working_days(today or timezone.localdate(), RECEPTION_NOTICE_DAYS)


@service
def reception_day_schedule(
    *,
    actor: User,
    station: Station,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    place: str,
    deputies: Sequence[Deputy],
    capacity: int = 10,
    note: str = "",
) -> ReceptionDay:
    """安排接待日: date, hours, place and the deputies on duty, published at least 3 working days ahead."""
    require(actor, "liaison.schedule_reception", station)
    errors: dict[str, list[str]] = {}
    earliest = earliest_reception_date()
    if date < earliest:
        errors["date"] = [
            _("Publish reception days %(days)s working days ahead; the earliest date is %(date)s.")
            % {"days": RECEPTION_NOTICE_DAYS, "date": earliest.isoformat()}
        ]
    if end_time <= start_time:
        errors["end_time"] = [_("The end time must be after the start time.")]
    if not deputies:
        errors["deputies"] = [_("Choose at least one deputy on duty.")]
    if capacity < 1:
        errors["capacity"] = [_("Offer at least one appointment slot.")]
    if not place.strip():
        errors["place"] = [_("Say where the reception takes place.")]
    if errors:
        raise ValidationError(errors)
    day = ReceptionDay.objects.create(
        station=station,
        date=date,
        start_time=start_time,
        end_time=end_time,
        place=place.strip(),
        capacity=capacity,
        note=note.strip(),
        created_by=actor,
    )
    day.deputies.set(deputies)
    audit(
        actor,
        "liaison.reception_day_schedule",
        day,
        after={
            "date": date,
            "start_time": start_time,
            "end_time": end_time,
            "place": day.place,
            "deputies": [d.pk for d in deputies],
            "capacity": capacity,
        },
    )
    return day


@service
def reception_day_cancel(*, actor: User, day: ReceptionDay, reason: str) -> ReceptionDay:
    """取消接待日: the open appointments are declined with the reason."""
    require(actor, "liaison.schedule_reception", day.station)
    if day.status == ReceptionDay.Status.CANCELLED:
        raise ValidationError(_("This reception day is already cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for cancelling.")]})
    before = snapshot(day, ("status",))
    day.status, day.cancel_reason = ReceptionDay.Status.CANCELLED, reason.strip()
    day.save(update_fields=["status", "cancel_reason"])
    for appointment in day.appointments.filter(state__in=(AState.PENDING, AState.CONFIRMED)):
        _appointment_move(appointment, to=AState.REJECTED, actor=actor, note=reason)
        appointment.reject_reason = reason.strip()[:200]
        appointment.save(update_fields=["state", "reject_reason", "updated_at"])
    audit(
        actor,
        "liaison.reception_day_cancel",
        day,
        before=before,
        after=snapshot(day, ("status",)),
        note=reason,
    )
    return day


# --- appointments -----------------------------------------------------------------------------


@service
def appointment_book(*, day: ReceptionDay, name: str, phone: str, topic: str) -> Appointment:
    """预约: a citizen asks for a slot on a published, future reception day (no account needed)."""
    day = ReceptionDay.objects.select_for_update().get(pk=day.pk)
    if day.status != ReceptionDay.Status.PUBLISHED or day.date < timezone.localdate():
        raise ValidationError(_("This reception day is no longer open for appointments."))
    taken = day.appointments.filter(state__in=(AState.PENDING, AState.CONFIRMED)).count()
    if taken >= day.capacity:
        raise ValidationError(_("All slots of this reception day are taken; please choose another day."))
    if day.appointments.filter(phone=phone, state__in=(AState.PENDING, AState.CONFIRMED)).exists():
        raise ValidationError(_("This phone number already has an appointment on this day."))
    appointment = Appointment.objects.create(
        code=_unique_code(Appointment), reception_day=day, name=name.strip(), phone=phone, topic=topic.strip()
    )
    AppointmentEvent.objects.create(
        appointment=appointment, actor_name="citizen", from_state="", to_state=AState.PENDING
    )
    audit(None, "liaison.appointment_book", appointment, after={"reception_day": day.pk, "phone": phone})
    _notify(station_managers(day.station), _("New appointment for %(day)s.") % {"day": day})
    return appointment


@service
def appointment_confirm(*, actor: User, appointment: Appointment, time: dt.time) -> Appointment:
    """确认预约: with the exact time the citizen is received."""
    require(actor, "liaison.handle_appointment", appointment)
    day = appointment.reception_day
    if not day.start_time <= time < day.end_time:
        raise ValidationError(
            {
                "time": [
                    _("Choose a time between %(start)s and %(end)s.")
                    % {"start": f"{day.start_time:%H:%M}", "end": f"{day.end_time:%H:%M}"}
                ]
            }
        )
    _appointment_move(appointment, to=AState.CONFIRMED, actor=actor, note=f"{time:%H:%M}")
    appointment.confirmed_time = time
    appointment.save(update_fields=["state", "confirmed_time", "updated_at"])
    audit(actor, "liaison.appointment_confirm", appointment, after={"state": appointment.state, "time": time})
    return appointment


@service
def appointment_reject(*, actor: User, appointment: Appointment, reason: str) -> Appointment:
    """拒绝预约: with the reason the citizen reads when following the code."""
    require(actor, "liaison.handle_appointment", appointment)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    _appointment_move(appointment, to=AState.REJECTED, actor=actor, note=reason)
    appointment.reject_reason = reason.strip()[:200]
    appointment.save(update_fields=["state", "reject_reason", "updated_at"])
    audit(actor, "liaison.appointment_reject", appointment, after={"state": appointment.state}, note=reason)
    return appointment


@service
def appointment_receive(
    *, actor: User, appointment: Appointment, raised: str, category: str, consent_publish: bool = False
) -> Appointment:
    """已接待: what the citizen raised is recorded as an opinion to the station, handled as any other."""
    require(actor, "liaison.handle_appointment", appointment)
    raised = raised.strip()
    if len(raised) < MIN_CONTENT_CHARS:
        raise ValidationError({"raised": [_("Write down what the citizen raised (at least 10 characters).")]})
    _appointment_move(appointment, to=AState.RECEIVED, actor=actor)
    day = appointment.reception_day
    opinion = _create_opinion(
        station=day.station,
        deputy=None,
        town=day.station.region,
        category=category,
        name=appointment.name,
        phone=appointment.phone,
        content=raised,
        consent_publish=consent_publish,
        source=Opinion.Source.RECEPTION,
        actor=actor,
    )
    appointment.opinion = opinion
    appointment.save(update_fields=["state", "opinion", "updated_at"])
    audit(
        actor,
        "liaison.appointment_receive",
        appointment,
        after={"state": appointment.state, "opinion": opinion.pk},
    )
    return appointment


@service
def appointment_no_show(*, actor: User, appointment: Appointment) -> Appointment:
    """未到: the citizen did not come."""
    require(actor, "liaison.handle_appointment", appointment)
    _appointment_move(appointment, to=AState.NO_SHOW, actor=actor)
    appointment.save(update_fields=["state", "updated_at"])
    audit(actor, "liaison.appointment_no_show", appointment, after={"state": appointment.state})
    return appointment


# --- opinions: submission ------------------------------------------------------------------------


@dataclass
class Attachment:
    name: str
    content_type: str
    data: UploadedFile


def _sniff(head: bytes) -> str:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return ""


def check_attachment(upload: UploadedFile) -> str:
    """The real type of an upload (by its first bytes), or ValidationError: images and PDF up to 5 MB."""
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 5 MB.") % {"name": upload.name}, code="attachment_too_large"
        )
    upload.seek(0)
    kind = _sniff(upload.read(8))
    upload.seek(0)
    if not kind:
        raise ValidationError(
            _("%(name)s is not a JPEG or PNG image or a PDF file.") % {"name": upload.name},
            code="attachment_type",
        )
    return kind


def route_station(*, station: Station | None, deputy: Deputy | None, town: Region) -> Station:
    """Where an opinion goes: the chosen station; else the deputy's station; else the town's."""
    if station is not None:
        return station
    if deputy is not None:
        found = deputy.stations.filter(is_active=True).order_by("kind", "code").first()
        if found is not None:
            return found
    found = Station.objects.filter(region=town, is_active=True).order_by("-kind", "code").first()
    if found is None:
        found = Station.objects.filter(kind=Station.Kind.HOME, is_active=True).order_by("code").first()
    if found is None:
        raise ValidationError(_("No station can receive opinions at the moment."))
    return found


def find_duplicate(*, phone: str, content: str, exclude_pk: int | None = None) -> Opinion | None:
    """An opinion from the same phone in the last 7 days whose text is alike (jieba + TF-IDF)."""
    since = timezone.now() - dt.timedelta(days=DUPLICATE_WINDOW_DAYS)
    recent = Opinion.objects.filter(phone=phone, created_at__gte=since).exclude(state=State.MERGED)
    if exclude_pk:
        recent = recent.exclude(pk=exclude_pk)
    candidates = list(recent.values_list("pk", "content")[:50])
    ranked = most_similar(content, candidates, limit=1, min_score=DUPLICATE_MIN_SCORE)
    return Opinion.objects.filter(pk__in=[key for key, _score in ranked]).first() if ranked else None


def _create_opinion(
    *,
    station: Station,
    deputy: Deputy | None,
    town: Region,
    category: str,
    name: str,
    phone: str,
    content: str,
    consent_publish: bool,
    source: str,
    actor: Any = None,
) -> Opinion:
    today = timezone.localdate()
    duplicate = find_duplicate(phone=phone, content=content)
    opinion = Opinion.objects.create(
        code=_unique_code(Opinion),
        source=source,
        station=station,
        deputy=deputy,
        town=town,
        category=category,
        name=name.strip(),
        phone=phone,
        content=content,
        consent_publish=consent_publish,
        submitted_on=today,
        deadline=deadline_for(today, is_complex=False),
        possible_duplicate_of=duplicate,
    )
    OpinionEvent.objects.create(
        opinion=opinion,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=_actor_name(actor),
        action="submit",
        from_state="",
        to_state=State.PENDING,
    )
    audit(
        actor,
        "liaison.opinion_submit",
        opinion,
        after={"station": station.pk, "phone": phone, "source": source},
    )
    recipients = station_managers(station)
    if deputy is not None and deputy.user is not None:
        recipients.append(deputy.user)
    _notify(
        recipients,
        _("New opinion %(code)s for %(station)s.") % {"code": opinion.code_display, "station": station},
        opinion,
    )
    return opinion


@service
def opinion_submit(
    *,
    town: Region,
    category: str,
    phone: str,
    content: str,
    name: str = "",
    station: Station | None = None,
    deputy: Deputy | None = None,
    consent_publish: bool = False,
    attachments: Sequence[UploadedFile] = (),
    source: str = Opinion.Source.ONLINE,
) -> Opinion:
    """提交意见: a citizen writes to a station, a deputy, or the town (no account needed).

    All or nothing: a bad attachment leaves no opinion behind.
    """
    content = content.strip()
    if len(content) < MIN_CONTENT_CHARS:
        raise ValidationError({"content": [_("Please describe the matter in at least 10 characters.")]})
    if len(content) > MAX_CONTENT_CHARS:
        raise ValidationError({"content": [_("Please keep the text within 2000 characters.")]})
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": [_("Attach at most 3 files.")]})
    kinds = [check_attachment(upload) for upload in attachments]
    if deputy is not None and station is not None and not deputy.stations.filter(pk=station.pk).exists():
        station = None  # the deputy decides the route when both are given and do not match
    target = route_station(station=station, deputy=deputy, town=town)
    opinion = _create_opinion(
        station=target,
        deputy=deputy,
        town=town,
        category=category,
        name=name,
        phone=phone,
        content=content,
        consent_publish=consent_publish,
        source=source,
    )
    for upload, kind in zip(attachments, kinds, strict=True):
        attachment = OpinionAttachment(
            opinion=opinion,
            original_name=(upload.name or "")[-200:],
            content_type=kind,
            size=upload.size or 0,
        )
        attachment.file.save(f"x.{ALLOWED_ATTACHMENT_TYPES[kind]}", upload, save=False)
        attachment.save()
    return opinion


# --- opinions: handling --------------------------------------------------------------------------


def _save(
    opinion: Opinion, actor: Any, action: str, before: dict[str, Any], note: str = "", *fields: str
) -> Opinion:
    opinion.save()
    audit(
        actor,
        f"liaison.{action}",
        opinion,
        before=before,
        after=snapshot(opinion, _OPINION_FIELDS),
        note=note,
    )
    return opinion


@service
def opinion_accept(*, actor: User, opinion: Opinion, is_complex: bool = False, note: str = "") -> Opinion:
    """受理: station staff or the deputy take the opinion on; complex ones get 10 working days."""
    require(actor, "liaison.accept_opinion", opinion)
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.ACCEPTED, actor=actor, action="accept", note=note)
    opinion.is_complex = is_complex
    opinion.deadline = deadline_for(opinion.submitted_on, is_complex=is_complex)
    return _save(opinion, actor, "opinion_accept", before, note)


@service
def opinion_reject(*, actor: User, opinion: Opinion, reason: str) -> Opinion:
    """不予受理: with the reason the citizen reads."""
    require(actor, "liaison.reject_opinion", opinion)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.REJECTED, actor=actor, action="reject", note=reason)
    opinion.reject_reason = reason.strip()[:500]
    opinion.closed_at = timezone.now()
    return _save(opinion, actor, "opinion_reject", before, reason)


@service
def opinion_merge(*, actor: User, opinion: Opinion, into: Opinion) -> Opinion:
    """合并: a duplicate joins the earlier opinion; the citizen follows that one's answer."""
    require(actor, "liaison.merge_opinion", opinion)
    require(actor, "liaison.view_opinion", into)
    if into.pk == opinion.pk or into.state == State.MERGED or into.created_at > opinion.created_at:
        raise ValidationError({"into": [_("Merge into an earlier opinion that is not itself merged.")]})
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.MERGED, actor=actor, action="merge", note=into.code_display)
    opinion.merged_into = into
    opinion.closed_at = timezone.now()
    return _save(opinion, actor, "opinion_merge", before, into.code)


@service
def opinion_refer(*, actor: User, opinion: Opinion, department: Organisation, note: str = "") -> Opinion:
    """转办: pass the opinion to a government department, whose clerks handle and answer it."""
    require(actor, "liaison.refer_opinion", opinion)
    if (
        department.kind not in (Organisation.Kind.DEPARTMENT, Organisation.Kind.TOWNSHIP)
        or not department.is_active
    ):
        raise ValidationError({"department": [_("Choose an active government department.")]})
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(
        opinion, to=State.REFERRED, actor=actor, action="refer", note=f"{department.name} {note}".strip()
    )
    opinion.department = department
    _save(opinion, actor, "opinion_refer", before, note)
    clerks = list(User.objects.filter(role="unit_handler", organisation=department, is_active=True))
    _notify(
        clerks,
        _("Opinion %(code)s was referred to your department.") % {"code": opinion.code_display},
        opinion,
    )
    return opinion


@service
def opinion_handle_directly(*, actor: User, opinion: Opinion, note: str = "") -> Opinion:
    """代表直接答复: the deputy (or the station) answers the opinion themselves."""
    require(actor, "liaison.handle_directly", opinion)
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.PROCESSING, actor=actor, action="handle_directly", note=note)
    opinion.answered_by_deputy = True
    return _save(opinion, actor, "opinion_handle_directly", before, note)


@service
def opinion_start(*, actor: User, opinion: Opinion) -> Opinion:
    """签收办理: the department's clerk starts handling a referred opinion."""
    require(actor, "liaison.start_opinion", opinion)
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.PROCESSING, actor=actor, action="start")
    return _save(opinion, actor, "opinion_start", before)


@service
def opinion_answer(*, actor: User, opinion: Opinion, answer: str) -> Opinion:
    """答复: the answer the citizen reads; whether it came in time is recorded for the statistics."""
    require(actor, "liaison.answer_opinion", opinion)
    answer = answer.strip()
    if len(answer) < MIN_CONTENT_CHARS:
        raise ValidationError({"answer": [_("Please write an answer of at least 10 characters.")]})
    if len(answer) > 4000:
        raise ValidationError({"answer": [_("Please keep the answer within 4000 characters.")]})
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.ANSWERED, actor=actor, action="answer")
    now = timezone.now()
    today = timezone.localdate(now)
    opinion.answer = answer
    opinion.answered_at = now
    opinion.working_days_to_answer = max(0, working_days_between(opinion.submitted_on, today))
    opinion.answered_on_time = opinion.deadline is None or today <= opinion.deadline
    if opinion.consent_publish:
        opinion.publication = Opinion.Publication.QUEUED
        opinion.public_content = redact(opinion.content, submitter_name=opinion.name)
        opinion.public_answer = redact(answer, submitter_name=opinion.name)
    return _save(opinion, actor, "opinion_answer", before)


@service
def opinion_rate(*, opinion: Opinion, satisfaction: str) -> Opinion:
    """评价: the citizen (who holds the code and the phone) rates the answer, and it is closed (办结)."""
    if satisfaction not in Opinion.Satisfaction.values:
        raise ValidationError({"satisfaction": [_("Choose satisfied or not satisfied.")]})
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.CLOSED, actor=None, action="rate", note=satisfaction)
    opinion.satisfaction = satisfaction
    opinion.closed_at = timezone.now()
    return _save(opinion, None, "opinion_rate", before)


@service
def opinion_close(*, actor: User, opinion: Opinion, note: str = "") -> Opinion:
    """办结 without a rating: the citizen did not rate the answer."""
    require(actor, "liaison.close_opinion", opinion)
    before = snapshot(opinion, _OPINION_FIELDS)
    _opinion_move(opinion, to=State.CLOSED, actor=actor, action="close", note=note)
    opinion.closed_at = timezone.now()
    return _save(opinion, actor, "opinion_close", before, note)


# --- publication (moderation) --------------------------------------------------------------------


def _publication_move(opinion: Opinion, *, to: str, actor: User, note: str = "") -> None:
    source = opinion.publication
    if to not in PUBLICATION_TRANSITIONS[source]:
        raise ValidationError(
            _("This opinion cannot be published or withheld now."), code="invalid_transition"
        )
    opinion.publication = to
    OpinionEvent.objects.create(
        opinion=opinion,
        actor=actor,
        actor_name=_actor_name(actor),
        action=f"publication_{to}",
        from_state=opinion.state,
        to_state=opinion.state,
        note=note[:500],
    )


@service
def opinion_publish(*, actor: User, opinion: Opinion, public_content: str, public_answer: str) -> Opinion:
    """审核公开: a person checks the redacted text and answer, corrects them, and publishes them."""
    require(actor, "liaison.moderate_opinion", opinion)
    if not opinion.consent_publish:
        raise ValidationError(_("The citizen did not agree to publication."))
    if not public_content.strip() or not public_answer.strip():
        raise ValidationError(_("Both the text and the answer are needed for publication."))
    before = snapshot(opinion, _OPINION_FIELDS)
    _publication_move(opinion, to=Opinion.Publication.PUBLISHED, actor=actor)
    # Whatever the moderator typed is redacted once more: a phone number typed back in is caught.
    opinion.public_content = redact(public_content.strip(), submitter_name=opinion.name)
    opinion.public_answer = redact(public_answer.strip(), submitter_name=opinion.name)
    opinion.published_at = timezone.now()
    return _save(opinion, actor, "opinion_publish", before)


@service
def opinion_withhold(*, actor: User, opinion: Opinion, reason: str) -> Opinion:
    """不予公开: keep it off the public listing (or take it down)."""
    require(actor, "liaison.moderate_opinion", opinion)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    before = snapshot(opinion, _OPINION_FIELDS)
    _publication_move(opinion, to=Opinion.Publication.WITHHELD, actor=actor, note=reason)
    opinion.published_at = None
    return _save(opinion, actor, "opinion_withhold", before, reason)


# --- deadlines and reminders ---------------------------------------------------------------------


def recompute_open_deadlines() -> int:
    """After the working calendar changed: every open opinion's deadline, counted again."""
    changed = 0
    for opinion in Opinion.objects.filter(
        state__in=(State.PENDING, State.ACCEPTED, State.REFERRED, State.PROCESSING)
    ).only("pk", "submitted_on", "is_complex", "deadline"):
        deadline = deadline_for(opinion.submitted_on, is_complex=opinion.is_complex)
        if deadline != opinion.deadline:
            Opinion.objects.filter(pk=opinion.pk).update(deadline=deadline)
            changed += 1
    if changed:
        audit(None, "liaison.deadlines_recompute", None, note=f"changed={changed}")
    return changed


def _responsible(opinion: Opinion) -> list[User]:
    if opinion.state == State.REFERRED or (opinion.state == State.PROCESSING and opinion.department_id):
        return list(User.objects.filter(role="unit_handler", organisation=opinion.department, is_active=True))
    users = station_managers(opinion.station)
    if opinion.deputy_id and opinion.deputy and opinion.deputy.user_id:
        users.append(opinion.deputy.user)  # type: ignore[arg-type]
    return users


def send_deadline_reminders(*, actor: Any = None, today: dt.date | None = None) -> dict[str, int]:
    """催办提醒: notify who must act on opinions due within a working day, and on overdue ones.

    Each opinion is reminded at most once a day. Runs from the scheduled task (no actor) or by
    hand by the staff (``liaison.send_reminders``).
    """
    if actor is not None:
        require(actor, "liaison.send_reminders")
    today = today or timezone.localdate()
    due_by = add_working_days(today, 1)
    open_ones = (
        Opinion.objects.filter(
            state__in=(State.PENDING, State.ACCEPTED, State.REFERRED, State.PROCESSING), deadline__lte=due_by
        )
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
        .select_related("station", "deputy")
    )
    counts = {"due": 0, "overdue": 0}
    for opinion in open_ones:
        assert opinion.deadline is not None
        overdue = opinion.deadline < today
        if overdue:
            text = _("Opinion %(code)s is overdue: it was due on %(date)s.")
        else:
            text = _("Opinion %(code)s is due on %(date)s.")
        _notify(
            _responsible(opinion),
            text % {"code": opinion.code_display, "date": opinion.deadline.isoformat()},
            opinion,
        )
        Opinion.objects.filter(pk=opinion.pk).update(last_reminded_on=today)
        counts["overdue" if overdue else "due"] += 1
    audit(actor, "liaison.send_reminders", None, note=f"due={counts['due']} overdue={counts['overdue']}")
    return counts


@service
def notifications_mark_read(*, actor: User) -> int:
    """Mark the actor's own notices read."""
    require(actor, "liaison.view_work")
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
