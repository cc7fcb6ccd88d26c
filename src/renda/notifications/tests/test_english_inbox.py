"""Notices in the reader's language (issue 15.9): a notice keeps its words and each reader reads them
in their own language — inbox, workbench panel, delivery log — whatever language the person whose
act wrote it was using; its stored text (search, export, the messages sent) is the Chinese wording;
a notice written before the words were kept shows its text as it was written."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop
from openpyxl import load_workbook

from renda.accounts.models import Role
from renda.conftest import chinese_outside
from renda.core.words import say
from renda.notifications.kinds import all_kinds
from renda.notifications.models import Delivery, Notification
from renda.notifications.services import notify

pytestmark = pytest.mark.django_db

ASSIGNED = gettext_noop("Suggestion %(number)s “%(title)s” has been assigned; the reply is due on %(due)s.")
ENGLISH = "Suggestion 2026-7 “Bridge at Xiaohe” has been assigned; the reply is due on 2026-03-31."
CHINESE = "第 2026-7 号建议《Bridge at Xiaohe》已交办，答复期限为 2026-03-31。"


def _written_in_chinese(recipients, django_capture_on_commit_callbacks) -> None:
    """The notice as a Chinese-speaking actor's request writes it."""
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        notify(
            kind="suggestion.assigned",
            recipients=recipients,
            text=say(ASSIGNED, number="2026-7", title="Bridge at Xiaohe", due="2026-03-31"),
            link="/suggestions/7/",
        )


def _test_kinds() -> set[str]:
    """The labels of kinds other test modules declare (the inbox's kind filter lists them)."""
    return {str(k.label) for k in all_kinds() if k.name.startswith("test.")}


def _page(client, name: str, language: str) -> str:
    client.cookies["django_language"] = language
    return client.get(reverse(name)).content.decode()


def test_a_notice_written_in_chinese_reads_in_each_readers_language(
    make_user, client_for, django_capture_on_commit_callbacks
):
    reader = make_user(Role.UNIT_HANDLER, real_name="Anna Lee")
    _written_in_chinese([reader], django_capture_on_commit_callbacks)
    notice = Notification.objects.get(recipient=reader)
    assert notice.text == CHINESE  # the stored (official) wording: search, export, messages
    assert isinstance(notice.words, dict) and notice.words["id"] == ASSIGNED
    client = client_for(reader)

    inbox = _page(client, "notifications:inbox", "en")
    assert ENGLISH in inbox and CHINESE not in inbox
    assert not chinese_outside(inbox, {reader.display_name, reader.organisation.name, *_test_kinds()})
    workbench = _page(client, "core:workbench", "en")
    assert 'data-testid="notifications-panel"' in workbench
    assert ENGLISH in workbench and CHINESE not in workbench
    assert 'data-testid="notice-count">1<' in workbench  # the bell counts it

    assert CHINESE in _page(client, "notifications:inbox", "zh-hans")
    workbench = _page(client, "core:workbench", "zh-hans")
    assert CHINESE in workbench and ENGLISH not in workbench


def test_a_notice_written_in_english_reads_in_chinese_for_a_chinese_reader(
    make_user, client_for, django_capture_on_commit_callbacks
):
    reader = make_user(Role.DEPUTY)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notify(
            kind="suggestion.assigned",
            recipients=[reader],
            text=say(ASSIGNED, number="2026-7", title="Bridge at Xiaohe", due="2026-03-31"),
            link="/suggestions/7/",
        )
    assert Notification.objects.get(recipient=reader).text == CHINESE
    page = _page(client_for(reader), "notifications:inbox", "zh-hans")
    assert CHINESE in page and ENGLISH not in page


def test_an_old_notice_without_words_shows_its_text(make_user, client_for):
    reader = make_user(Role.UNIT_HANDLER, real_name="Anna Lee")
    Notification.objects.create(recipient=reader, kind="opinion.overdue", text="意见超期提醒", link="/x/")
    client = client_for(reader)
    inbox = _page(client, "notifications:inbox", "en")
    assert "意见超期提醒" in inbox
    assert not chinese_outside(
        inbox, {"意见超期提醒", reader.display_name, reader.organisation.name, *_test_kinds()}
    )
    assert "意见超期提醒" in _page(client, "core:workbench", "en")


def test_the_messages_go_out_in_chinese_and_the_log_reads_in_the_readers_language(
    make_user, admin_user, client_for, django_capture_on_commit_callbacks
):
    reader = make_user(Role.UNIT_HANDLER, real_name="Anna Lee", email="anna@example.cn")
    _written_in_chinese([reader], django_capture_on_commit_callbacks)
    notice = Notification.objects.get(recipient=reader)
    delivery = Delivery.objects.create(
        notification=notice,
        recipient=reader,
        kind=notice.kind,
        channel="email",
        address_masked="a***@example.cn",
    )
    assert delivery.message_text == CHINESE  # what the gateway sends: no one keeps a language of their own
    with translation.override("en"):
        assert delivery.shown_text == ENGLISH
    client = client_for(admin_user)
    client.cookies["django_language"] = "en"
    export = client.get(reverse("notifications:deliveries"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert ENGLISH in cells and CHINESE not in cells


def test_a_failed_notice_tried_again_keeps_its_words(
    make_user, admin_user, django_capture_on_commit_callbacks
):
    from renda.notifications.models import NotifyFailure
    from renda.notifications.services import notify_failure_retry

    reader = make_user(Role.DEPUTY)
    failure = NotifyFailure.objects.create(
        kind="suggestion.assigned",
        stage=NotifyFailure.Stage.NOTICES,
        error_class="OperationalError",
        payload={
            "recipient_ids": [reader.pk],
            "text": CHINESE,
            "words": say(ASSIGNED, number="2026-7", title="Bridge at Xiaohe", due="2026-03-31"),
            "link": "/suggestions/7/",
        },
    )
    assert notify_failure_retry(actor=admin_user, failure=failure) == (1, "")
    notice = Notification.objects.get(recipient=reader)
    with translation.override("en"):
        assert notice.shown_text == ENGLISH
