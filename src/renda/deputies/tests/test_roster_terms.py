"""代表名册: current seats by default, a person's history across terms, the Excel export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from renda.accounts.models import Role

pytestmark = pytest.mark.django_db


def _names(response):
    return [d.name for d in response.context["page"]]


def test_roster_shows_current_serving_seats_by_default(client_for, office, seats, old_term):
    response = client_for(office).get(reverse("deputies:list"))
    assert _names(response) == ["林晓梅", "王强", "陈静", "李华"]
    former = client_for(office).get(reverse("deputies:list"), {"former": "1"})
    assert sorted(_names(former)) == sorted(["林晓梅", "林晓梅", "王强", "赵刚", "陈静", "李华"])
    assert "任职至 2026-03" in former.content.decode()
    by_term = client_for(office).get(reverse("deputies:list"), {"term": old_term.pk, "former": "1"})
    assert [(d.name, d.number) for d in by_term.context["page"]] == [("林晓梅", "18007")]


def test_person_history_lists_seats_across_terms(client_for, office, seats):
    response = client_for(office).get(reverse("deputies:person", args=[seats[0].person_id]))
    assert response.status_code == 200
    assert [s.term.number for s in response.context["seats"]] == [19, 18]


def test_deputy_sees_only_their_own_history(client_for, make_user, seats):
    user = make_user(Role.DEPUTY)
    person = seats[0].person
    person.user = user
    person.save()
    assert client_for(user).get(reverse("deputies:person", args=[person.pk])).status_code == 200
    assert client_for(user).get(reverse("deputies:person", args=[seats[1].person_id])).status_code == 403


def _sheet(response):
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[c.value for c in row] for row in wb.active.iter_rows()]


def test_export_has_the_roster_columns_and_full_phones_for_the_office(client_for, office, seats, group):
    response = client_for(office).get(reverse("deputies:list"), {"format": "xlsx", "group": group.pk})
    rows = _sheet(response)
    header = next(r for r in rows if r and r[0] == "姓名")
    assert header[:8] == ["姓名", "性别", "民族", "党派", "单位职务", "代表团/小组", "选区", "手机"]
    data = rows[rows.index(header) + 1 :]
    names = [r[0] for r in data if r[0] in {"林晓梅", "王强", "陈静", "李华", "赵刚"}]
    assert names == ["林晓梅", "王强", "陈静", "李华"]  # the filters of the page
    assert any(r[7] == "13800001111" for r in data)


def test_export_masks_phones_for_other_staff(client_for, budget_staff, seats):
    rows = _sheet(client_for(budget_staff).get(reverse("deputies:list"), {"format": "xlsx", "q": "林晓梅"}))
    flat = [str(c) for r in rows for c in r if c]
    assert "138****1111" in flat and "13800001111" not in flat


def test_export_refused_to_citizens(client_for, citizen_user, seats):
    assert client_for(citizen_user).get(reverse("deputies:list"), {"format": "xlsx"}).status_code == 403
