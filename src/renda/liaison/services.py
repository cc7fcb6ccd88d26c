"""Every write of the liaison module (网上家站): reception days, appointments, opinions.

The workflows (opinions, appointments, moderation) are declared once in
:mod:`renda.liaison.workflow` and run on the core kernel: one service per act, each moving through
``<WORKFLOW>.step``, which locks the row, checks the move and writes one event row and one audit
row. The public services (a citizen books a slot, submits an opinion, rates an answer) need no
account: the views in front of them are rate-limited and challenged, and the rating is allowed only
to whoever holds the tracking code and the phone.
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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from renda.accounts.models import Organisation, Region, User
from renda.core.audit import audit, snapshot
from renda.core.calendar import add_working_days, working_days_between
from renda.core.permissions import require, service
from renda.core.public_cache import public_content_changed
from renda.core.roles import Role
from renda.core.similarity import most_similar
from renda.core.uploads import CONTENT_TYPES, sniffed_extension
from renda.core.words import Words, say
from renda.deputies.models import Activity, ActivityKind, Deputy
from renda.deputies.models.archive import Kind as ArchiveKind
from renda.deputies.models.archive import Section as ArchiveSection
from renda.deputies.selectors import seat_of
from renda.deputies.services.activities import (
    ActivityData,
    activity_cancel_from_source,
    activity_register_from_source,
)
from renda.deputies.services.archive import archive_record_automatic, archive_withdraw_automatic
from renda.liaison.models import (
    Appointment,
    Opinion,
    OpinionAttachment,
    ReceptionDay,
    Station,
    new_code,
)
from renda.liaison.params import param
from renda.liaison.redact import redact
from renda.liaison.workflow import APPOINTMENT, NEW, OPINION, PUBLICATION
from renda.notifications.services import notify, notify_phone

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


def _notify(kind: str, users: Sequence[User], text: Words, opinion: Opinion | None = None) -> None:
    """Tell ``users`` through the notification centre (kinds in ``notices.py``) after the commit."""
    notify(
        kind=kind,
        recipients=users,
        text=text,
        link=reverse("liaison:opinion", args=[opinion.pk]) if opinion else reverse("liaison:work"),
        obj=opinion,
    )


def station_managers(station: Station) -> list[User]:
    """The staff who manage ``station`` (its organisation's, and the deputy home's office)."""
    home_orgs = Station.objects.filter(kind=Station.Kind.HOME).values("organisation_id")
    return list(
        User.objects.filter(role=Role.STAFF, is_active=True).filter(
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
    _reception_day_activity(actor, day, list(deputies))
    for deputy in deputies:  # 进站接待: the duty goes into each deputy's archive, dated on the day
        archive_record_automatic(
            seat=deputy,
            kind=ArchiveKind.RECEPTION_DUTY,
            section=ArchiveSection.GROUP,
            date=date,
            title=_("Reception day at %(station)s") % {"station": station.name},
            source=day,
        )
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


RECEPTION_SOURCE = "liaison.reception_day"


def _reception_day_activity(actor: User, day: ReceptionDay, deputies: list[Deputy]) -> None:
    """接待日 → 代表活动 (联络站接待): the deputies on duty find the day among their activities, sign
    in at it and have it in their attendance (the deputies module's service; it checks that the
    actor may organise it, i.e. is staff of an office or the deputy affairs office)."""
    tz = timezone.get_current_timezone()
    station = day.station
    activity_register_from_source(
        actor=actor,
        source=RECEPTION_SOURCE,
        source_id=day.pk,
        data=ActivityData(
            title=_("Reception day at %(station)s") % {"station": station.name},
            kind=ActivityKind.RECEPTION,
            start_at=dt.datetime.combine(day.date, day.start_time, tzinfo=tz),
            end_at=dt.datetime.combine(day.date, day.end_time, tzinfo=tz),
            place=day.place,
            agenda=day.note,
            organiser_kind=Activity.Organiser.STATION,
            organiser_name=station.name[:80],
        ),
        organisation=actor.organisation or station.organisation,
        deputies=deputies,
    )


@service
def reception_day_cancel(*, actor: User, day: ReceptionDay, reason: str) -> ReceptionDay:
    """取消接待日: the open appointments are declined with the reason."""
    require(actor, "liaison.schedule_reception", day.station)
    # The day's row is locked as a booking locks it: no appointment is booked while it is cancelled.
    ReceptionDay.objects.select_for_update().get(pk=day.pk)
    day.refresh_from_db(fields=["status", "cancel_reason"])
    if day.status == ReceptionDay.Status.CANCELLED:
        raise ValidationError(_("This reception day is already cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for cancelling.")]})
    before = snapshot(day, ("status",))
    day.status, day.cancel_reason = ReceptionDay.Status.CANCELLED, reason.strip()
    day.save(update_fields=["status", "cancel_reason"])
    archive_withdraw_automatic(source=day)
    for appointment in day.appointments.filter(state__in=(AState.PENDING, AState.CONFIRMED)):
        with APPOINTMENT.step(
            appointment, actor=actor, action="reject", to=AState.REJECTED, note=reason
        ) as step:
            appointment.reject_reason = reason.strip()[:200]
            step.audit_note = reason
    activity_cancel_from_source(actor=actor, source=RECEPTION_SOURCE, source_id=day.pk, reason=reason.strip())
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
def appointment_book(
    *, day: ReceptionDay, name: str, phone: str, topic: str, code_by_sms: bool = False
) -> Appointment:
    """预约: a citizen asks for a slot on a published, future reception day (no account needed)."""
    day = ReceptionDay.objects.select_for_update().get(pk=day.pk)
    if day.status != ReceptionDay.Status.PUBLISHED or day.date < timezone.localdate():
        raise ValidationError(_("This reception day is no longer open for appointments."))
    taken = day.appointments.filter(state__in=(AState.PENDING, AState.CONFIRMED)).count()
    if taken >= day.capacity:
        raise ValidationError(_("All slots of this reception day are taken; please choose another day."))
    if day.appointments.filter(phone=phone, state__in=(AState.PENDING, AState.CONFIRMED)).exists():
        raise ValidationError(_("This phone number already has an appointment on this day."))
    appointment = Appointment(
        code=_unique_code(Appointment),
        reception_day=day,
        name=name.strip(),
        phone=phone,
        topic=topic.strip(),
        code_by_sms=code_by_sms,
        state=NEW,
    )
    with APPOINTMENT.step(appointment, actor=None, action="book", to=AState.PENDING) as step:
        step.audit_after = {"reception_day": day.pk, "phone": phone}
    _notify(
        "appointment.new",
        station_managers(day.station),
        say(gettext_noop("New appointment for %(day)s."), day=day),
    )
    if code_by_sms:
        notify_phone(
            kind="appointment.tracking_code",
            phone=phone,
            text=say(
                gettext_noop(
                    "Your appointment request has been received, tracking code %(code)s; follow it on the"
                    " online liaison station."
                ),
                code=appointment.code_display,
            ),
            obj=appointment,
        )
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
    with APPOINTMENT.step(
        appointment, actor=actor, action="confirm", to=AState.CONFIRMED, note=f"{time:%H:%M}"
    ) as step:
        appointment.confirmed_time = time
        step.audit_after = {"time": time}
    return appointment


@service
def appointment_reject(*, actor: User, appointment: Appointment, reason: str) -> Appointment:
    """拒绝预约: with the reason the citizen reads when following the code."""
    require(actor, "liaison.handle_appointment", appointment)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    with APPOINTMENT.step(appointment, actor=actor, action="reject", to=AState.REJECTED, note=reason) as step:
        appointment.reject_reason = reason.strip()[:200]
        step.audit_note = reason
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
    with APPOINTMENT.step(appointment, actor=actor, action="receive", to=AState.RECEIVED) as step:
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
        step.audit_after = {"opinion": opinion.pk}
    return appointment


@service
def appointment_no_show(*, actor: User, appointment: Appointment) -> Appointment:
    """未到: the citizen did not come."""
    require(actor, "liaison.handle_appointment", appointment)
    with APPOINTMENT.step(appointment, actor=actor, action="no_show", to=AState.NO_SHOW):
        pass
    return appointment


# --- opinions: submission ------------------------------------------------------------------------


@dataclass
class Attachment:
    name: str
    content_type: str
    data: UploadedFile


def check_attachment(upload: UploadedFile) -> str:
    """The real type of an upload (by its first bytes), or ValidationError: images and PDF up to 5 MB."""
    if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("%(name)s is larger than 5 MB.") % {"name": upload.name}, code="attachment_too_large"
        )
    ext = sniffed_extension(upload, ("jpg", "png", "pdf"))
    if not ext:
        raise ValidationError(
            _("%(name)s is not a JPEG or PNG image or a PDF file.") % {"name": upload.name},
            code="attachment_type",
        )
    return CONTENT_TYPES[ext]


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
    code_by_sms: bool = False,
) -> Opinion:
    today = timezone.localdate()
    duplicate = find_duplicate(phone=phone, content=content)
    opinion = Opinion(
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
        code_by_sms=code_by_sms,
        submitted_on=today,
        deadline=deadline_for(today, is_complex=False),
        possible_duplicate_of=duplicate,
        state=NEW,
    )
    with OPINION.step(opinion, actor=actor, action="submit", to=State.PENDING) as step:
        step.audit_after = {"phone": phone, "source": source}
    recipients = station_managers(station)
    if deputy is not None and deputy.user is not None:
        recipients.append(deputy.user)
    _notify(
        "opinion.new",
        recipients,
        say(
            gettext_noop("New opinion %(code)s for %(station)s."), code=opinion.code_display, station=station
        ),
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
    code_by_sms: bool = False,
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
        code_by_sms=code_by_sms,
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
    if code_by_sms:  # sent after the commit, by the worker; a failure never touches the opinion
        notify_phone(
            kind="opinion.tracking_code",
            phone=phone,
            text=say(
                gettext_noop(
                    "Your opinion has been received, tracking code %(code)s; follow its progress on the"
                    " online liaison station."
                ),
                code=opinion.code_display,
            ),
            obj=opinion,
        )
    return opinion


# --- opinions: handling --------------------------------------------------------------------------


@service
def opinion_accept(*, actor: User, opinion: Opinion, is_complex: bool = False, note: str = "") -> Opinion:
    """受理: station staff or the deputy take the opinion on; complex ones get 10 working days."""
    require(actor, "liaison.accept_opinion", opinion)
    with OPINION.step(opinion, actor=actor, action="accept", to=State.ACCEPTED, note=note) as step:
        opinion.is_complex = is_complex
        opinion.deadline = deadline_for(opinion.submitted_on, is_complex=is_complex)
        step.audit_note = note
    return opinion


@service
def opinion_reject(*, actor: User, opinion: Opinion, reason: str) -> Opinion:
    """不予受理: with the reason the citizen reads."""
    require(actor, "liaison.reject_opinion", opinion)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    with OPINION.step(opinion, actor=actor, action="reject", to=State.REJECTED, note=reason) as step:
        opinion.reject_reason = reason.strip()[:500]
        opinion.closed_at = timezone.now()
        step.audit_note = reason
    return opinion


@service
def opinion_merge(*, actor: User, opinion: Opinion, into: Opinion) -> Opinion:
    """合并: a duplicate joins the earlier opinion; the citizen follows that one's answer."""
    require(actor, "liaison.merge_opinion", opinion)
    require(actor, "liaison.view_opinion", into)
    if into.pk == opinion.pk or into.state == State.MERGED or into.created_at > opinion.created_at:
        raise ValidationError({"into": [_("Merge into an earlier opinion that is not itself merged.")]})
    with OPINION.step(opinion, actor=actor, action="merge", to=State.MERGED, note=into.code_display) as step:
        opinion.merged_into = into
        opinion.closed_at = timezone.now()
        step.audit_note = into.code
    return opinion


