"""工作日历 pages: everyone signed in reads the year; administrators edit and import."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import Role
from renda.core.models import AuditEvent, CalendarDay
from renda.core.tests.test_calendar import shipped_calendar  # noqa: F401  (the shipped holiday data)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shipped_calendar")]

D = dt.date
GOOD_2027 = "date,kind,festival\n2027-01-01,holiday,元旦\n2027-02-13,workday,春节\n"


def _cell_kind(html: str, day: str) -> str:
    match = re.search(rf'data-testid="calendar-day" data-date="{day}" data-kind="(\w+)"', html)
    assert match, day
    return match.group(1)


def _upload(text: str, name: str = "2027.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# --- who may see what -----------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client):
    for name in ("core:calendar", "core:calendar_edit", "core:calendar_import"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", [Role.STAFF, Role.DEPUTY, Role.UNIT_HANDLER, Role.CITIZEN, Role.ADMIN])
def test_signed_in_people_see_the_year(make_user, client_for, role):
    response = client_for(make_user(role)).get(reverse("core:calendar"), {"year": 2026})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="calendar-month"') == 12
    assert html.count('data-testid="calendar-day"') == 365
    assert 'data-testid="calendar-legend"' in html
    assert _cell_kind(html, "2026-02-14") == "workday"
    assert _cell_kind(html, "2026-02-16") == "holiday"
    assert _cell_kind(html, "2026-02-07") == "weekend"
    assert _cell_kind(html, "2026-02-24") == "weekday"
    assert "春节" in html and "国庆节" in html
    entered = CalendarDay.objects.filter(date__year=2026).count()
    assert html.count('data-testid="calendar-exception"') == entered


def test_finance_feed_account_cannot_see_the_calendar(finance_feed_user, client_for):
    assert client_for(finance_feed_user).get(reverse("core:calendar")).status_code == 403


def test_year_view_counts_working_days(staff_user, client_for):
    response = client_for(staff_user).get(reverse("core:calendar"), {"year": 2026})
    cal = response.context["cal"]
    working = sum(1 for m in cal.months for w in m.weeks for c in w if c and c.is_working)
    assert cal.working_days == working
    assert cal.holidays == CalendarDay.objects.filter(date__year=2026, kind="holiday").count()
    assert cal.adjusted_workdays == 6
    feb = cal.months[1]
    assert [(r.kind, r.name, r.first, r.last) for r in feb.runs] == [
        ("workday", "春节", D(2026, 2, 14), D(2026, 2, 14)),
        ("holiday", "春节", D(2026, 2, 15), D(2026, 2, 23)),
        ("workday", "春节", D(2026, 2, 28), D(2026, 2, 28)),
    ]


def test_year_without_arrangements_says_so_and_bad_year_falls_back(staff_user, client_for):
    client = client_for(staff_user)
    html = client.get(reverse("core:calendar"), {"year": 2031}).content.decode()
    assert 'data-testid="calendar-not-entered"' in html
    assert _cell_kind(html, "2031-01-01") == "weekday"  # no arrangement entered: an ordinary Wednesday
    response = client.get(reverse("core:calendar"), {"year": "20x6"})
    assert response.status_code == 200
    assert response.context["cal"].year == timezone.localdate().year


def test_staff_sees_no_edit_forms(staff_user, client_for):
    html = client_for(staff_user).get(reverse("core:calendar"), {"year": 2026}).content.decode()
    assert 'data-testid="calendar-day-form"' not in html
    assert 'data-testid="calendar-import-form"' not in html
    assert 'data-testid="calendar-exception-remove"' not in html


def test_staff_cannot_edit_and_the_refusal_is_audited(staff_user, client_for):
    client = client_for(staff_user)
    day = CalendarDay.objects.get(date=D(2026, 2, 14))
    assert client.get(reverse("core:calendar_edit"), {"date": "2026-02-14"}).status_code == 403
    assert client.get(reverse("core:calendar_import")).status_code == 403

    response = client.post(reverse("core:calendar_edit"), {"day-date": "2026-03-10", "day-kind": "holiday"})
    assert response.status_code == 403
    assert client.post(reverse("core:calendar_edit"), {"day-date": "nonsense"}).status_code == 403
    assert client.post(reverse("core:calendar_remove", args=[day.pk])).status_code == 403
    response = client.post(
        reverse("core:calendar_import"), {"import-year": "2027", "import-file": _upload(GOOD_2027)}
    )
    assert response.status_code == 403

    assert not CalendarDay.objects.filter(date=D(2026, 3, 10)).exists()
    assert CalendarDay.objects.filter(pk=day.pk).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    refused = AuditEvent.objects.filter(actor=staff_user, outcome="refused").values_list("note", flat=True)
    assert sorted(refused) == ["calendar_day_remove", "calendar_day_set", "calendar_import"]


# --- administrators -------------------------------------------------------------------------------


def test_admin_sees_the_edit_forms(admin_user, client_for):
    html = client_for(admin_user).get(reverse("core:calendar"), {"year": 2026}).content.decode()
    assert 'data-testid="calendar-day-form"' in html
    assert 'data-testid="calendar-import-form"' in html
    assert f"{reverse('core:calendar_edit')}?date=2026-02-14" in html


def test_admin_adds_a_holiday(admin_user, client_for):
    client = client_for(admin_user)
    data = {"day-date": "2026-03-10", "day-kind": "holiday", "day-name": "测试假日"}
    response = client.post(reverse("core:calendar_edit"), data)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('core:calendar')}?year=2026"
    day = CalendarDay.objects.get(date=D(2026, 3, 10))
    assert (day.kind, day.name) == ("holiday", "测试假日")
    assert AuditEvent.objects.filter(action="core.calendar_day_set", actor=admin_user).exists()
    html = client.get(response["Location"]).content.decode()
    assert _cell_kind(html, "2026-03-10") == "holiday"


def test_admin_edit_page_is_prefilled_and_changes_a_day(admin_user, client_for):
    client = client_for(admin_user)
    response = client.get(reverse("core:calendar_edit"), {"date": "2026-02-14"})
    assert response.status_code == 200
    assert response.context["existing"].date == D(2026, 2, 14)
    assert response.context["form"].initial["kind"] == "workday"
    assert 'data-testid="calendar-day-remove"' in response.content.decode()

    data = {"day-date": "2026-02-14", "day-kind": "holiday", "day-name": "春节"}
    assert client.post(reverse("core:calendar_edit"), data).status_code == 302
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).kind == "holiday"


def test_admin_gets_the_form_back_on_invalid_input(admin_user, client_for):
    client = client_for(admin_user)
    response = client.post(reverse("core:calendar_edit"), {"day-date": "2026-03-10", "day-kind": "workday"})
    assert response.status_code == 400  # a Tuesday cannot be an adjusted working day
    assert response.context["form"].errors
    assert not CalendarDay.objects.filter(date=D(2026, 3, 10)).exists()
    response = client.post(reverse("core:calendar_edit"), {"day-date": "", "day-kind": "holiday"})
    assert response.status_code == 400


def test_admin_removes_a_day(admin_user, client_for):
    client = client_for(admin_user)
    day = CalendarDay.objects.get(date=D(2026, 2, 28))
    assert client.get(reverse("core:calendar_remove", args=[day.pk])).status_code == 405
    response = client.post(reverse("core:calendar_remove", args=[day.pk]))
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert client.post(reverse("core:calendar_remove", args=[day.pk])).status_code == 404


def test_admin_imports_a_year_and_sees_the_counts(admin_user, client_for):
    client = client_for(admin_user)
    assert client.get(reverse("core:calendar_import"), {"year": 2027}).status_code == 200
    response = client.post(
        reverse("core:calendar_import"), {"import-year": "2027", "import-file": _upload(GOOD_2027)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-result"' in html
    assert re.search(r'data-testid="import-inserted">2<', html)
    assert CalendarDay.objects.filter(date__year=2027).count() == 2

    again = client.post(
        reverse("core:calendar_import"), {"import-year": "2027", "import-file": _upload(GOOD_2027)}
    )
    assert re.search(r'data-testid="import-unchanged">2<', again.content.decode())
    assert re.search(r'data-testid="import-inserted">0<', again.content.decode())


def test_admin_sees_every_bad_line_of_a_rejected_file(admin_user, client_for):
    text = "date,kind,festival\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2026-10-01,holiday,国庆节\n"
    response = client_for(admin_user).post(
        reverse("core:calendar_import"), {"import-year": "2027", "import-file": _upload(text)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert re.findall(r'data-testid="import-error" data-line="(\d*)"', html) == ["3", "4"]
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_admin_import_without_a_file_is_refused_by_the_form(admin_user, client_for):
    response = client_for(admin_user).post(reverse("core:calendar_import"), {"import-year": "2027"})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
