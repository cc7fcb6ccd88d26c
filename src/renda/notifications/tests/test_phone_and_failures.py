"""Texts to a number without an account (notify_phone) and failed notifications kept for a retry."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from renda.accounts.models import Role
from renda.notifications import delivery as delivery_module
from renda.notifications.delivery import deliveries_send, receipts_check
from renda.notifications.kinds import EMAIL, INBOX, SMS, Kind, declare
from renda.notifications.models import Delivery, Notification, NotifyFailure
from renda.notifications.services import notify, notify_phone

pytestmark = pytest.mark.django_db

declare(
    Kind("test.code", "测试查询码", (SMS,), to_phone=True),
    Kind("test.plain", "测试通知", (INBOX, EMAIL)),
)
PHONE = "13812345678"


@pytest.fixture
def sms(settings, fake_gateway):
    cache.clear()
    settings.NOTIFICATION_GATEWAYS = {
        "email": {"BACKEND": "console"},
        "wechat": {"BACKEND": "console"},
        "sms": {
            "BACKEND": "aliyun", "ACCESS_KEY_ID": "id", "ACCESS_KEY_SECRET": "s", "SIGN_NAME": "某县人大",
            "TEMPLATE_CODE": "SMS_1", "ENDPOINT": f"{fake_gateway.url}/sms", "TIMEOUT": 1,
        },
    }  # fmt: skip
    return fake_gateway


def _text(capture, phone=PHONE, text="您的意见已收到，查询码 AB12-CD34", **extra):
    with capture(execute=True):
        notify_phone(kind="test.code", phone=phone, text=text, **extra)


def test_a_text_reaches_a_number_without_an_account_even_in_the_quiet_hours(
    sms, settings, django_capture_on_commit_callbacks
):
    now = timezone.localtime()
    settings.RENDA_NOTIFICATIONS = {
        "QUIET_START": (now - dt.timedelta(hours=1)).strftime("%H:%M"),
        "QUIET_END": (now + dt.timedelta(hours=1)).strftime("%H:%M"),
    }
    sms.answer("/sms", (200, {"Code": "OK", "BizId": "B-9"}))
    _text(django_capture_on_commit_callbacks, phone="138 1234 5678")
    delivery = Delivery.objects.get()
    assert delivery.recipient_id is None and delivery.notification_id is None
    assert delivery.address_masked == "138****5678"
    deliveries_send(now=timezone.now())
    (sent,) = sms.to("/sms")
    assert sent.form["PhoneNumbers"] == PHONE and "AB12-CD34" in sent.form["TemplateParam"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.gateway_id == "B-9"
    assert delivery.address == PHONE  # kept for the receipt
    # The receipt: delivered, and the number and the text are forgotten.
    sms.answer("/sms", (200, {"Code": "OK", "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{"SendStatus": 3}]}}))
    receipts_check(now=timezone.now() + dt.timedelta(minutes=2))
    receipt = sms.to("/sms")[-1]
    assert receipt.form["Action"] == "QuerySendDetails" and receipt.form["PhoneNumber"] == PHONE
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.address == "" and delivery.text == ""


def test_no_number_or_a_bad_one_sends_nothing(sms, django_capture_on_commit_callbacks):
    _text(django_capture_on_commit_callbacks, phone="")
    _text(django_capture_on_commit_callbacks, phone="0910-1234567")
    _text(django_capture_on_commit_callbacks, phone="1381234567x")
    assert not Delivery.objects.exists()


def test_at_most_three_texts_an_hour_reach_one_number(sms, caplog, django_capture_on_commit_callbacks):
    for _ in range(5):
        _text(django_capture_on_commit_callbacks)
    _text(django_capture_on_commit_callbacks, phone="13900001111")
    assert Delivery.objects.filter(address_masked="138****5678").count() == 3
    assert Delivery.objects.filter(address_masked="139****1111").count() == 1
    assert "138****5678" in caplog.text and PHONE not in caplog.text


def test_a_rolled_back_request_sends_nothing(sms, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify_phone(kind="test.code", phone=PHONE, text="x")
                raise RuntimeError("the submission failed")
        except RuntimeError:
            pass
    assert callbacks == [] and not Delivery.objects.exists()


def test_a_failing_gateway_fails_the_text_and_forgets_the_number(
    sms, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_NOTIFICATIONS = {"MAX_ATTEMPTS": 2, "QUIET_START": "00:00", "QUIET_END": "00:00"}
    sms.always("/sms", 500, {"Code": "isp.SYSTEM_ERROR"})
    _text(django_capture_on_commit_callbacks)
    deliveries_send(now=timezone.now())
    deliveries_send(now=timezone.now() + dt.timedelta(hours=1))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 2
    assert delivery.address == "" and Delivery.objects.count() == 1  # no account: no fallback


def test_the_delivery_log_and_its_export_never_show_the_number(
    sms, make_user, client_for, django_capture_on_commit_callbacks
):
    sms.answer(
        "/sms",
        (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": f"bad number {PHONE}"}),
        (200, {"Code": "OK", "BizId": "B-2"}),
    )
    _text(django_capture_on_commit_callbacks)
    _text(django_capture_on_commit_callbacks)
    deliveries_send(now=timezone.now())
    assert Delivery.objects.filter(status=Delivery.Status.SENT).exclude(text="").count() == 1
    admin = client_for(make_user(Role.ADMIN))
    page = admin.get(reverse("notifications:deliveries")).content.decode()
    assert "138****5678" in page and PHONE not in page
    assert "测试查询码" in page
    export = admin.get(reverse("notifications:deliveries") + "?export=xlsx")
    cells = [
        str(c)
        for row in load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(
            values_only=True
        )
        for c in row
    ]
    assert "138****5678" in cells and not any(PHONE in c for c in cells)
    assert not any("AB12-CD34" in c for c in cells)  # nor the citizen's tracking code


# --- failed notifications ------------------------------------------------------------------------------


def test_a_failed_notify_is_kept_shown_to_administrators_and_retried(
    make_user, client_for, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_GATEWAYS = {c: {"BACKEND": "console"} for c in ("sms", "wechat", "email")}
    clerks = [make_user(Role.UNIT_HANDLER), make_user(Role.UNIT_HANDLER)]
    about = make_user(Role.DEPUTY)

    def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(Notification.objects, "bulk_create", broken)
        with django_capture_on_commit_callbacks(execute=True):
            notify(kind="test.plain", recipients=clerks, text="有新的事项", link="/x/", obj=about)
    assert not Notification.objects.exists()
    failure = NotifyFailure.objects.get()
    assert (failure.kind, failure.stage, failure.recipients) == ("test.plain", "notices", 2)
    assert failure.error_class == "RuntimeError" and "locked" in failure.error_message
    assert failure.object_id == about.pk and failure.can_retry

    clerk = client_for(clerks[0])
    assert clerk.get(reverse("notifications:deliveries") + "?section=failures").status_code == 403
    assert clerk.post(reverse("notifications:failure_retry", args=[failure.pk])).status_code == 403

    admin = client_for(make_user(Role.ADMIN))
    assert 'data-testid="failures-tab"' in admin.get(reverse("notifications:deliveries")).content.decode()
    page = admin.get(reverse("notifications:deliveries") + "?section=failures").content.decode()
    assert "测试通知" in page and "RuntimeError" in page and 'data-testid="retry"' in page
    response = admin.post(reverse("notifications:failure_retry", args=[failure.pk]))
    assert response.status_code == 302
    assert Notification.objects.filter(kind="test.plain").count() == 2
    failure.refresh_from_db()
    assert failure.retried_at is not None and not failure.can_retry
    again = admin.post(reverse("notifications:failure_retry", args=[failure.pk]), follow=True)
    assert Notification.objects.count() == 2 and "不能再试" in again.content.decode()


def test_failed_messages_are_kept_and_retried_without_new_notices(
    make_user, client_for, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_GATEWAYS = {c: {"BACKEND": "console"} for c in ("sms", "wechat", "email")}
    clerk = make_user(Role.UNIT_HANDLER, email="clerk@example.cn")

    def broken(*args, **kwargs):
        raise ValueError("bad template variable")

    with monkeypatch.context() as patch:
        patch.setattr(delivery_module, "plan_deliveries", broken)
        with django_capture_on_commit_callbacks(execute=True):
            notify(kind="test.plain", recipients=[clerk], text="有新的事项", link="/x/")
    assert Notification.objects.count() == 1 and not Delivery.objects.exists()  # the inbox notice stays
    failure = NotifyFailure.objects.get(stage="messages")
    admin = client_for(make_user(Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("notifications:failure_retry", args=[failure.pk]))
    assert Notification.objects.count() == 1
    assert Delivery.objects.filter(channel=EMAIL, recipient=clerk).count() == 1


def test_a_retry_that_fails_again_says_so_and_stays_open(
    make_user, client_for, monkeypatch, settings, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.ERROR)
    settings.NOTIFICATION_GATEWAYS = {c: {"BACKEND": "console"} for c in ("sms", "wechat", "email")}
    clerk = make_user(Role.UNIT_HANDLER)

    def broken(*args, **kwargs):
        raise RuntimeError("still down")

    monkeypatch.setattr(Notification.objects, "bulk_create", broken)
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="test.plain", recipients=[clerk], text="x", link="/x/")
    failure = NotifyFailure.objects.get()
    admin = client_for(make_user(Role.ADMIN))
    page = admin.post(reverse("notifications:failure_retry", args=[failure.pk]), follow=True).content.decode()
    assert "再试仍然失败" in page
    failure.refresh_from_db()
    assert failure.retried_at is None and "still down" in failure.retry_error and failure.can_retry