@service
def opinion_refer(*, actor: User, opinion: Opinion, department: Organisation, note: str = "") -> Opinion:
    """转办: pass the opinion to a government department, whose clerks handle and answer it."""
    require(actor, "liaison.refer_opinion", opinion)
    if (
        department.kind not in (Organisation.Kind.DEPARTMENT, Organisation.Kind.TOWNSHIP)
        or not department.is_active
    ):
        raise ValidationError({"department": [_("Choose an active government department.")]})
    with OPINION.step(
        opinion, actor=actor, action="refer", to=State.REFERRED, note=f"{department.name} {note}".strip()
    ) as step:
        opinion.department = department
        step.audit_note = note
    clerks = list(User.objects.filter(role=Role.UNIT_HANDLER, organisation=department, is_active=True))
    _notify(
        "opinion.referred",
        clerks,
        say(gettext_noop("Opinion %(code)s was referred to your department."), code=opinion.code_display),
        opinion,
    )
    return opinion


@service
def opinion_handle_directly(*, actor: User, opinion: Opinion, note: str = "") -> Opinion:
    """代表直接答复: the deputy (or the station) answers the opinion themselves."""
    require(actor, "liaison.handle_directly", opinion)
    with OPINION.step(opinion, actor=actor, action="handle_directly", to=State.PROCESSING, note=note) as step:
        opinion.answered_by_deputy = True
        step.audit_note = note
    return opinion


