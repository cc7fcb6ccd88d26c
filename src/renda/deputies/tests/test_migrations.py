"""代表本人与席位: the migration gives each deputy a person without losing a seat, an account or a link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from renda.accounts.models import Role

BEFORE = [("deputies", "0001_initial")]
AFTER = [("deputies", "0004_person_seat_cleanup")]


@pytest.fixture(autouse=True)
def _latest_schema_after():
    """A test that migrates back leaves the schema at the latest migrations for the tests after it."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_same_person_in_two_terms_becomes_one_person_with_one_account(county, make_user):
    old = _migrate(BEFORE)
    Term = old.get_model("deputies", "Term")
    Deputy = old.get_model("deputies", "Deputy")
    t18 = Term.objects.create(
        level="county",
        region_id=county.pk,
        number=18,
        name="第十八届",
        start_date="2017-01-01",
        end_date="2021-12-31",
    )
    t19 = Term.objects.create(
        level="county",
        region_id=county.pk,
        number=19,
        name="第十九届",
        start_date="2022-01-01",
        end_date="2026-12-31",
        is_current=True,
    )
    user = make_user(Role.DEPUTY)
    common = {"region_id": county.pk, "gender": "F", "party": "中共党员"}
    old18 = Deputy.objects.create(
        term=t18, number="18007", name="林晓梅", birth_year=1975, phone="13800001111", **common
    )
    new19 = Deputy.objects.create(
        term=t19,
        number="19003",
        name="林晓梅",
        birth_year=1975,
        phone="13800001111",
        user_id=user.pk,
        workplace="城关镇幸福社区党委书记",
        **common,
    )
    # Same name, another phone: another person. No phone, no birth year: a person of its own.
    namesake = Deputy.objects.create(
        term=t19, number="19004", name="林晓梅", birth_year=1975, phone="13900002222", **common
    )
    bare = Deputy.objects.create(term=t19, number="19005", name="王强", **common)

    new = _migrate(AFTER)
    Person = new.get_model("deputies", "Person")
    Seat = new.get_model("deputies", "Deputy")
    assert Seat.objects.count() == 4
    assert Person.objects.count() == 3
    seats = {d.pk: d for d in Seat.objects.all()}
    assert seats[old18.pk].person_id == seats[new19.pk].person_id
    assert seats[namesake.pk].person_id != seats[new19.pk].person_id
    assert seats[bare.pk].person_id not in {seats[new19.pk].person_id, seats[namesake.pk].person_id}
    person = Person.objects.get(pk=seats[new19.pk].person_id)
    # the latest term's details and the account stay with the person
    assert (person.user_id, person.workplace, person.phone) == (
        user.pk,
        "城关镇幸福社区党委书记",
        "13800001111",
    )
    assert (seats[old18.pk].number, seats[old18.pk].term_id) == ("18007", t18.pk)


@pytest.mark.django_db(transaction=True)
def test_demo_county_deputies_survive_the_round_trip(settings):
    """Tested on the demo county: every seat, account and station link back and forth."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from renda.core import demo as registry
    from renda.demo.county import DemoContext, build_plan, discover_demo_steps
    from renda.deputies.models import Deputy
    from renda.liaison.models import Station

    discover_demo_steps()
    ctx = DemoContext(plan=build_plan())
    for step in registry.DEMO_STEPS:
        if step.order <= 50:  # regions, organisations, deputies, stations, logins
            step.func(ctx)
    seats = {
        d.pk: (d.term_id, d.number, d.name, d.phone, d.group_id, d.region_id, d.user_id)
        for d in Deputy.objects.select_related("person")
    }
    links = set(Station.deputies.through.objects.values_list("station_id", "deputy_id"))
    assert len(seats) > 500 and any(v[6] for v in seats.values())

    old = _migrate(BEFORE)
    OldDeputy = old.get_model("deputies", "Deputy")
    back = {
        d.pk: (d.term_id, d.number, d.name, d.phone, d.group_id, d.region_id, d.user_id)
        for d in OldDeputy.objects.all()
    }
    assert back == seats

    new = _migrate(AFTER)
    Seat = new.get_model("deputies", "Deputy")
    Person = new.get_model("deputies", "Person")
    again = {
        d.pk: (d.term_id, d.number, d.person.name, d.person.phone, d.group_id, d.region_id, d.person.user_id)
        for d in Seat.objects.select_related("person")
    }
    assert again == seats
    assert Person.objects.count() == len({(v[2], v[3]) for v in seats.values()})
    assert set(Station.deputies.through.objects.values_list("station_id", "deputy_id")) == links
