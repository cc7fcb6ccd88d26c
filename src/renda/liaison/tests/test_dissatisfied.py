"""不满意 (issue 15.2): a citizen's 不满意 asks for a reason and sends the opinion back to its handler
for another round with a new working-day deadline; the second answer's rating is final; the station
and the office see the dissatisfied cases; the citizen is told what happens next."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from renda.core.calendar import add_working_days
from renda.core.models import AuditEvent
from renda.liaison import selectors, services
from renda.liaison.models import Opinion
from renda.notifications.models import Notification

pytestmark = pytest.mark.django_db
State = Opinion.State
UNSATISFIED = Opinion.Satisfaction.UNSATISFIED


@pytest.fixture
def answered(submit, manager, clerk, department):
    """An opinion referred to a department and answered by its clerk."""
    opinion = submit()
    services.opinion_accept(actor=manager, opinion=opinion)
    services.opinion_refer(actor=manager, opinion=opinion, department=department)
    services.opinion_start(actor=clerk, opinion=opinion)
    services.opinion_answer(actor=clerk, opinion=opinion, answer="已安排维修人员，三日内修复路灯。")
    opinion.refresh_from_db()
    return opinion


def test_unsatisfied_needs_a_reason(answered):
    with pytest.raises(ValidationError) as refused:
        services.opinion_rate(opinion=answered, satisfaction=UNSATISFIED, reason="  ")
    assert "reason" in refused.value.message_dict
    answered.refresh_from_db()
    assert answered.state == State.ANSWERED


def test_unsatisfied_sends_the_opinion_back_to_the_handler_with_a_new_deadline(
    answered, clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.opinion_rate(opinion=answered, satisfaction=UNSATISFIED, reason="路灯至今未修，答复不实")
    answered.refresh_from_db()
    today = timezone.localdate()
    assert answered.state == State.PROCESSING and answered.closed_at is None
    assert answered.round == 2 and answered.dissatisfied_reason == "路灯至今未修，答复不实"
    assert answered.deadline == add_working_days(today, 5)
    assert answered.previous_answer == "已安排维修人员，三日内修复路灯。"
    assert Notification.objects.filter(
        recipient=clerk, kind="opinion.dissatisfied", object_id=answered.pk, text__contains="答复不实"
    ).exists()
    event = answered.events.latest("id")
    assert (event.from_state, event.to_state) == (State.ANSWERED, State.PROCESSING)
    assert AuditEvent.objects.filter(action="liaison.opinion_rate", note__contains="答复不实").exists()
    # The deadline of the new round survives a change of the working calendar.
    services.recompute_open_deadlines()
    answered.refresh_from_db()
    assert answered.deadline == add_working_days(today, 5)


def test_the_second_answers_rating_is_final(answered, clerk):
    services.opinion_rate(opinion=answered, satisfaction=UNSATISFIED, reason="答复不实")
    services.opinion_answer(actor=clerk, opinion=answered, answer="已于昨日修复全部三盏路灯，请核实。")
    answered.refresh_from_db()
    assert answered.state == State.ANSWERED
    services.opinion_rate(opinion=answered, satisfaction=UNSATISFIED, reason="仍有一盏不亮")
    answered.refresh_from_db()
    assert answered.state == State.CLOSED and answered.satisfaction == UNSATISFIED
    assert answered.round == 2 and answered.dissatisfied_reason == "仍有一盏不亮"


def test_the_number_of_rounds_is_a_parameter(answered, settings):
    settings.RENDA_LIAISON = {"DISSATISFIED_ROUNDS": 0}
    services.opinion_rate(opinion=answered, satisfaction=UNSATISFIED, reason="答复不实")
    answered.refresh_from_db()
    assert answered.state == State.CLOSED


def test_satisfied_still_closes_at_once(answered):
    services.opinion_rate(opinion=answered, satisfaction=Opinion.Satisfaction.SATISFIED)
    answered.refresh_from_db()
    assert answered.state == State.CLOSED and answered.round == 1 and not answered.dissatisfied_at


def test_station_and_office_see_dissatisfied_cases_in_their_inbox(answered, submit, manager, client_for):
    other = submit(phone="13912345678")
    services.opinion_rate(opinion=answered, satisfaction=UNSATISFIED, reason="答复不实")
    flagged = selectors.OpinionFilter(dissatisfied=True)
    assert list(selectors.opinions_visible_to(actor=manager, filters=flagged)) == [answered]
    assert selectors.work_counts(actor=manager)["dissatisfied"] == 1
    page = client_for(manager).get(reverse("liaison:work"), {"view": "dissatisfied"}).content.decode()
    assert answered.code in page and other.code not in page
    assert 'data-testid="dissatisfied-flag"' in page


def test_citizen_rates_unsatisfied_with_a_reason_and_is_told_what_happens(client, answered):
    client.post(reverse("liaison:follow"), {"code": answered.code_display, "phone_last4": "5678"})
    page = client.get(reverse("liaison:follow")).content.decode()
    assert 'data-testid="rate-reason"' in page
    response = client.post(
        reverse("liaison:follow_rate"), {"satisfaction": "unsatisfied", "reason": "路灯至今未修"}, follow=True
    )
    body = response.content.decode()
    answered.refresh_from_db()
    assert answered.state == State.PROCESSING
    assert 'data-testid="dissatisfied-ack"' in body and "路灯至今未修" in body
    assert f"{answered.deadline:%Y-%m-%d}" in body


def test_citizen_without_a_reason_is_asked_for_one(client, answered):
    client.post(reverse("liaison:follow"), {"code": answered.code_display, "phone_last4": "5678"})
    client.post(reverse("liaison:follow_rate"), {"satisfaction": "unsatisfied"})
    answered.refresh_from_db()
    assert answered.state == State.ANSWERED
