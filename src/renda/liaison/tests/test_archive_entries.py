"""履职档案 (issue 18 §3): reception duty and an opinion a deputy answered go into the archive by
themselves; a cancelled reception day leaves it."""

from __future__ import annotations

import datetime as dt

import pytest

from renda.deputies.models import ArchiveEntry
from renda.liaison import services

pytestmark = pytest.mark.django_db


def test_reception_duty_is_recorded_and_removed_when_the_day_is_cancelled(town_staff, station, deputy, today):
    date = services.earliest_reception_date(today) + dt.timedelta(days=7)
    day = services.reception_day_schedule(
        actor=town_staff,
        station=station,
        date=date,
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        place="联络站接待室",
        deputies=[deputy],
    )
    entry = ArchiveEntry.objects.get(seat=deputy)
    assert (entry.kind, entry.date, entry.is_automatic, entry.source) == ("reception_duty", date, True, day)
    services.reception_day_cancel(actor=town_staff, day=day, reason="代表临时参加县人大会议")
    assert not ArchiveEntry.objects.filter(seat=deputy).exists()


def test_an_opinion_answered_by_the_deputy_is_recorded(submit, deputy):
    opinion = submit(deputy=deputy)
    services.opinion_accept(actor=deputy.user, opinion=opinion)
    services.opinion_handle_directly(actor=deputy.user, opinion=opinion)
    services.opinion_answer(actor=deputy.user, opinion=opinion, answer="我已到现场查看，已协调镇政府修复。")
    entry = ArchiveEntry.objects.get(seat=deputy)
    assert (entry.kind, entry.section, entry.source) == ("opinion_answered", "suggestions", opinion)
