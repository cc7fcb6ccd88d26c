"""The liaison notices are words (issue 15.9): a new opinion, its referral and the deadline reminders,
written while the actors use Chinese, read in English for an English reader (names and codes are
data) and in Chinese, as stored, for a Chinese reader; the tracking code a citizen asks for by SMS
goes out in Chinese whatever language the citizen used (a number has no language of its own)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from renda.accounts.models import Organisation, User
from renda.conftest import chinese_outside
from renda.liaison import services
from renda.liaison.models import Opinion, Station
from renda.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def test_the_liaison_notices_read_in_english(
    submit, manager, department, clerk, today, django_capture_on_commit_callbacks
):
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        overdue = submit()
        Opinion.objects.filter(pk=overdue.pk).update(deadline=today - dt.timedelta(days=3))
        referred = submit(phone="13900000001")
        services.opinion_accept(actor=manager, opinion=referred)
        services.opinion_refer(actor=manager, opinion=referred, department=department)
        Opinion.objects.filter(pk=referred.pk).update(deadline=today)
        services.send_deadline_reminders(today=today)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"opinion.new", "opinion.referred", "opinion.due", "opinion.overdue"} <= kinds
    data = {o.name for o in Organisation.objects.all()} | {s.name for s in Station.objects.all()}
    data |= {u.display_name for u in User.objects.all()} | {o.code_display for o in Opinion.objects.all()}
    for notice in Notification.objects.all():
        assert notice.words, notice.kind
        with translation.override("en"):
            english = notice.shown_text
        assert not chinese_outside(english, data), (notice.kind, english)
        with translation.override("zh-hans"):
            assert notice.shown_text == notice.text
    overdue_notice = Notification.objects.filter(kind="opinion.overdue").first()
    assert overdue_notice is not None
    with translation.override("en"):
        assert "is overdue" in overdue_notice.shown_text


def test_the_tracking_code_sms_is_chinese_for_a_citizen_writing_in_english(
    submit, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        opinion = submit(code_by_sms=True)
    delivery = Delivery.objects.get(kind="opinion.tracking_code")
    assert delivery.text.startswith("您的意见已收到") and opinion.code_display in delivery.text