@service
def opinion_start(*, actor: User, opinion: Opinion) -> Opinion:
    """签收办理: the department's clerk starts handling a referred opinion."""
    require(actor, "liaison.start_opinion", opinion)
    with OPINION.step(opinion, actor=actor, action="start", to=State.PROCESSING):
        pass
    return opinion


@service
def opinion_answer(*, actor: User, opinion: Opinion, answer: str) -> Opinion:
    """答复: the answer the citizen reads; whether it came in time is recorded for the statistics."""
    require(actor, "liaison.answer_opinion", opinion)
    answer = answer.strip()
    if len(answer) < MIN_CONTENT_CHARS:
        raise ValidationError({"answer": [_("Please write an answer of at least 10 characters.")]})
    if len(answer) > 4000:
        raise ValidationError({"answer": [_("Please keep the answer within 4000 characters.")]})
    with OPINION.step(opinion, actor=actor, action="answer", to=State.ANSWERED):
        now = timezone.now()
        today = timezone.localdate(now)
        opinion.answer = answer
        opinion.answered_at = now
        opinion.working_days_to_answer = max(0, working_days_between(opinion.submitted_on, today))
        opinion.answered_on_time = opinion.deadline is None or today <= opinion.deadline
        if opinion.consent_publish and opinion.publication in (
            Opinion.Publication.NONE,
            Opinion.Publication.QUEUED,
        ):
            # Queued for moderation (the publication workflow starts here, none -> queued).
            opinion.publication = Opinion.Publication.QUEUED
            opinion.public_content = redact(opinion.content, submitter_name=opinion.name)
            opinion.public_answer = redact(answer, submitter_name=opinion.name)
    seat = seat_of(actor)
    if seat is not None:  # a deputy answered the citizen: 答复群众意见 goes into their archive
        archive_record_automatic(
            seat=seat,
            kind=ArchiveKind.OPINION_ANSWERED,
            section=ArchiveSection.SUGGESTIONS,
            date=timezone.localdate(opinion.answered_at),
            title=_("Answered opinion %(code)s") % {"code": opinion.code_display},
            source=opinion,
        )
    return opinion


