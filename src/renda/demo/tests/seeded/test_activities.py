"""The demo county's activities: about 60 over the year, every kind, the four attendance states,
and a sign-in to do today for the ``deputy`` login; loading twice changes nothing (seeded/test_county)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from renda.demo.county import DEMO_DEPUTY_NUMBER
from renda.deputies.models.activities import Activity, ActivityKind, Attendance, Invitation
from renda.deputies.selectors import activities as selectors

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-county")]


def test_demo_activities_cover_every_kind_and_state_and_give_the_deputy_a_sign_in_today():
    generated = Activity.objects.filter(source="demo.activity")
    assert 55 <= generated.count() <= 61
    assert set(Activity.objects.values_list("kind", flat=True)) == set(ActivityKind.values)
    assert {"published", "closed", "cancelled", "signin"} <= set(
        Activity.objects.values_list("state", flat=True)
    )
    states: set[str] = set()
    for activity in Activity.objects.filter(state="closed")[:40]:
        states |= {i.attendance(activity) for i in activity.invitations.all()}
    assert states == set(Attendance.values)
    for activity in Activity.objects.filter(state="closed", attendance_taken=True)[:10]:
        assert activity.attendee_count == activity.invitations.filter(signed_in_at__isnull=False).count()

    demo = (
        Invitation.objects.filter(deputy__number=DEMO_DEPUTY_NUMBER)
        .select_related("deputy__person__user")
        .first()
    )
    assert demo is not None and demo.deputy.user is not None
    invitations = selectors.my_activities(actor=demo.deputy.user)
    today = [i for i in invitations if selectors.is_today(i.activity)]
    assert today and today[0].activity.state == "signin" and today[0].signed_in_at is None
    assert any(i.answer == "pending" and i.activity.start_at > timezone.now() for i in invitations)
    assert any(i.activity.kind == "reception" for i in invitations)
