"""开户: accounts from the roster for one deputy or a whole group; slips once; change at first sign-in."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from renda.accounts.models import Role, User
from renda.core.models import AuditEvent
from renda.deputies.models import Person
from renda.deputies.selectors import seat_of
from renda.deputies.services.roster import deputy_accounts_create

pytestmark = pytest.mark.django_db


def test_office_creates_accounts_for_a_whole_group_and_sees_each_password_once(
    client_for, office, seats, group
):
    response = client_for(office).post(reverse("deputies:accounts_create"), {"group": group.pk})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    slips = response.context["slips"]
    # the four serving seats of the group; the seat that ended in March is not given an account
    assert [s.person.name for s in slips] == ["林晓梅", "王强", "陈静", "李华"]
    body = response.content.decode()
    for slip in slips:
        assert slip.created and slip.password in body
        user = User.objects.get(username=slip.username)
        assert user.role == Role.DEPUTY and user.must_change_password and user.check_password(slip.password)
        assert Person.objects.get(user=user) == slip.person
        assert seat_of(user) == slip.seat
    assert AuditEvent.objects.filter(action="deputies.account_create").count() == 4
    # A second time: nothing new, no password shown again.
    again = client_for(office).post(reverse("deputies:accounts_create"), {"group": group.pk})
    assert again.context["created"] == 0
    assert all(not s.password for s in again.context["slips"])
    assert not any(s.password in again.content.decode() for s in slips)


def test_account_for_one_deputy_from_the_person_page(client_for, admin_user, seats):
    person = seats[1].person
    page = client_for(admin_user).get(reverse("deputies:person", args=[person.pk])).content.decode()
    assert 'data-testid="account-create"' in page
    response = client_for(admin_user).post(reverse("deputies:accounts_create"), {"seat": seats[1].pk})
    (slip,) = response.context["slips"]
    person.refresh_from_db()
    assert person.user is not None and person.user.username == slip.username == "db19002"


def test_a_person_with_two_seats_gets_one_account(office, seats):
    old_seat = seats[0].person.seats.get(number="18007")
    slips = deputy_accounts_create(actor=office, seats=[seats[0], old_seat])
    assert len(slips) == 1 and Person.objects.get(pk=seats[0].person_id).user is not None


@pytest.mark.parametrize("who", ["budget_staff", "deputy_user", "unit_user"])
def test_only_the_office_and_administrators_create_accounts(request, client_for, seats, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        deputy_accounts_create(actor=actor, seats=seats[:1])
    assert (
        client_for(actor).post(reverse("deputies:accounts_create"), {"seat": seats[0].pk}).status_code == 403
    )
    assert not User.objects.filter(username__startswith="db").exists()
    assert AuditEvent.objects.filter(outcome="refused", action="deputies.manage_accounts").exists()


def test_nothing_chosen_is_a_clear_400(client_for, office, seats):
    response = client_for(office).post(reverse("deputies:accounts_create"), {})
    assert response.status_code == 400
    assert "请至少选择一名代表" in response.content.decode()


def test_new_account_must_change_its_password_before_anything_else(client, office, seats):
    (slip,) = deputy_accounts_create(actor=office, seats=[seats[1]])
    assert client.post(reverse("accounts:login"), {"username": slip.username, "password": slip.password})
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change")


def test_deputy_without_a_linked_person_is_told_why_and_whom_to_ask(client_for, deputy_user, office):
    page = client_for(deputy_user).get(reverse("core:workbench")).content.decode()
    assert 'data-testid="no-seat-panel"' in page and "县人大常委会代表工作委员会" in page
    response = client_for(deputy_user).get(reverse("suggestions:create"))
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-testid="no-seat"' in body and "县人大常委会代表工作委员会" in body


def test_deputy_whose_seat_ended_is_told_so(client_for, make_user, seats, office):
    user = make_user(Role.DEPUTY)
    ended = seats[2].person
    ended.user = user
    ended.save()
    response = client_for(user).get(reverse("suggestions:create"))
    assert response.status_code == 403
    assert "任职至 2026-03" in response.content.decode()