def can_send_back(opinion: Opinion) -> bool:
    """Whether a 不满意 now sends the opinion back for another round (else the rating is final)."""
    return opinion.round <= param("DISSATISFIED_ROUNDS")


@service
def opinion_rate(*, opinion: Opinion, satisfaction: str, reason: str = "") -> Opinion:
    """评价: the citizen (who holds the code and the phone) rates the answer.

    满意 closes it (办结). 不满意 asks for a reason and sends the opinion back to whoever answered it
    for another round, due ``ROUND_WORKING_DAYS`` working days later, as many times as
    ``DISSATISFIED_ROUNDS`` allows; the rating of the last round is final and closes it either way.
    """
    if satisfaction not in Opinion.Satisfaction.values:
        raise ValidationError({"satisfaction": [_("Choose satisfied or not satisfied.")]})
    reason = " ".join((reason or "").split())
    unsatisfied = satisfaction == Opinion.Satisfaction.UNSATISFIED
    if unsatisfied and not reason:
        raise ValidationError({"reason": [_("Please say what is not satisfactory about the answer.")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("Please keep the reason within 500 characters.")]})
    with OPINION.step(opinion, actor=None, action="rate", to=State.CLOSED, note=satisfaction) as step:
        now = timezone.now()
        opinion.satisfaction = satisfaction
        if unsatisfied:
            opinion.dissatisfied_at = now
            opinion.dissatisfied_reason = reason
            step.note = f"{satisfaction}: {reason}"
            step.audit_note = reason
        if unsatisfied and can_send_back(opinion):
            # Back to the handler (the department it was referred to, or the station / deputy).
            step.to = State.PROCESSING
            today = timezone.localdate(now)
            opinion.round += 1
            opinion.round_started_on = today
            opinion.deadline = add_working_days(today, param("ROUND_WORKING_DAYS"))
            opinion.previous_answer = opinion.answer
            opinion.satisfaction = ""  # the next answer is rated again
        else:
            opinion.closed_at = now
    if opinion.state == State.PROCESSING:
        people = {u.pk: u for u in [*_responsible(opinion), *station_managers(opinion.station)]}
        _notify(
            "opinion.dissatisfied",
            list(people.values()),
            say(
                gettext_noop(
                    "The citizen is not satisfied with the answer to %(code)s (%(reason)s); "
                    "please answer again by %(due)s."
                ),
                code=opinion.code_display,
                reason=reason,
                due=opinion.deadline,
            ),
            opinion,
        )
    return opinion


