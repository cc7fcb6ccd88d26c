"""The demo county (示范县): its size, idempotence, logins, second factor and token (seeded once for
every test under ``seeded/``: see its conftest)."""

from __future__ import annotations

import base64
import re
from datetime import date
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts.models import ApiToken, Organisation, Region, Role, User
from renda.accounts.services import api_token_authenticate
from renda.budget.models import BudgetReport, Finding, Payment
from renda.core.models import AuditEvent
from renda.demo import county as demo
from renda.deputies.models import ArchiveEntry, Deputy, DeputyGroup, Level, Term
from renda.deputies.models.activities import Activity, Invitation
from renda.deputies.selectors import seat_of
from renda.liaison.models import Appointment, Opinion, ReceptionDay, Station
from renda.suggestions.models import Suggestion

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-county")]


def seed() -> str:
    """One more whole seed over the county already loaded."""
    out = StringIO()
    call_command("demo_seed", stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "organisations": Organisation.objects.count(),
        "terms": Term.objects.count(),
        "groups": DeputyGroup.objects.count(),
        "deputies": Deputy.objects.count(),
        "stations": Station.objects.count(),
        "station_deputies": Station.deputies.through.objects.count(),
        "users": User.objects.count(),
        "devices": TOTPDevice.objects.count(),
        "tokens": ApiToken.objects.count(),
        "suggestions": Suggestion.objects.count(),
        "opinions": Opinion.objects.count(),
        "appointments": Appointment.objects.count(),
        "reception_days": ReceptionDay.objects.count(),
        "activities": Activity.objects.count(),
        "invitations": Invitation.objects.count(),
        "archive_entries": ArchiveEntry.objects.count(),
        "payments": Payment.objects.count(),
        "findings": Finding.objects.count(),
        "reports": BudgetReport.objects.count(),
    }


def test_demo_county_has_the_documented_size_and_shape():
    county = Region.objects.get(code=settings.RENDA_REGION_CODE)
    assert county.level == Region.Level.COUNTY and county.parent is None
    towns = Region.objects.filter(level=Region.Level.TOWN, parent=county)
    villages = Region.objects.filter(level=Region.Level.VILLAGE, parent__in=towns)
    assert 10 <= towns.count() <= 12
    assert 60 <= villages.count() <= 80
    assert all(re.fullmatch(r"610999\d{3}", t.code) for t in towns)
    assert all(
        re.fullmatch(r"\d{12}", v.code) and v.parent is not None and v.code.startswith(v.parent.code)
        for v in villages
    )
    assert all(t.children.exists() for t in towns)

    committee = Organisation.objects.get(name="县人大常委会")
    offices = set(committee.children.values_list("name", flat=True))
    for office in (
        "办公室",
        "代表工作委员会",
        "预算工作委员会",
        "法制工作委员会",
        "财政经济工作委员会",
        "社会建设工作委员会",
        "监察和司法工作委员会",
    ):
        assert f"县人大常委会{office}" in offices
    assert 30 <= Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT).count() <= 40
    finance = Organisation.objects.get(kind=Organisation.Kind.FINANCE)
    assert finance.name == "县财政局"
    assert Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP).count() == towns.count()

    county_term = Term.objects.get(region=county, is_current=True)
    assert county_term.level == Level.COUNTY and county_term.name.endswith("第十九届人民代表大会")
    assert county_term.start_date <= date(2026, 11, 26) <= county_term.end_date
    county_deputies = Deputy.objects.filter(term=county_term)
    assert 140 <= county_deputies.count() <= 160
    delegation_towns = set(county_deputies.values_list("group__region", flat=True))
    assert delegation_towns == set(towns.values_list("pk", flat=True))
    assert all(g.name.endswith("代表团") for g in county_term.groups.all())
    town_deputies = Deputy.objects.filter(term__level=Level.TOWN)
    assert 550 <= town_deputies.count() <= 650
    assert not town_deputies.filter(group__isnull=True).exists()
    town_terms = Term.objects.filter(level=Level.TOWN)
    assert all(t.is_current and t.region.level == Region.Level.TOWN for t in town_terms)

    sample = county_deputies.first()
    assert sample is not None and sample.birth_year is not None
    assert sample.gender in ("M", "F") and 1950 < sample.birth_year < 2000
    assert sample.party and sample.workplace and re.fullmatch(r"1[3-9]\d{9}", sample.phone)
    # Party secretaries are Party members.
    assert (
        not Deputy.objects.filter(person__workplace__contains="书记")
        .exclude(person__party="中共党员")
        .exists()
    )

    stations = Station.objects.all()
    assert stations.count() == towns.count() + 1
    assert stations.filter(kind=Station.Kind.HOME).count() == 1
    for station in stations:
        assert station.address and station.deputies.exists()
    town_station = stations.filter(kind=Station.Kind.STATION).exclude(region__name__endswith="街道").first()
    assert town_station is not None
    attached = set(town_station.deputies.values_list("pk", flat=True))
    local = Deputy.objects.filter(term__region=town_station.region) | Deputy.objects.filter(
        term=county_term, group__region=town_station.region
    )
    assert attached == set(local.values_list("pk", flat=True))


