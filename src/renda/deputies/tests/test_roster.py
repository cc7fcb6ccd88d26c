"""代表名册: who may see the roster, and how phone numbers are shown."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from renda.accounts.models import Role
from renda.deputies.models import Deputy, DeputyGroup, Term
from renda.deputies.selectors import DeputyFilter, deputies_visible_to, deputy_counts

pytestmark = pytest.mark.django_db


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
def roster(term, county, make_user):
    group = DeputyGroup.objects.create(term=term, name="城关镇代表团", region=county)
    own = make_user(Role.DEPUTY)
    for i in range(1, 31):
        Deputy.objects.create_seat(
            term=term,
            group=group,
            region=county,
            number=f"19{i:03d}",
            name=f"代表{i}",
            gender="F",
            phone=f"1380000{i:04d}",
            user=own if i == 1 else None,
        )
    return own


def test_staff_see_every_deputy_with_phone_numbers(client_for, staff_user, roster):
    response = client_for(staff_user).get("/deputies/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "13800000001" in body
    assert response.context["page"].paginator.count == 30


@pytest.mark.parametrize(
    ("office", "full"),
    [("预算工作委员会", False), ("法制工作委员会", False), ("代表工作委员会", True), ("代表联络工委", True)],
)
def test_only_deputy_affairs_staff_see_full_phone_numbers(
    client_for, make_user, make_organisation, roster, office, full
):
    staff = make_user(Role.STAFF, organisation=make_organisation(kind="congress", name=office))
    body = client_for(staff).get("/deputies/").content.decode()
    assert ("13800000001" in body) is full
    assert ("138****0001" in body) is not full


def test_admin_sees_full_phone_numbers(client_for, admin_user, roster):
    body = client_for(admin_user).get("/deputies/").content.decode()
    assert "13800000001" in body


def test_deputy_sees_only_their_own_record_with_masked_phone(client_for, roster):
    response = client_for(roster).get("/deputies/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    body = response.content.decode()
    assert "138****0001" in body and "13800000001" not in body


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.CITIZEN])
def test_units_and_citizens_are_refused_the_roster(client_for, make_user, roster, role):
    assert client_for(make_user(role)).get("/deputies/").status_code == 403


def test_roster_filters_and_htmx_partial(client_for, staff_user, roster):
    client = client_for(staff_user)
    response = client.get("/deputies/", {"q": "代表2"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body  # the partial only
    assert "共 11 名代表" in body  # 代表2, 代表20..代表29


def test_roster_costs_constant_queries(client_for, staff_user, roster, django_assert_max_num_queries):
    client = client_for(staff_user)
    with django_assert_max_num_queries(15):  # the page, its filters, the menu, the bell, the rows
        client.get("/deputies/")


def test_counts_are_for_staff_only(staff_user, citizen_user, roster):
    assert deputy_counts(actor=staff_user)["county"] == 30
    with pytest.raises(PermissionDenied):
        deputy_counts(actor=citizen_user)
    with pytest.raises(PermissionDenied):
        list(deputies_visible_to(actor=citizen_user, filters=DeputyFilter()))


def test_the_roster_by_group_lists_the_grouped_seats_group_by_group(
    client_for, staff_user, roster, term, county
):
    """The workbench's 代表团（组） tile opens this list (issue 15.13)."""
    other = DeputyGroup.objects.create(term=term, name="城南镇代表团", region=county)
    Deputy.objects.filter(number__in=["19002", "19004"]).update(group=other)
    Deputy.objects.create_seat(term=term, region=county, number="19099", name="无组代表", gender="M")
    seats = deputies_visible_to(actor=staff_user, filters=DeputyFilter(grouped=True))
    assert seats.count() == 30
    names = [d.group.name if d.group else "" for d in seats]
    changes = [i for i in range(1, len(names)) if names[i] != names[i - 1]]
    assert len(changes) == 1 and set(names) == {"城关镇代表团", "城南镇代表团"}  # one group, then the other
    response = client_for(staff_user).get("/deputies/", {"grouped": "1"})
    assert response.context["page"].paginator.count == 30
    assert 'id="grouped" name="grouped" value="1" checked' in response.content.decode()
    assert client_for(staff_user).get("/deputies/").context["page"].paginator.count == 31
