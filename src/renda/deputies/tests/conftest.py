"""Fixtures of the deputies' tests: two terms, a group, people with seats, the deputy affairs office."""

from __future__ import annotations

import datetime as dt

import pytest

from renda.accounts.models import Organisation, Role
from renda.deputies.models import Deputy, DeputyGroup, Person, Term


@pytest.fixture
def term(county):
    return Term.objects.create(
        level="county",
        region=county,
        number=19,
        name="第十九届",
        start_date="2022-01-01",
        end_date="2026-12-31",
        is_current=True,
    )


@pytest.fixture
def old_term(county):
    return Term.objects.create(
        level="county",
        region=county,
        number=18,
        name="第十八届",
        start_date="2017-01-01",
        end_date="2021-12-31",
    )


@pytest.fixture
def group(term, county):
    return DeputyGroup.objects.create(term=term, name="城关镇代表团", region=county)


@pytest.fixture
def office(make_user, make_organisation):
    """A clerk of the deputy affairs office (代表工委)."""
    org = make_organisation(kind=Organisation.Kind.CONGRESS, name="县人大常委会代表工作委员会")
    return make_user(Role.STAFF, organisation=org)


@pytest.fixture
def budget_staff(make_user, make_organisation):
    org = make_organisation(kind=Organisation.Kind.CONGRESS, name="县人大常委会预算工作委员会")
    return make_user(Role.STAFF, organisation=org)


@pytest.fixture
def seats(term, old_term, group, county):
    """Five seats in the group; 林晓梅 also sat in the 18th term; 赵刚's seat ended in March 2026."""
    made = []
    for i, (name, phone) in enumerate(
        [
            ("林晓梅", "13800001111"),
            ("王强", "13800002222"),
            ("赵刚", "13800003333"),
            ("陈静", ""),
            ("李华", ""),
        ],
        start=1,
    ):
        made.append(
            Deputy.objects.create_seat(
                term=term, group=group, region=county, number=f"19{i:03d}", name=name, gender="F", phone=phone
            )
        )
    Deputy.objects.create(
        person=made[0].person, term=old_term, region=county, number="18007", is_active=False
    )
    ended = made[2]
    ended.end_date, ended.end_reason, ended.is_active = dt.date(2026, 3, 15), Deputy.EndReason.RESIGNED, False
    ended.save()
    return made


def person_of_seat(seat: Deputy) -> Person:
    return Person.objects.get(pk=seat.person_id)