def test_running_the_seed_twice_changes_no_counts():
    first = counts()
    assert all(first.values()), first  # every module's demo rows are there
    seed()
    assert counts() == first
    assert demo.build_plan() == demo.build_plan()


def test_seed_prints_summary_and_logins_and_is_audited(demo_county):
    out = demo_county
    assert "县人大代表 county deputies: " in out
    assert demo.DEMO_PASSWORD in out and "demo_totp admin" in out
    event = AuditEvent.objects.get(action="core.demo_seed")
    assert event.actor is None and "county_deputies=" in event.note


def test_each_demo_login_signs_in_with_its_documented_password():
    with_password = [login for login in demo.DEMO_LOGINS if login.password]
    usernames = {login.username for login in with_password}
    assert usernames == {"admin", "staff", "budget", "deputy", "unit", "citizen"}
    for login in with_password:
        request = RequestFactory().post("/")
        user = authenticate(request=request, username=login.username, password=login.password)
        assert user is not None and user.role == login.role, login.username
        if login.organisation_code:
            assert user.organisation is not None and user.organisation.code == login.organisation_code
        assert user.is_active and not user.must_change_password
    wrong = authenticate(request=RequestFactory().post("/"), username="admin", password="Wrong-pass-2026")
    assert wrong is None


def test_staff_logins_belong_to_their_committees():
    logins = User.objects.filter(username__in=["staff", "budget", "unit"]).select_related("organisation")
    assert {u.username: u.organisation.name if u.organisation else None for u in logins} == {
        "staff": "县人大常委会代表工作委员会",
        "budget": "县人大常委会预算工作委员会",
        "unit": "县住房和城乡建设局",
    }


def test_deputy_login_is_linked_to_a_county_deputy():
    user = User.objects.get(username="deputy")
    seat = seat_of(user)
    assert seat is not None and seat.term.level == Level.COUNTY
    assert user.real_name == seat.name


def test_finance_login_has_no_password_and_its_token_authenticates():
    finance = User.objects.get(username="finance")
    assert finance.role == Role.FINANCE_FEED and not finance.has_usable_password()
    assert demo.DEMO_FINANCE_TOKEN.startswith(settings.RENDA_API_TOKEN_PREFIX)
    assert demo.DEMO_FINANCE_TOKEN in demo.demo_logins_text()
    assert api_token_authenticate(raw=demo.DEMO_FINANCE_TOKEN) == finance
    assert api_token_authenticate(raw=demo.DEMO_FINANCE_TOKEN + "x") is None


def test_printed_totp_secret_matches_the_device():
    text = demo.demo_logins_text()
    for username in ("admin", "staff", "budget"):
        login = demo.DEMO_LOGINS_BY_USERNAME[username]
        assert login.totp_secret in text
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        code = TOTP(base64.b32decode(login.totp_secret)).token()
        assert device.verify_token(code)
    assert User.objects.get(username="admin").needs_second_factor


def test_demo_totp_prints_the_current_code():
    out = StringIO()
    call_command("demo_totp", "staff", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert TOTPDevice.objects.get(user__username="staff").verify_token(code)


def test_demo_totp_refuses_a_user_the_demo_did_not_create(make_user):
    make_user(Role.ADMIN, username="realadmin")
    with pytest.raises(CommandError):
        call_command("demo_totp", "realadmin", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("demo_totp", "citizen", stdout=StringIO())


def test_demo_totp_refuses_once_the_demo_authenticator_was_replaced(seed_core):
    TOTPDevice.objects.filter(user__username="admin").delete()
    with pytest.raises(CommandError):
        call_command("demo_totp", "admin", stdout=StringIO())
    seed_core()  # a rerun does not bring the public demo authenticator back
    assert not TOTPDevice.objects.filter(user__username="admin").exists()


def test_rerun_keeps_a_changed_password_and_a_revoked_token(seed_core):
    from django.utils import timezone

    citizen = User.objects.get(username="citizen")
    citizen.set_password("Changed-pass-2027")
    citizen.save()
    ApiToken.objects.filter(user__username="finance").update(revoked_at=timezone.now())
    seed_core()
    citizen.refresh_from_db()
    assert citizen.check_password("Changed-pass-2027")
    assert api_token_authenticate(raw=demo.DEMO_FINANCE_TOKEN) is None
