"""The demo county's liaison data: a year of reception days, ~400 opinions, 80 appointments."""

from __future__ import annotations

import re

import pytest
from django.db.models import Count
from django.utils import timezone

from renda.accounts.models import User
from renda.liaison import selectors
from renda.liaison.models import OPEN_STATES, Appointment, Opinion, ReceptionDay

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-county")]


def test_demo_covers_every_state_and_gives_the_demo_logins_work():
    first = (Opinion.objects.count(), Appointment.objects.count(), ReceptionDay.objects.count())
    assert 380 <= first[0] <= 420 and first[1] == 80 and first[2] >= 12 * 12

    states = dict(Opinion.objects.values_list("state").annotate(n=Count("pk")))
    assert set(states) == set(Opinion.State.values)
    assert set(Appointment.objects.values_list("state", flat=True)) == set(Appointment.State.values)
    today = timezone.localdate()
    assert Opinion.objects.filter(state__in=OPEN_STATES, deadline__lt=today).exists()
    published = Opinion.objects.filter(publication=Opinion.Publication.PUBLISHED)
    assert published.count() > 20
    assert not any(re.search(r"1[3-9]\d{9}", o.public_content) for o in published)
    assert (
        ReceptionDay.objects.filter(date__gt=today).exists()
        and ReceptionDay.objects.filter(date__lt=today).exists()
    )

    # 不满意: some went round twice (closed after the second answer), some are in their second round.
    assert Opinion.objects.filter(state=Opinion.State.CLOSED, round=2).exists()
    assert Opinion.objects.filter(
        state=Opinion.State.PROCESSING, round=2, dissatisfied_at__isnull=False
    ).exists()

    for username in ("staff", "deputy", "unit"):
        counts = selectors.work_counts(actor=User.objects.get(username=username))
        assert counts["in_hand"] > 0, username
