"""The liaison workflows: opinions, reception days, appointments — transitions, refusals, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renda.core.calendar import add_working_days, calendar_changed
from renda.core.models import AuditEvent, CalendarDay
from renda.liaison import services
from renda.liaison.models import (
    CODE_ALPHABET,
    Appointment,
    Opinion,
    OpinionAttachment,
    OpinionEvent,
    ReceptionDay,
)
from renda.notifications.models import Notification

from .conftest import CONTENT

pytestmark = pytest.mark.django_db
State = Opinion.State


def test_submitted_opinion_gets_an_unguessable_code_and_a_five_working_day_deadline(submit, today):
    opinion = submit()
    assert len(opinion.code) == 14 and set(opinion.code) <= set(CODE_ALPHABET)
    assert opinion.state == State.PENDING
    assert opinion.deadline == add_working_days(today, 5)
    assert OpinionEvent.objects.filter(opinion=opinion, to_state=State.PENDING).count() == 1
    assert AuditEvent.objects.filter(action="liaison.opinion_submit", object_id=str(opinion.pk)).exists()
    # the phone never enters the audit trail in clear
    event = AuditEvent.objects.get(action="liaison.opinion_submit")
    assert "13812345678" not in str(event.changes)


def test_codes_differ_between_opinions(submit):
    codes = {submit(phone=f"1381234{i:04d}").code for i in range(5)}
    assert len(codes) == 5


def test_full_workflow_referred_to_a_department(
    submit, manager, clerk, department, django_capture_on_commit_callbacks
):
    opinion = submit(consent_publish=True)
    services.opinion_accept(actor=manager, opinion=opinion)
    with django_capture_on_commit_callbacks(execute=True):
        services.opinion_refer(actor=manager, opinion=opinion, department=department)
    notice = Notification.objects.get(recipient=clerk, kind="opinion.referred", object_id=opinion.pk)
    assert notice.link == reverse("liaison:opinion", args=[opinion.pk])
    services.opinion_start(actor=clerk, opinion=opinion)
    services.opinion_answer(
        actor=clerk, opinion=opinion, answer="已安排维修人员，三日内修复路灯，联系人王建国。"
    )
    opinion.refresh_from_db()
    assert opinion.state == State.ANSWERED
    assert opinion.answered_on_time is True
    assert opinion.working_days_to_answer == 0
    assert opinion.publication == Opinion.Publication.QUEUED
    services.opinion_rate(opinion=opinion, satisfaction=Opinion.Satisfaction.SATISFIED)
    opinion.refresh_from_db()
    assert opinion.state == State.CLOSED and opinion.closed_at
    steps = list(opinion.events.values_list("from_state", "to_state"))
    assert steps == [
        ("", State.PENDING),
        (State.PENDING, State.ACCEPTED),
        (State.ACCEPTED, State.REFERRED),
        (State.REFERRED, State.PROCESSING),
        (State.PROCESSING, State.ANSWERED),
        (State.ANSWERED, State.CLOSED),
    ]
    actions = set(AuditEvent.objects.filter(object_id=str(opinion.pk)).values_list("action", flat=True))
    assert {
        "liaison.opinion_accept",
        "liaison.opinion_refer",
        "liaison.opinion_answer",
        "liaison.opinion_rate",
    } <= actions


def test_deputy_accepts_and_answers_directly(submit, deputy):
    opinion = submit(deputy=deputy)
    services.opinion_accept(actor=deputy.user, opinion=opinion)
    services.opinion_handle_directly(actor=deputy.user, opinion=opinion)
    services.opinion_answer(actor=deputy.user, opinion=opinion, answer="我已到现场查看，已协调镇政府修复。")
    opinion.refresh_from_db()
    assert opinion.state == State.ANSWERED and opinion.answered_by_deputy


def test_a_step_out_of_order_is_refused(submit, manager):
    opinion = submit()
    with pytest.raises(ValidationError):
        services.opinion_answer(actor=manager, opinion=opinion, answer="这是一条答复意见，内容足够长。")
    opinion.refresh_from_db()
    assert opinion.state == State.PENDING


def test_complex_opinion_gets_ten_working_days(submit, manager, today):
    opinion = submit()
    services.opinion_accept(actor=manager, opinion=opinion, is_complex=True)
    assert opinion.deadline == add_working_days(today, 10)


def test_deadlines_follow_the_calendar(submit, today):
    opinion = submit()
    before = opinion.deadline
    holiday = add_working_days(today, 1)
    CalendarDay.objects.create(date=holiday, kind=CalendarDay.Kind.HOLIDAY, name="测试")
    calendar_changed.send(sender=CalendarDay, dates=[holiday])
    opinion.refresh_from_db()
    assert opinion.deadline == add_working_days(today, 5) != before


@pytest.mark.parametrize(
    ("perm_service", "kwargs"),
    [
        (services.opinion_accept, {}),
        (services.opinion_reject, {"reason": "不属于受理范围"}),
        (services.opinion_handle_directly, {}),
    ],
)
def test_strangers_cannot_handle_an_opinion_and_the_refusal_is_audited(
    submit, stranger_staff, perm_service, kwargs
):
    opinion = submit()
    with pytest.raises(PermissionDenied):
        perm_service(actor=stranger_staff, opinion=opinion, **kwargs)
    assert AuditEvent.objects.filter(
        outcome="refused", actor=stranger_staff, note=perm_service.__name__
    ).exists()
    opinion.refresh_from_db()
    assert opinion.state == State.PENDING


def test_other_deputy_cannot_accept(submit, other_deputy):
    opinion = submit()
    with pytest.raises(PermissionDenied):
        services.opinion_accept(actor=other_deputy.user, opinion=opinion)
    assert AuditEvent.objects.filter(outcome="refused", action="liaison.accept_opinion").exists()


def test_only_the_referred_department_may_answer(submit, manager, department, clerk, other_clerk):
    opinion = submit()
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_refer(actor=manager, opinion=opinion, department=department)
    with pytest.raises(PermissionDenied):
        services.opinion_start(actor=other_clerk, opinion=opinion)
    services.opinion_start(actor=clerk, opinion=opinion)
    # once referred, the station no longer answers in the department's place
    with pytest.raises(PermissionDenied):
        services.opinion_answer(actor=manager, opinion=opinion, answer="站点替部门作出的答复内容。")
    assert AuditEvent.objects.filter(outcome="refused", action="liaison.answer_opinion").exists()


def test_reject_needs_a_reason_and_closes(submit, manager):
    opinion = submit()
    with pytest.raises(ValidationError):
        services.opinion_reject(actor=manager, opinion=opinion, reason=" ")
    services.opinion_reject(actor=manager, opinion=opinion, reason="属于诉讼程序，请依法起诉")
    assert opinion.state == State.REJECTED and opinion.closed_at


def test_duplicate_from_same_phone_is_flagged_and_can_be_merged(submit, manager):
    first = submit()
    second = submit(content=CONTENT + "请相关部门重视。")
    assert second.possible_duplicate_of == first
    other = submit(phone="13900001111")
    assert other.possible_duplicate_of is None
    services.opinion_merge(actor=manager, opinion=second, into=first)
    assert second.state == State.MERGED and second.merged_into == first
    with pytest.raises(ValidationError):
        services.opinion_merge(actor=manager, opinion=first, into=second)


def test_forbidden_attachment_leaves_nothing_behind(submit):
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00binary", content_type="image/png")
    with pytest.raises(ValidationError):
        submit(attachments=[bad])
    assert Opinion.objects.count() == 0 and OpinionAttachment.objects.count() == 0


def test_image_attachment_is_kept(submit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    opinion = submit(attachments=[png])
    attachment = opinion.attachments.get()
    assert attachment.content_type == "image/png" and attachment.original_name == "photo.png"


def test_content_length_is_checked(submit):
    with pytest.raises(ValidationError):
        submit(content="太短")
    with pytest.raises(ValidationError):
        submit(content="很" * 2001)
    assert Opinion.objects.count() == 0


def test_routing_by_deputy_and_by_town(town, other_town, deputy, other_station, station, submit):
    assert submit(station=None, deputy=deputy).station == station
    assert submit(station=None, town=other_town, phone="13900000000").station == other_station


def test_answer_is_redacted_for_publication_and_a_person_publishes(submit, manager, department, clerk):
    opinion = submit(
        consent_publish=True,
        content="我是张建国，电话13812345678，住城关镇人民路12号3栋2单元501室，门口路灯坏了。",
    )
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    services.opinion_answer(actor=manager, opinion=opinion, answer="已联系张建国本人，路灯已修复。")
    opinion.refresh_from_db()
    assert "13812345678" not in opinion.public_content
    assert "张建国" not in opinion.public_content and "张建国" not in opinion.public_answer
    assert "501" not in opinion.public_content
    services.opinion_publish(
        actor=manager,
        opinion=opinion,
        public_content=opinion.public_content + " 回电13999998888",
        public_answer=opinion.public_answer,
    )
    assert opinion.publication == Opinion.Publication.PUBLISHED
    assert "13999998888" not in opinion.public_content


def test_without_consent_nothing_is_queued_or_published(submit, manager):
    opinion = submit(consent_publish=False)
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    services.opinion_answer(actor=manager, opinion=opinion, answer="已安排处理，感谢您的反映。")
    assert opinion.publication == Opinion.Publication.NONE
    with pytest.raises(ValidationError):
        services.opinion_publish(actor=manager, opinion=opinion, public_content="x", public_answer="y")


def test_moderation_is_refused_to_the_department(submit, manager, department, clerk):
    opinion = submit(consent_publish=True)
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_refer(actor=manager, opinion=opinion, department=department)
    services.opinion_start(actor=clerk, opinion=opinion)
    services.opinion_answer(actor=clerk, opinion=opinion, answer="我局已安排维修，三日内完成。")
    with pytest.raises(PermissionDenied):
        services.opinion_publish(actor=clerk, opinion=opinion, public_content="a", public_answer="b")
    assert AuditEvent.objects.filter(outcome="refused", action="liaison.moderate_opinion").exists()


def test_reminders_reach_the_responsible_people_once_a_day(
    submit, manager, department, clerk, today, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        overdue = submit()
        Opinion.objects.filter(pk=overdue.pk).update(deadline=today - dt.timedelta(days=3))
        referred = submit(phone="13900000001")
        services.opinion_accept(actor=manager, opinion=referred)
        services.opinion_refer(actor=manager, opinion=referred, department=department)
        Opinion.objects.filter(pk=referred.pk).update(deadline=today)
        counts = services.send_deadline_reminders(today=today)
    assert counts == {"due": 1, "overdue": 1}
    about = Notification.objects.filter
    assert about(recipient=manager, kind="opinion.overdue", object_id=overdue.pk).count() == 1
    assert about(recipient=clerk, object_id=referred.pk).count() == 2  # referral + reminder
    assert services.send_deadline_reminders(today=today) == {"due": 0, "overdue": 0}


def test_reminders_by_hand_are_refused_to_a_clerk(clerk):
    with pytest.raises(PermissionDenied):
        services.send_deadline_reminders(actor=clerk)


# --- reception days and appointments ----------------------------------------------------------


def schedule(actor, station, deputy, date, **extra):
    return services.reception_day_schedule(
        actor=actor,
        station=station,
        date=date,
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        place="联络站接待室",
        deputies=[deputy],
        **extra,
    )


def test_reception_day_needs_three_working_days_notice(town_staff, station, deputy, today):
    earliest = services.earliest_reception_date(today)
    with pytest.raises(ValidationError) as info:
        schedule(town_staff, station, deputy, earliest - dt.timedelta(days=1))
    assert "date" in info.value.message_dict
    day = schedule(town_staff, station, deputy, earliest)
    assert list(day.deputies.all()) == [deputy]
    assert AuditEvent.objects.filter(action="liaison.reception_day_schedule").exists()


def test_staff_of_another_town_cannot_schedule(town_staff, other_station, other_deputy, today):
    with pytest.raises(PermissionDenied):
        schedule(town_staff, other_station, other_deputy, today + dt.timedelta(days=30))
    assert AuditEvent.objects.filter(outcome="refused", note="reception_day_schedule").exists()
    assert ReceptionDay.objects.count() == 0


@pytest.fixture
def day(manager, station, deputy, today):
    return schedule(manager, station, deputy, today + dt.timedelta(days=20), capacity=2)


def test_appointment_flow_received_becomes_an_opinion(day, manager):
    appointment = services.appointment_book(day=day, name="赵大爷", phone="13712345678", topic="村道硬化")
    assert appointment.state == Appointment.State.PENDING
    services.appointment_confirm(actor=manager, appointment=appointment, time=dt.time(9, 30))
    assert appointment.confirmed_time == dt.time(9, 30)
    services.appointment_receive(
        actor=manager,
        appointment=appointment,
        raised="反映村道坑洼严重，雨天无法通行，希望硬化。",
        category="transport",
    )
    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.RECEIVED
    opinion = appointment.opinion
    assert opinion is not None
    assert opinion.source == Opinion.Source.RECEPTION
    assert opinion.phone == "13712345678"
    assert list(appointment.events.values_list("to_state", flat=True)) == ["pending", "confirmed", "received"]


def test_appointment_time_must_be_within_the_day(day, manager):
    appointment = services.appointment_book(day=day, name="赵大爷", phone="13712345678", topic="村道硬化")
    with pytest.raises(ValidationError):
        services.appointment_confirm(actor=manager, appointment=appointment, time=dt.time(15))


def test_full_day_refuses_more_bookings(day):
    services.appointment_book(day=day, name="甲", phone="13700000001", topic="事项一")
    services.appointment_book(day=day, name="乙", phone="13700000002", topic="事项二")
    with pytest.raises(ValidationError):
        services.appointment_book(day=day, name="丙", phone="13700000003", topic="事项三")


def test_decline_and_no_show(day, manager, other_deputy):
    a = services.appointment_book(day=day, name="甲", phone="13700000001", topic="事项一")
    b = services.appointment_book(day=day, name="乙", phone="13700000002", topic="事项二")
    services.appointment_reject(actor=manager, appointment=a, reason="请直接到镇信访办反映")
    services.appointment_confirm(actor=manager, appointment=b, time=dt.time(10))
    services.appointment_no_show(actor=manager, appointment=b)
    assert (a.state, b.state) == (Appointment.State.REJECTED, Appointment.State.NO_SHOW)
    with pytest.raises(ValidationError):
        services.appointment_confirm(actor=manager, appointment=a, time=dt.time(10))


def test_deputy_cannot_handle_appointments(day, deputy):
    a = services.appointment_book(day=day, name="甲", phone="13700000001", topic="事项一")
    with pytest.raises(PermissionDenied):
        services.appointment_confirm(actor=deputy.user, appointment=a, time=dt.time(10))
    assert AuditEvent.objects.filter(outcome="refused", note="appointment_confirm").exists()


def test_cancelling_a_day_declines_its_appointments(day, manager):
    a = services.appointment_book(day=day, name="甲", phone="13700000001", topic="事项一")
    services.reception_day_cancel(actor=manager, day=day, reason="代表临时参加县人大会议")
    a.refresh_from_db()
    assert a.state == Appointment.State.REJECTED and "会议" in a.reject_reason
    with pytest.raises(ValidationError):
        services.appointment_book(day=day, name="乙", phone="13700000002", topic="事项二")


def test_station_update_is_audited_and_refused_to_others(station, town_staff, stranger_staff):
    services.station_update(
        actor=town_staff,
        station=station,
        directions="乘1路公交到镇政府站",
        opening_hours="工作日 9:00-17:00",
        phone="0910-1234567",
    )
    assert AuditEvent.objects.filter(action="liaison.station_update").exists()
    with pytest.raises(PermissionDenied):
        services.station_update(
            actor=stranger_staff, station=station, directions="", opening_hours="", phone=""
        )
