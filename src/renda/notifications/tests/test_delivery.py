"""Deliveries by the worker: retries with backoff, fallback WeChat → SMS → e-mail, quiet hours,
dedup, rate limits, the digest, and the phone used only when verified."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from renda.accounts.models import Role
from renda.notifications.delivery import deliveries_send, digests_send, phone_hash, plan_deliveries
from renda.notifications.kinds import EMAIL, INBOX, SMS, WECHAT, Kind, declare
from renda.notifications.models import Delivery, Notification, Preference, RecipientSettings
from renda.notifications.services import notify

pytestmark = pytest.mark.django_db

declare(
    Kind("test.assigned", "测试交办", (INBOX, WECHAT, SMS, EMAIL)),
    Kind("test.sms", "测试短信", (INBOX, SMS)),
    Kind("test.urgent", "测试紧急", (INBOX, SMS), urgent=True),
)
Status = Delivery.Status


def local(hour: int, minute: int = 0, day: int = 5) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 3, day, hour, minute))


@pytest.fixture
def gateways(settings, fake_gateway):
    cache.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATION_GATEWAYS = {
        "email": {"BACKEND": "django"},
        "sms": {
            "BACKEND": "aliyun", "ACCESS_KEY_ID": "id", "ACCESS_KEY_SECRET": "s", "SIGN_NAME": "某县人大",
            "TEMPLATE_CODE": "SMS_1", "ENDPOINT": f"{fake_gateway.url}/sms", "TIMEOUT": 1,
        },
        "wechat": {
            "BACKEND": "wechat", "APPID": "wx1", "SECRET": "s", "TEMPLATE_ID": "T1",
            "API_BASE": f"{fake_gateway.url}/wx", "TIMEOUT": 1,
        },
    }  # fmt: skip
    settings.RENDA_NOTIFICATIONS = {"QUIET_START": "00:00", "QUIET_END": "00:00"}  # no quiet hours
    fake_gateway.always("/wx/cgi-bin/stable_token", 200, {"access_token": "T", "expires_in": 7200})
    return fake_gateway


@pytest.fixture
def deputy(make_user):
    user = make_user(Role.DEPUTY, phone="13812345678", email="li@example.cn")
    RecipientSettings.objects.create(
        user=user, phone_verified_hash=phone_hash(user.phone), wechat_openid="oWX-li-openid"
    )
    return user


def _notify(kind, users, capture, **extra):
    with capture(execute=True):
        notify(
            kind=kind,
            recipients=users,
            text="建议2025-001已交办，请及时办理。",
            link="/suggestions/1/",
            **extra,
        )


def test_sms_retried_with_backoff_then_sent(gateways, deputy, django_capture_on_commit_callbacks):
    gateways.answer(
        "/sms",
        (503, {"Code": "ServiceUnavailable", "Message": "busy"}),
        (500, {}),
        (200, {"Code": "OK", "BizId": "B-1"}),
    )
    _notify("test.sms", [deputy], django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.recipient) == (SMS, Status.QUEUED, deputy)
    t0 = timezone.now()
    assert deliveries_send(now=t0).retried == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.gateway_code == "ServiceUnavailable"
    assert delivery.next_attempt_at == t0 + dt.timedelta(seconds=30)
    assert deliveries_send(now=t0 + dt.timedelta(seconds=10)).as_dict()["retried"] == 0  # not due yet
    deliveries_send(now=t0 + dt.timedelta(seconds=31))
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt_at == t0 + dt.timedelta(seconds=31 + 60)
    deliveries_send(now=t0 + dt.timedelta(seconds=92))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.gateway_id) == (Status.SENT, 3, "B-1")
    assert delivery.address_masked == "138****5678" and delivery.reason == ""
    assert len(gateways.to("/sms")) == 3


def test_wechat_refused_falls_back_to_sms_then_email(gateways, deputy, django_capture_on_commit_callbacks):
    refused = {"errcode": 43101, "errmsg": "user refuse"}
    gateways.answer("/wx/cgi-bin/message/subscribe/bizsend", (200, refused))
    gateways.answer("/sms", (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "bad number"}))
    _notify("test.assigned", [deputy], django_capture_on_commit_callbacks)
    report = deliveries_send()
    assert (report.failed, report.fell_back, report.sent) == (2, 2, 1)
    chain = list(Delivery.objects.order_by("id"))
    assert [(d.channel, d.status) for d in chain] == [
        (WECHAT, Status.FAILED), (SMS, Status.FAILED), (EMAIL, Status.SENT),
    ]  # fmt: skip
    assert chain[0].gateway_code == "43101" and "refused" in chain[0].reason
    assert chain[1].fallback_of == chain[0] and chain[2].fallback_of == chain[1]
    assert chain[2].address_masked == "l***@example.cn"
    assert mail.outbox[0].to == ["li@example.cn"]
    # The in-app notice is there whatever the other channels did.
    assert Notification.objects.filter(recipient=deputy, read_at__isnull=True).count() == 1


def test_bad_template_data_fails_for_good_without_retries(
    gateways, deputy, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=deputy, kind="test.assigned", channels=[INBOX, WECHAT])
    gateways.answer(
        "/wx/cgi-bin/message/subscribe/bizsend", (200, {"errcode": 47003, "errmsg": "argument invalid"})
    )
    _notify("test.assigned", [deputy], django_capture_on_commit_callbacks)
    deliveries_send()
    (delivery,) = Delivery.objects.all()  # no other channel chosen: nothing to fall back to
    assert (delivery.status, delivery.attempts, delivery.gateway_code) == (Status.FAILED, 1, "47003")


def test_the_last_retry_fails_and_falls_back(gateways, deputy, settings, django_capture_on_commit_callbacks):
    settings.RENDA_NOTIFICATIONS = {**settings.RENDA_NOTIFICATIONS, "MAX_ATTEMPTS": 2}
    Preference.objects.create(user=deputy, kind="", channels=[INBOX, SMS, EMAIL])
    gateways.always("/sms", 200, {"Code": "OK"}, delay=1.5)  # every attempt times out
    _notify("test.assigned", [deputy], django_capture_on_commit_callbacks)
    t0 = timezone.now()
    deliveries_send(now=t0)
    deliveries_send(now=t0 + dt.timedelta(minutes=5))
    sms, email = Delivery.objects.order_by("id")
    assert (sms.status, sms.attempts, sms.gateway_code) == (Status.FAILED, 2, "timeout")
    assert (email.channel, email.status) == (EMAIL, Status.SENT)


def test_an_unverified_phone_is_never_used(gateways, make_user, django_capture_on_commit_callbacks):
    clerk = make_user(Role.UNIT_HANDLER, phone="13900001111")
    RecipientSettings.objects.create(
        user=clerk, phone_verified_hash=phone_hash("13800000000")
    )  # another number
    _notify("test.sms", [clerk], django_capture_on_commit_callbacks)
    deliveries_send()
    (delivery,) = Delivery.objects.all()
    assert (delivery.status, delivery.gateway_code) == (Status.FAILED, "phone_not_verified")
    assert gateways.to("/sms") == []


def test_quiet_hours_hold_non_urgent_sms_until_seven(gateways, deputy, settings):
    settings.RENDA_NOTIFICATIONS = {}  # the defaults: 22:00–07:00
    calm = Notification.objects.create(recipient=deputy, kind="test.sms", text="a", link="/")
    urgent = Notification.objects.create(
        recipient=deputy, kind="test.urgent", text="b", link="/", urgent=True
    )
    late_evening = local(23, 10)
    waiting, at_once = plan_deliveries([calm, urgent], now=late_evening)
    assert waiting.next_attempt_at == local(7, 0, day=6) and at_once.next_attempt_at == late_evening
    assert plan_deliveries(
        [Notification.objects.create(recipient=deputy, kind="test.sms", text="c", link="/")], now=local(6, 59)
    )[0].next_attempt_at == local(7, 0)
    # A person's own quiet hours replace the default.
    RecipientSettings.objects.filter(user=deputy).update(quiet_start=dt.time(12), quiet_end=dt.time(14))
    own = Notification.objects.create(recipient=deputy, kind="test.sms", text="d", link="/")
    assert plan_deliveries([own], now=local(23, 10))[0].next_attempt_at == local(23, 10)
    assert plan_deliveries([own], now=local(13, 0))[0].next_attempt_at == local(14, 0)


def test_a_retry_that_falls_into_the_quiet_hours_waits(gateways, deputy, settings):
    settings.RENDA_NOTIFICATIONS = {}
    notice = Notification.objects.create(recipient=deputy, kind="test.sms", text="a", link="/")
    (delivery,) = plan_deliveries([notice], now=local(21, 0))
    report = deliveries_send(now=local(22, 30))
    delivery.refresh_from_db()
    assert report.postponed == 1 and delivery.next_attempt_at == local(7, 0, day=6) and delivery.attempts == 0


def test_the_same_event_is_messaged_once_within_the_window(
    gateways, deputy, make_user, django_capture_on_commit_callbacks
):
    thing = make_user(Role.STAFF)  # any object the notices are about
    for _ in range(3):
        _notify("test.sms", [deputy], django_capture_on_commit_callbacks, obj=thing)
    assert Notification.objects.filter(recipient=deputy).count() == 3  # every notice in the inbox
    assert Delivery.objects.count() == 1  # one SMS
    _notify("test.sms", [deputy], django_capture_on_commit_callbacks, obj=deputy)  # another object
    assert Delivery.objects.count() == 2


def test_the_gateways_rate_limit_holds_the_rest_for_a_minute(
    gateways, make_user, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_NOTIFICATIONS = {**settings.RENDA_NOTIFICATIONS, "RATE_PER_MINUTE": {"sms": 2}}
    gateways.always("/sms", 200, {"Code": "OK", "BizId": "x"})
    people = []
    for i in range(3):
        user = make_user(Role.DEPUTY, phone=f"1380000000{i}")
        RecipientSettings.objects.create(user=user, phone_verified_hash=phone_hash(user.phone))
        people.append(user)
    _notify("test.sms", people, django_capture_on_commit_callbacks)
    t0 = timezone.now()
    report = deliveries_send(now=t0)
    assert (report.sent, report.postponed) == (2, 1)
    assert deliveries_send(now=t0 + dt.timedelta(seconds=61)).sent == 1
    assert Delivery.objects.filter(status=Status.SENT).count() == 3


def test_the_daily_digest_gathers_the_days_messages_in_one_email(
    gateways, deputy, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=deputy, kind="", channels=[INBOX, EMAIL], digest=True)
    _notify("test.assigned", [deputy], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="test.sms", recipients=[deputy], text="第二条通知", link="/x/")
    waiting = list(Delivery.objects.all())
    assert [d.digest for d in waiting] == [True, True] and deliveries_send().sent == 0
    assert digests_send(now=timezone.now()) == 0  # not yet 07:30
    assert digests_send(now=waiting[0].next_attempt_at) == 1
    (digest,) = mail.outbox
    assert "第二条通知" in digest.body and "建议2025-001已交办" in digest.body
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENT}


def test_notify_queues_the_worker_task(gateways, deputy, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    _notify("test.sms", [deputy], django_capture_on_commit_callbacks)
    task = DBTaskResult.objects.get(task_path="renda.notifications.tasks.send_deliveries")
    assert task.args_kwargs["args"] == [[Delivery.objects.get().pk]]


def test_a_broken_gateway_never_loses_the_notice(
    gateways, deputy, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_GATEWAYS = {"sms": {"BACKEND": "renda.nowhere.Gateway"}}
    _notify("test.sms", [deputy], django_capture_on_commit_callbacks)
    deliveries_send()
    (delivery,) = Delivery.objects.all()
    assert delivery.status == Status.QUEUED and delivery.attempts == 1 and delivery.gateway_code == "error"
    assert Notification.objects.filter(recipient=deputy).count() == 1


def test_channels_a_person_cannot_be_reached_by_are_passed_over(
    gateways, make_user, django_capture_on_commit_callbacks
):
    clerk = make_user(Role.UNIT_HANDLER, email="clerk@example.cn")  # no WeChat, no phone
    nobody = make_user(Role.UNIT_HANDLER)  # nothing at all
    _notify("test.assigned", [clerk, nobody], django_capture_on_commit_callbacks)
    by_user = {d.recipient_id: d for d in Delivery.objects.all()}
    assert by_user[clerk.pk].channel == EMAIL
    deliveries_send()
    failed = Delivery.objects.filter(recipient=nobody).order_by("id")
    assert [(d.channel, d.gateway_code) for d in failed] == [
        (WECHAT, "no_wechat"), (SMS, "no_phone"), (EMAIL, "no_email"),
    ]  # fmt: skip
    assert all(d.status == Status.FAILED for d in failed)


def test_sms_receipts_mark_delivered_or_fall_back_to_email(
    gateways, deputy, make_user, django_capture_on_commit_callbacks
):
    from renda.notifications.delivery import receipts_check

    other = make_user(Role.DEPUTY, phone="13700001111", email="wang@example.cn")
    RecipientSettings.objects.create(user=other, phone_verified_hash=phone_hash(other.phone))
    gateways.answer("/sms", (200, {"Code": "OK", "BizId": "B-1"}), (200, {"Code": "OK", "BizId": "B-2"}))
    _notify("test.sms", [deputy, other], django_capture_on_commit_callbacks)
    Preference.objects.create(user=other, kind="test.sms", channels=[INBOX, SMS, EMAIL])
    t0 = timezone.now()
    deliveries_send(now=t0)
    first, second = Delivery.objects.order_by("id")
    assert first.status == second.status == Status.SENT
    gateways.answer(
        "/sms",
        (
            200,
            {
                "Code": "OK",
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{"SendStatus": 3, "ErrCode": "DELIVERED"}]},
            },
        ),
        (
            200,
            {
                "Code": "OK",
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": [{"SendStatus": 2, "ErrCode": "MK:0001"}]},
            },
        ),
    )
    counts = receipts_check(now=t0 + dt.timedelta(minutes=2))
    assert counts == {"delivered": 1, "failed": 1, "pending": 0}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.DELIVERED and first.delivered_at is not None
    assert (second.status, second.gateway_code) == (Status.FAILED, "MK:0001")
    fallback = Delivery.objects.get(fallback_of=second)
    assert (fallback.channel, fallback.status) == (EMAIL, Status.SENT) and mail.outbox[0].to == [
        "wang@example.cn"
    ]
    query = gateways.to("/sms")[2].form
    assert query["Action"] == "QuerySendDetails" and query["BizId"] == "B-1"
    assert query["PhoneNumber"] == "13812345678" and len(query["SendDate"]) == 8
