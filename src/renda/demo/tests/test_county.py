"""The demo county (示范县): its size, idempotence, logins, second factor and token."""

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
from renda.core import demo as registry
from renda.core.models import AuditEvent
from renda.demo import county as demo
from renda.deputies.models import Deputy, DeputyGroup, Level, Term
from renda.deputies.selectors import seat_of
from renda.liaison.models import Station

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The seed hashes the demo password; a fast hasher keeps these tests quick (same behaviour)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
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
    }


def test_demo_county_has_the_documented_size_and_shape():
    seed()
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
    seed()
    first = counts()
    seed()
    assert counts() == first
    assert demo.build_plan() == demo.build_plan()


def test_seed_prints_summary_and_logins_and_is_audited():
    out = seed()
    assert "县人大代表 county deputies: " in out
    assert demo.DEMO_PASSWORD in out and "demo_totp admin" in out
    event = AuditEvent.objects.get(action="core.demo_seed")
    assert event.actor is None and "county_deputies=" in event.note


def test_each_demo_login_signs_in_with_its_documented_password():
    seed()
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
    seed()
    logins = User.objects.filter(username__in=["staff", "budget", "unit"]).select_related("organisation")
    assert {u.username: u.organisation.name if u.organisation else None for u in logins} == {
        "staff": "县人大常委会代表工作委员会",
        "budget": "县人大常委会预算工作委员会",
        "unit": "县住房和城乡建设局",
    }


def test_deputy_login_is_linked_to_a_county_deputy():
    seed()
    user = User.objects.get(username="deputy")
    seat = seat_of(user)
    assert seat is not None and seat.term.level == Level.COUNTY
    assert user.real_name == seat.name


def test_finance_login_has_no_password_and_its_token_authenticates():
    seed()
    finance = User.objects.get(username="finance")
    assert finance.role == Role.FINANCE_FEED and not finance.has_usable_password()
    assert demo.DEMO_FINANCE_TOKEN.startswith(settings.RENDA_API_TOKEN_PREFIX)
    assert demo.DEMO_FINANCE_TOKEN in demo.demo_logins_text()
    assert api_token_authenticate(raw=demo.DEMO_FINANCE_TOKEN) == finance
    assert api_token_authenticate(raw=demo.DEMO_FINANCE_TOKEN + "x") is None


def test_printed_totp_secret_matches_the_device():
    seed()
    text = demo.demo_logins_text()
    for username in ("admin", "staff", "budget"):
        login = demo.DEMO_LOGINS_BY_USERNAME[username]
        assert login.totp_secret in text
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        code = TOTP(base64.b32decode(login.totp_secret)).token()
        assert device.verify_token(code)
    assert User.objects.get(username="admin").needs_second_factor