@service
def opinion_close(*, actor: User, opinion: Opinion, note: str = "") -> Opinion:
    """办结 without a rating: the citizen did not rate the answer."""
    require(actor, "liaison.close_opinion", opinion)
    with OPINION.step(opinion, actor=actor, action="close", to=State.CLOSED, note=note) as step:
        opinion.closed_at = timezone.now()
        step.audit_note = note
    return opinion


# --- publication (moderation) --------------------------------------------------------------------


@service
def opinion_publish(*, actor: User, opinion: Opinion, public_content: str, public_answer: str) -> Opinion:
    """审核公开: a person checks the redacted text and answer, corrects them, and publishes them."""
    require(actor, "liaison.moderate_opinion", opinion)
    if not opinion.consent_publish:
        raise ValidationError(_("The citizen did not agree to publication."))
    if not public_content.strip() or not public_answer.strip():
        raise ValidationError(_("Both the text and the answer are needed for publication."))
    with PUBLICATION.step(opinion, actor=actor, action="publish", to=Opinion.Publication.PUBLISHED):
        # Whatever the moderator typed is redacted once more: a phone number typed back in is caught.
        opinion.public_content = redact(public_content.strip(), submitter_name=opinion.name)
        opinion.public_answer = redact(public_answer.strip(), submitter_name=opinion.name)
        opinion.published_at = timezone.now()
    return opinion


@service
def opinion_withhold(*, actor: User, opinion: Opinion, reason: str) -> Opinion:
    """不予公开: keep it off the public listing (or take it down)."""
    require(actor, "liaison.moderate_opinion", opinion)
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason.")]})
    with PUBLICATION.step(
        opinion, actor=actor, action="withhold", to=Opinion.Publication.WITHHELD, note=reason
    ) as step:
        opinion.published_at = None
        step.audit_note = reason
    return opinion


# --- deadlines and reminders ---------------------------------------------------------------------


def recompute_open_deadlines() -> int:
    """After the working calendar changed: every open opinion's deadline, counted again."""
    changed = 0
    for opinion in Opinion.objects.filter(
        state__in=(State.PENDING, State.ACCEPTED, State.REFERRED, State.PROCESSING)
    ).only("pk", "submitted_on", "is_complex", "deadline", "round_started_on"):
        deadline = (
            add_working_days(opinion.round_started_on, param("ROUND_WORKING_DAYS"))
            if opinion.round_started_on
            else deadline_for(opinion.submitted_on, is_complex=opinion.is_complex)
        )
        if deadline != opinion.deadline:
            Opinion.objects.filter(pk=opinion.pk).update(deadline=deadline)
            changed += 1
    if changed:
        audit(None, "liaison.deadlines_recompute", None, note=f"changed={changed}")
        public_content_changed()  # written with update(): no save signal
    return changed


def _responsible(opinion: Opinion) -> list[User]:
    if opinion.state == State.REFERRED or (opinion.state == State.PROCESSING and opinion.department_id):
        clerks = User.objects.filter(role=Role.UNIT_HANDLER, organisation=opinion.department, is_active=True)
        return list(clerks)
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
        .select_related("station", "deputy__person")
    )
    counts = {"due": 0, "overdue": 0}
    for opinion in open_ones:
        assert opinion.deadline is not None
        overdue = opinion.deadline < today
        if overdue:
            text = gettext_noop("Opinion %(code)s is overdue: it was due on %(date)s.")
        else:
            text = gettext_noop("Opinion %(code)s is due on %(date)s.")
        _notify(
            "opinion.overdue" if overdue else "opinion.due",
            _responsible(opinion),
            say(text, code=opinion.code_display, date=opinion.deadline.isoformat()),
            opinion,
        )
        Opinion.objects.filter(pk=opinion.pk).update(last_reminded_on=today)
        counts["overdue" if overdue else "due"] += 1
    audit(actor, "liaison.send_reminders", None, note=f"due={counts['due']} overdue={counts['overdue']}")
    return counts
