"""The three liaison workflows on the core kernel: every (from, to) pair of states, moved through
``<WORKFLOW>.step``, is allowed exactly when the domain allows it, and the histories are append-only.

The allowed moves below are written from the domain (网上家站's handling rules), not read from the
tables in :mod:`renda.liaison.workflow`: a change to a table has to change this list as well.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from renda.core.models import AuditEvent
from renda.core.workflow import AppendOnlyError, WrongState
from renda.liaison import services
from renda.liaison.models import (
    Appointment,
    AppointmentEvent,
    Category,
    Opinion,
    OpinionEvent,
    ReceptionDay,
)
from renda.liaison.workflow import APPOINTMENT, NEW, OPINION, PUBLICATION

pytestmark = pytest.mark.django_db
S = Opinion.State
A = Appointment.State
P = Opinion.Publication

# 群众意见: submitted (from nothing) it awaits acceptance; accepted or not (or merged into an earlier
# one); an accepted one is referred to a department or handled by the station or deputy directly; a
# referred one is signed for by the department; handled, it is answered; answered, it is closed, or
# — the citizen not satisfied (不满意) — sent back to its handler for another round (issue 15.2).
OPINION_MOVES = {
    (NEW, S.PENDING),
    (S.PENDING, S.ACCEPTED),
    (S.PENDING, S.REJECTED),
    (S.PENDING, S.MERGED),
    (S.ACCEPTED, S.REJECTED),
    (S.ACCEPTED, S.MERGED),
    (S.ACCEPTED, S.REFERRED),
    (S.ACCEPTED, S.PROCESSING),
    (S.REFERRED, S.PROCESSING),
    (S.PROCESSING, S.ANSWERED),
    (S.ANSWERED, S.CLOSED),
    (S.ANSWERED, S.PROCESSING),
}
OPINION_STATES = [NEW, *S.values]

# 预约接待: booked (from nothing) it awaits confirmation; it is confirmed or declined; a confirmed one
# is received, or the citizen does not come, or it is declined after all (the day is cancelled).
APPOINTMENT_MOVES = {
    (NEW, A.PENDING),
    (A.PENDING, A.CONFIRMED),
    (A.PENDING, A.REJECTED),
    (A.CONFIRMED, A.RECEIVED),
    (A.CONFIRMED, A.NO_SHOW),
    (A.CONFIRMED, A.REJECTED),
}
APPOINTMENT_STATES = [NEW, *A.values]

# 审核公开: a queued answer is published or withheld; a published one can be taken down, a withheld
# one published after all. One not to be published never enters moderation (the answer queues it).
PUBLICATION_MOVES = {
    (P.QUEUED, P.PUBLISHED),
    (P.QUEUED, P.WITHHELD),
    (P.PUBLISHED, P.WITHHELD),
    (P.WITHHELD, P.PUBLISHED),
}
PUBLICATION_STATES = list(P.values)
ANSWER = "已修复路灯，谢谢您的反映。"


@pytest.fixture
def make_opinion(station, town):
    def make(**fields):
        return Opinion.objects.create(
            code=f"T{Opinion.objects.count():013d}",
            station=station,
            town=town,
            category=Category.URBAN,
            phone="13812345678",
            content="城关镇幸福小区门口的路灯坏了三个月。",
            submitted_on=timezone.localdate(),
            **fields,
        )

    return make


@pytest.fixture
def make_appointment(station):
    day = ReceptionDay.objects.create(
        station=station,
        date=timezone.localdate() + dt.timedelta(days=20),
        start_time=dt.time(9),
        end_time=dt.time(11),
        place="接待室",
    )

    def make(**fields):
        return Appointment.objects.create(
            code=f"T{Appointment.objects.count():013d}",
            reception_day=day,
            name="赵大爷",
            phone="13712345678",
            topic="村道硬化",
            **fields,
        )

    return make


def _counts(workflow, obj):
    events = workflow.event_model.objects.filter(**{workflow.event_link: obj}).count()
    audits = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).count()
    return events, audits


def _check_pair(workflow, obj, source, target, allowed, actor):
    field = workflow.state_field
    events, audits = _counts(workflow, obj)
    if allowed:
        with transaction.atomic(), workflow.step(obj, actor=actor, action="test", to=target):
            pass
        obj.refresh_from_db()
        assert getattr(obj, field) == target
        assert _counts(workflow, obj) == (events + 1, audits + 1)
        event = workflow.event_model.objects.filter(**{workflow.event_link: obj}).latest("id")
        assert (event.from_state, event.to_state, event.action) == (source, target, "test")
        assert AuditEvent.objects.filter(action=workflow.audit_action("test"), object_id=str(obj.pk)).exists()
    else:
        with (
            pytest.raises(WrongState) as info,
            transaction.atomic(),
            workflow.step(obj, actor=actor, action="test", to=target),
        ):
            pytest.fail("the body of a refused move runs")
        assert info.value.code == "wrong_state"
        obj.refresh_from_db()
        assert getattr(obj, field) == source
        assert _counts(workflow, obj) == (events, audits)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(OPINION_STATES, OPINION_STATES)))
def test_opinion_moves(make_opinion, manager, source, target):
    opinion = make_opinion(state=source)
    _check_pair(OPINION, opinion, source, target, (source, target) in OPINION_MOVES, manager)


@pytest.mark.parametrize(
    ("source", "target"), list(itertools.product(APPOINTMENT_STATES, APPOINTMENT_STATES))
)
def test_appointment_moves(make_appointment, manager, source, target):
    appointment = make_appointment(state=source)
    _check_pair(APPOINTMENT, appointment, source, target, (source, target) in APPOINTMENT_MOVES, manager)


@pytest.mark.parametrize(
    ("source", "target"), list(itertools.product(PUBLICATION_STATES, PUBLICATION_STATES))
)
def test_publication_moves(make_opinion, manager, source, target):
    opinion = make_opinion(state=S.ANSWERED, publication=source)
    _check_pair(PUBLICATION, opinion, source, target, (source, target) in PUBLICATION_MOVES, manager)
    opinion.refresh_from_db()
    assert opinion.state == S.ANSWERED  # moderation never moves the handling


def test_the_workflows_are_declared_with_the_audit_codes_of_before():
    assert OPINION.audit_action("accept") == "liaison.opinion_accept"
    assert PUBLICATION.audit_action("withhold") == "liaison.opinion_withhold"
    assert APPOINTMENT.audit_action("confirm") == "liaison.appointment_confirm"
    assert set(OPINION.acts) == {
        "accept",
        "reject",
        "refer",
        "handle_directly",
        "start",
        "answer",
        "close",
        "merge",
    }
    assert set(PUBLICATION.acts) == {"publish", "withhold"}
    assert set(APPOINTMENT.acts) == {"confirm", "reject", "receive", "no_show"}


@pytest.mark.parametrize("model", [OpinionEvent, AppointmentEvent])
def test_events_cannot_be_changed_or_deleted(submit, station, model):
    opinion = submit()
    if model is OpinionEvent:
        event = opinion.events.get()
    else:
        day = ReceptionDay.objects.create(
            station=station,
            date=timezone.localdate() + dt.timedelta(days=20),
            start_time=dt.time(9),
            end_time=dt.time(11),
            place="接待室",
        )
        event = services.appointment_book(day=day, name="甲", phone="13700000001", topic="事项").events.get()
    event.note = "改写"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=event.pk).update(note="改写")
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.note == "" and model.objects.filter(pk=event.pk).exists()


# --- the services on the kernel --------------------------------------------------------------------


def test_each_act_writes_one_event_and_one_audit_row(submit, manager):
    opinion = submit(consent_publish=True)
    for act, call in [
        ("accept", lambda: services.opinion_accept(actor=manager, opinion=opinion, note="受理")),
        ("handle_directly", lambda: services.opinion_handle_directly(actor=manager, opinion=opinion)),
        ("answer", lambda: services.opinion_answer(actor=manager, opinion=opinion, answer=ANSWER)),
        (
            "publish",
            lambda: services.opinion_publish(
                actor=manager, opinion=opinion, public_content="路灯坏了", public_answer="已修复"
            ),
        ),
        ("withhold", lambda: services.opinion_withhold(actor=manager, opinion=opinion, reason="重复")),
        ("close", lambda: services.opinion_close(actor=manager, opinion=opinion)),
    ]:
        events, audits = _counts(OPINION, opinion)
        call()
        assert _counts(OPINION, opinion) == (events + 1, audits + 1), act
        audits = AuditEvent.objects.filter(action=f"liaison.opinion_{act}", object_id=str(opinion.pk))
        assert audits.count() == 1
    assert list(opinion.events.values_list("action", flat=True)) == [
        "submit",
        "accept",
        "handle_directly",
        "answer",
        "publish",
        "withhold",
        "close",
    ]
    audit = AuditEvent.objects.get(action="liaison.opinion_accept")
    assert audit.note == "受理" and audit.changes["state"] == [S.PENDING, S.ACCEPTED]


def test_citizens_acts_are_the_citizens_in_the_history(submit, manager):
    opinion = submit()
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    services.opinion_answer(actor=manager, opinion=opinion, answer="已修复路灯，谢谢您的反映。")
    services.opinion_rate(opinion=opinion, satisfaction=Opinion.Satisfaction.SATISFIED)
    names = list(opinion.events.values_list("action", "actor_id", "actor_name"))
    assert names[0] == ("submit", None, "citizen") and names[-1] == ("rate", None, "citizen")
    assert names[1] == ("accept", manager.pk, f"{manager.real_name}（代表工作委员会）")
    labels = [(e.from_label, e.to_label) for e in opinion.events.all()]
    assert labels[0] == ("—", str(S.PENDING.label))
    assert labels[-1] == (str(S.ANSWERED.label), str(S.CLOSED.label))


def test_moderation_history_shows_the_publication_states(submit, manager):
    opinion = submit(consent_publish=True)
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_handle_directly(actor=manager, opinion=opinion)
    services.opinion_answer(actor=manager, opinion=opinion, answer="已修复路灯，谢谢您的反映。")
    services.opinion_withhold(actor=manager, opinion=opinion, reason="含有他人信息")
    event = opinion.events.latest("id")
    assert (event.from_label, event.to_label, event.note) == (
        str(P.QUEUED.label),
        str(P.WITHHELD.label),
        "含有他人信息",
    )


def test_a_service_out_of_order_is_refused_as_wrong_state(submit, manager, station):
    opinion = submit()
    with pytest.raises(WrongState) as info:
        services.opinion_close(actor=manager, opinion=opinion)
    assert info.value.code == "wrong_state"
    with pytest.raises(WrongState):
        services.opinion_withhold(actor=manager, opinion=opinion, reason="不公开")
    opinion.refresh_from_db()
    assert (opinion.state, opinion.publication) == (S.PENDING, P.NONE)
    assert list(opinion.events.values_list("action", flat=True)) == ["submit"]


def test_a_service_acts_on_the_stored_state_not_a_stale_copy(submit, manager):
    """The kernel re-reads the row under lock: a second copy cannot accept an opinion twice."""
    opinion = submit()
    stale = Opinion.objects.get(pk=opinion.pk)
    services.opinion_accept(actor=manager, opinion=opinion)
    with pytest.raises(WrongState):
        services.opinion_accept(actor=manager, opinion=stale)
    assert stale.state == S.ACCEPTED  # the stale copy was refreshed by the lock
    assert opinion.events.filter(action="accept").count() == 1