def test_demo_totp_prints_the_current_code():
    seed()
    out = StringIO()
    call_command("demo_totp", "staff", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert TOTPDevice.objects.get(user__username="staff").verify_token(code)


def test_demo_totp_refuses_a_user_the_demo_did_not_create(make_user):
    seed()
    make_user(Role.ADMIN, username="realadmin")
    with pytest.raises(CommandError):
        call_command("demo_totp", "realadmin", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("demo_totp", "citizen", stdout=StringIO())


def test_demo_totp_refuses_once_the_demo_authenticator_was_replaced():
    seed()
    TOTPDevice.objects.filter(user__username="admin").delete()
    with pytest.raises(CommandError):
        call_command("demo_totp", "admin", stdout=StringIO())
    seed()  # a rerun does not bring the public demo authenticator back
    assert not TOTPDevice.objects.filter(user__username="admin").exists()


def test_seed_leaves_an_existing_users_credentials_alone(make_user):
    admin = make_user(Role.ADMIN, username="admin")
    seed()
    admin.refresh_from_db()
    assert admin.check_password("Renda-test-2026")
    assert not TOTPDevice.objects.filter(user=admin).exists()
    with pytest.raises(CommandError):
        call_command("demo_totp", "admin", stdout=StringIO())


def test_rerun_keeps_a_changed_password_and_a_revoked_token():
    from django.utils import timezone

    seed()
    citizen = User.objects.get(username="citizen")
    citizen.set_password("Changed-pass-2027")
    citizen.save()
    ApiToken.objects.filter(user__username="finance").update(revoked_at=timezone.now())
    seed()
    citizen.refresh_from_db()
    assert citizen.check_password("Changed-pass-2027")
    assert api_token_authenticate(raw=demo.DEMO_FINANCE_TOKEN) is None


def test_registered_steps_run_in_order_after_the_core(monkeypatch):
    demo.discover_demo_steps()  # other modules' steps register into the real list, not the copy
    monkeypatch.setattr(registry, "DEMO_STEPS", list(registry.DEMO_STEPS))
    seen: list[str] = []

    @demo.register_demo_step(order=10_001)  # after every module's own steps
    def late(ctx):
        seen.append(f"late:{ctx.county_deputies().count()}")

    @demo.register_demo_step(order=10_000)
    def early(ctx):
        seen.append(f"early:{len(ctx.users)}")
        ctx.count("extra", 3, "额外 extra")

    out = seed()
    county_seats = Deputy.objects.filter(term__level=Level.COUNTY, term__is_current=True).count()
    assert seen == ["early:7", f"late:{county_seats}"]  # the current term (the 18th has seats too)
    assert "额外 extra: 3" in out
    assert [s.name for s in registry.DEMO_STEPS][-2:] == [
        f"{__name__}.{early.__qualname__}",
        f"{__name__}.{late.__qualname__}",
    ]


def test_a_failing_step_rolls_the_whole_seed_back(monkeypatch):
    demo.discover_demo_steps()
    monkeypatch.setattr(registry, "DEMO_STEPS", list(registry.DEMO_STEPS))

    @demo.register_demo_step
    def broken(ctx):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        seed()
    assert not Region.objects.exists() and not User.objects.exists()
    assert not AuditEvent.objects.filter(action="core.demo_seed").exists()


def test_seed_refuses_a_real_region(settings):
    settings.RENDA_REGION_CODE = "610100"
    err = StringIO()
    call_command("demo_seed", stdout=StringIO(), stderr=err)
    assert "Demo not loaded" in err.getvalue()
    assert not Region.objects.exists()
    assert demo.demo_logins_text() == ""


def test_seed_refuses_an_installation_not_configured_as_a_demo(settings):
    """A production configuration (RENDA_DEMO unset) never gets the public demo passwords and secrets."""
    settings.RENDA_DEMO = False
    err = StringIO()
    call_command("demo_seed", stdout=StringIO(), stderr=err)
    assert "RENDA_DEMO" in err.getvalue()
    assert not User.objects.exists() and not Region.objects.exists()


def test_demo_password_meets_the_password_policy():
    from django.contrib.auth.password_validation import validate_password

    for login in demo.DEMO_LOGINS:
        if login.password:
            validate_password(login.password, User(username=login.username))


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (10, "十"), (18, "十八"), (19, "十九"), (20, "二十"), (21, "二十一")]
)
def test_zh_numeral(n, text):
    assert demo.zh_numeral(n) == text


def test_a_department_has_one_name_in_every_module(tmp_path):
    """Issue 15.8: the budget units of the demo county's departments carry their organisations' names
    (县教育局 in 代表建议 and in 预算联网监督, never 示范县教育局 in one of them)."""
    import random

    from renda.demo import budget_synth

    plan = budget_synth.Year(year=2025)
    budget_synth.write_units(tmp_path / "units.csv", random.Random(1), 120, plan)
    organisations = {name for _code, name, _short, _head in demo.DEPARTMENTS}
    departments = [name for _code, name, parent in plan.units if not parent]
    assert len(departments) >= 18
    assert all(name in organisations for name in departments[: len(budget_synth.DEPARTMENT_NAMES)])
    assert not any(name.startswith(demo.DEMO_COUNTY_NAME) for _code, name, _parent in plan.units)
