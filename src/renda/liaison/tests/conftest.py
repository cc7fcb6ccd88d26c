"""Fixtures of the liaison tests: a town with a station, deputies, a department and its clerk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from renda.accounts.models import Organisation, Region, Role
from renda.deputies.models import Deputy, Level, Term
from renda.liaison.models import Category, Station


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def town(county) -> Region:
    return Region.objects.create(code="610999101", name="城关镇", level=Region.Level.TOWN, parent=county)


@pytest.fixture
def other_town(county) -> Region:
    return Region.objects.create(code="610999102", name="河口镇", level=Region.Level.TOWN, parent=county)


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
def congress_office(make_organisation) -> Organisation:
    return make_organisation(kind=Organisation.Kind.CONGRESS, name="代表工作委员会")


@pytest.fixture
def town_office(make_organisation) -> Organisation:
    return make_organisation(kind=Organisation.Kind.TOWNSHIP, name="城关镇人民政府")


@pytest.fixture
def home(county, town, congress_office) -> Station:
    return Station.objects.create(
        code="HOME",
        name="人大代表之家",
        kind=Station.Kind.HOME,
        region=town,
        address="人民路88号",
        organisation=congress_office,
    )


@pytest.fixture
def station(town, town_office) -> Station:
    return Station.objects.create(
        code="STN-1",
        name="城关镇人大代表联络站",
        kind=Station.Kind.STATION,
        region=town,
        address="城关镇政府院内",
        organisation=town_office,
    )


@pytest.fixture
def other_station(other_town, make_organisation) -> Station:
    return Station.objects.create(
        code="STN-2",
        name="河口镇人大代表联络站",
        kind=Station.Kind.STATION,
        region=other_town,
        address="河口镇政府院内",
        organisation=make_organisation(kind=Organisation.Kind.TOWNSHIP),
    )


@pytest.fixture
def manager(make_user, home, congress_office):
    """A staff member of the office running the deputy home: manages every station."""
    return make_user(Role.STAFF, organisation=congress_office)


@pytest.fixture
def town_staff(make_user, station, town_office):
    """A staff member of the town office: manages only the town's station."""
    return make_user(Role.STAFF, organisation=town_office)


@pytest.fixture
def stranger_staff(make_user):
    """A staff member of an office that manages no station."""
    return make_user(Role.STAFF)


@pytest.fixture
def deputy(make_user, term, town, station) -> Deputy:
    user = make_user(Role.DEPUTY)
    d = Deputy.objects.create_seat(
        term=term, region=town, number="19001", name="王代表", gender="M", user=user
    )
    station.deputies.add(d)
    return d


@pytest.fixture
def other_deputy(make_user, term, other_town, other_station) -> Deputy:
    user = make_user(Role.DEPUTY)
    d = Deputy.objects.create_seat(
        term=term, region=other_town, number="19002", name="李代表", gender="F", user=user
    )
    other_station.deputies.add(d)
    return d


@pytest.fixture
def department(make_organisation) -> Organisation:
    return make_organisation(kind=Organisation.Kind.DEPARTMENT, name="县住房和城乡建设局")


@pytest.fixture
def clerk(make_user, department):
    return make_user(Role.UNIT_HANDLER, organisation=department)


@pytest.fixture
def other_clerk(make_user):
    return make_user(Role.UNIT_HANDLER)


CONTENT = "城关镇幸福小区门口的路灯坏了三个月，晚上出行很不安全，希望尽快修好。"


@pytest.fixture
def submit(town, station, home):
    from renda.liaison import services

    def do(**kwargs):
        params = {
            "town": town,
            "category": Category.URBAN,
            "phone": "13812345678",
            "content": CONTENT,
            "name": "张建国",
            "station": station,
        }
        params.update(kwargs)
        return services.opinion_submit(**params)

    return do


@pytest.fixture
def today():
    return timezone.localdate()
