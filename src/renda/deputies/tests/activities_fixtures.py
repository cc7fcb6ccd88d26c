"""Fixtures of the activities tests (imported by each ``test_activities*.py``): a current county
term with a group, deputies with accounts, an organiser, and an activity starting soon."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from renda.accounts.models import Organisation, Role
from renda.deputies.models import Deputy, DeputyGroup, Level, Term
from renda.deputies.models.activities import Activity, ActivityKind
from renda.deputies.services import activities as services


@pytest.fixture
def term(county) -> Term:
    return Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="第十九届",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2026, 12, 31),
        is_current=True,
    )


@pytest.fixture
def group(term, county) -> DeputyGroup:
    return DeputyGroup.objects.create(term=term, name="城关镇代表小组", region=county)


@pytest.fixture
def make_deputy(term, group, county, make_user):
    counter = iter(range(1, 10_000))

    def make(name: str = "", *, with_user: bool = True, **extra) -> Deputy:
        n = next(counter)
        user = make_user(Role.DEPUTY, real_name=name or f"代表{n}") if with_user else None
        return Deputy.objects.create_seat(
            term=extra.pop("term", term),
            group=extra.pop("group", group),
            region=county,
            number=f"19{n:03d}",
            name=name or f"代表{n}",
            gender="F",
            user=user,
            **extra,
        )

    return make


@pytest.fixture
def organiser(make_user):
    """Staff of the deputy affairs office (代表工作委员会): organises every activity."""
    return make_user(Role.STAFF)


@pytest.fixture
def other_staff(make_user, make_organisation):
    """Staff of another committee office: sees activities, organises only their own office's."""
    office = make_organisation(kind=Organisation.Kind.CONGRESS, name="预算工作委员会")
    return make_user(Role.STAFF, organisation=office)


@pytest.fixture
def make_activity(organiser):
    def make(
        *, start: dt.datetime | None = None, hours: int = 2, deputies=(), publish: bool = True, **extra
    ) -> Activity:
        start = start or timezone.now() + dt.timedelta(minutes=10)
        data = services.ActivityData(
            title=extra.pop("title", "城关镇人居环境整治视察"),
            kind=extra.pop("kind", ActivityKind.INSPECTION),
            start_at=start,
            end_at=start + dt.timedelta(hours=hours),
            place=extra.pop("place", "城关镇政府三楼会议室"),
            agenda="一、听取汇报；二、实地察看",
        )
        activity = services.activity_create(actor=organiser, data=data)
        if deputies:
            services.activity_invite(actor=organiser, activity=activity, deputies=list(deputies))
            if publish:
                services.activity_publish(actor=organiser, activity=activity)
        activity.refresh_from_db()
        return activity

    return make
