"""The suggestion notices are words (issue 15.9): written while the actors use Chinese, every notice of
a suggestion's way (invited, submitted, registered, assigned, opinion sent, extension decided, replied,
closed, overdue) reads in English for an English reader — names, titles and numbers are data — and
in Chinese, as stored, for a Chinese reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from renda.accounts.models import Organisation, User
from renda.conftest import chinese_outside
from renda.notifications.models import Notification
from renda.suggestions import services
from renda.suggestions.models import State, Suggestion

pytestmark = pytest.mark.django_db


def _data(s: Suggestion) -> set[str]:
    names = {s.title, s.number}
    names |= {o.name for o in Organisation.objects.all()} | {o.short_name for o in Organisation.objects.all()}
    names |= {str(u) for u in User.objects.all()} | {u.display_name for u in User.objects.all()}
    return {n for n in names if n}


def test_every_notice_of_a_suggestions_way_reads_in_english(flow, django_capture_on_commit_callbacks):
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        s = flow.to(State.IN_PROGRESS, title="Water pipes of Xingfu estate")
        request = services.extension_request(actor=flow.lead_clerk, suggestion=s, months=2, reason="Budget.")
        services.extension_decide(actor=flow.office, extension=request, approve=True)
        s = flow.to(State.CLOSED, s=flow.refresh(s))
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        reopened = flow.to(State.IN_PROGRESS, title="Street lights on Xihe road")
        Suggestion.objects.filter(pk=reopened.pk).update(
            reply_due=timezone.localdate() - dt.timedelta(days=3)
        )
        services.reminders_send()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {
        "suggestion.invite",
        "suggestion.submitted",
        "suggestion.registered",
        "suggestion.assigned",
        "suggestion.opinion_sent",
        "suggestion.extension_decided",
        "suggestion.replied",
        "suggestion.closed",
        "suggestion.overdue",
    } <= kinds
    data = _data(s) | _data(flow.refresh(reopened))
    for notice in Notification.objects.all():
        assert notice.words, notice.kind
        with translation.override("en"):
            english = notice.shown_text
        assert not chinese_outside(english, data), (notice.kind, english)
        with translation.override("zh-hans"):
            assert notice.shown_text == notice.text
    extension = Notification.objects.filter(kind="suggestion.extension_decided").first()
    assert extension is not None
    with translation.override("en"):
        assert "was approved" in extension.shown_text
