"""The tracking code by SMS (issue 15.12): a citizen who asks for it gets one text through the
notification centre's SMS gateway, after the submission is saved, and nothing breaks if it fails."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import Role
from renda.liaison import services
from renda.liaison.models import Appointment, Opinion
from renda.notifications.delivery import deliveries_send
from renda.notifications.models import Delivery, NotifyFailure
from renda.notifications.tests.conftest import fake_gateway  # noqa: F401 - the fixture

from .conftest import CONTENT

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture
def sms(settings, fake_gateway):  # noqa: F811
    settings.NOTIFICATION_GATEWAYS = {
        "email": {"BACKEND": "console"},
        "wechat": {"BACKEND": "console"},
        "sms": {
            "BACKEND": "aliyun", "ACCESS_KEY_ID": "id", "ACCESS_KEY_SECRET": "s", "SIGN_NAME": "某县人大",
            "TEMPLATE_CODE": "SMS_1", "ENDPOINT": f"{fake_gateway.url}/sms", "TIMEOUT": 1,
            "TEXT_VARIABLES": 2,
        },
    }  # fmt: skip
    return fake_gateway


def _opinion(town, **extra):
    data = {
        "phone": PHONE, "town": town.pk, "category": "urban", "content": CONTENT,
        "captcha_0": "x", "captcha_1": "PASSED",
    }  # fmt: skip
    data.update(extra)
    return data


def _submit(client, town, capture, **extra):
    with capture(execute=True):
        response = client.post(reverse("liaison:write"), _opinion(town, **extra))
    assert response.status_code == 302
    return response


def test_the_citizen_receives_exactly_one_sms_with_the_code(
    sms, client, town, station, django_capture_on_commit_callbacks
):
    sms.always("/sms", 200, {"Code": "OK", "BizId": "B-1"})
    response = _submit(client, town, django_capture_on_commit_callbacks, code_by_sms="on")
    opinion = Opinion.objects.get()
    deliveries_send(now=timezone.now())
    (sent,) = sms.to("/sms")
    assert sent.form["Action"] == "SendSms" and sent.form["PhoneNumbers"] == PHONE
    variables = json.loads(sent.form["TemplateParam"])
    assert variables["kind"] == "意见查询码" and all(len(v) <= 35 for v in variables.values())
    text = variables["text"] + variables["text2"]
    assert text == f"您的意见已收到，查询码 {opinion.code_display}，可在网上家站查询办理进度"
    delivery = Delivery.objects.get(kind="opinion.tracking_code")
    assert delivery.status == Delivery.Status.SENT and delivery.object_id == opinion.pk
    page = client.get(response["Location"]).content.decode()
    assert "短信发送至 138****5678" in page and PHONE not in page


def test_without_the_wish_no_sms_is_sent(sms, client, town, station, django_capture_on_commit_callbacks):
    _submit(client, town, django_capture_on_commit_callbacks)
    deliveries_send(now=timezone.now())
    assert not Delivery.objects.filter(kind="opinion.tracking_code").exists() and sms.to("/sms") == []


def test_no_phone_no_sms(sms, town, station, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.opinion_submit(town=town, category="urban", phone="", content=CONTENT, code_by_sms=True)
    assert Opinion.objects.count() == 1 and not Delivery.objects.exists()


def test_at_most_three_codes_an_hour_reach_one_number(sms, town, station, django_capture_on_commit_callbacks):
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            services.opinion_submit(
                town=town, category="urban", phone=PHONE, content=f"{CONTENT}（第{n}次）", code_by_sms=True
            )
    assert Opinion.objects.count() == 4
    assert Delivery.objects.filter(kind="opinion.tracking_code").count() == 3


def test_a_failing_gateway_never_breaks_the_submission(
    sms, client, town, station, monkeypatch, django_capture_on_commit_callbacks
):
    sms.always("/sms", 503, {"Code": "ServiceUnavailable"})
    _submit(client, town, django_capture_on_commit_callbacks, code_by_sms="on")
    report = deliveries_send(now=timezone.now())
    assert report.retried == 1 and Opinion.objects.count() == 1
    # Even the queue failing (the database refusing the delivery) leaves the opinion and a record.
    monkeypatch.setattr(
        Delivery.objects, "create", lambda **kw: (_ for _ in ()).throw(RuntimeError("disk full"))
    )
    _submit(client, town, django_capture_on_commit_callbacks, code_by_sms="on", phone="13900001111")
    assert Opinion.objects.count() == 2
    failure = NotifyFailure.objects.get()
    assert failure.kind == "opinion.tracking_code" and failure.stage == "phone" and not failure.can_retry
    assert "13900001111" not in json.dumps(failure.payload) + failure.error_message


def test_the_delivery_log_shows_the_number_masked(
    sms, client, client_for, make_user, town, station, django_capture_on_commit_callbacks
):
    sms.always("/sms", 200, {"Code": "OK", "BizId": "B-1"})
    _submit(client, town, django_capture_on_commit_callbacks, code_by_sms="on")
    deliveries_send(now=timezone.now())
    page = client_for(make_user(Role.ADMIN)).get(reverse("notifications:deliveries")).content.decode()
    assert "138****5678" in page and PHONE not in page and "意见查询码" in page


def test_a_booking_with_the_wish_gets_its_code_by_sms(
    sms, manager, deputy, station, today, django_capture_on_commit_callbacks
):
    sms.always("/sms", 200, {"Code": "OK", "BizId": "B-2"})
    day = services.reception_day_schedule(
        actor=manager, station=station, date=today + dt.timedelta(days=10), start_time=dt.time(9),
        end_time=dt.time(11, 30), place="二楼接待室", deputies=[deputy],
    )  # fmt: skip
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = services.appointment_book(
            day=day, name="王五", phone=PHONE, topic="路灯", code_by_sms=True
        )
    deliveries_send(now=timezone.now())
    (sent,) = sms.to("/sms")
    variables = json.loads(sent.form["TemplateParam"])
    assert Appointment.objects.get().code_display in variables["text"] + variables["text2"]
    assert appointment.code_by_sms


def test_past_the_hourly_limit_the_page_does_not_promise_a_text(
    sms, client, town, station, django_capture_on_commit_callbacks
):
    """The fourth code within the hour is not texted, and the confirmation page says so."""
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.opinion_submit(
                town=town, category="urban", phone=PHONE, content=CONTENT, code_by_sms=True
            )
    assert Delivery.objects.filter(kind="opinion.tracking_code").count() == 3
    cache.clear()  # the public form's own rate limits are not what this test is about
    response = _submit(client, town, django_capture_on_commit_callbacks, code_by_sms="on")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="sms-refused"' in page and 'data-testid="sms-note"' not in page
    assert Delivery.objects.filter(kind="opinion.tracking_code").count() == 3
