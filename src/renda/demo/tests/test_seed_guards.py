"""The demo seed's own rules, each on an empty database: steps run in order after the core, a failing
step rolls the whole seed back, a real region or a production configuration is refused, a user who
was there before keeps their credentials. (The seeded county's contents: ``seeded/``.)"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts.models import Region, Role, User
from renda.core import demo as registry
from renda.core.models import AuditEvent
from renda.demo import county as demo
from renda.demo.tests.conftest import core_steps_only
from renda.deputies.models import Deputy, Level

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("demo_seed", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_leaves_an_existing_users_credentials_alone(make_user, seed_core):
    admin = make_user(Role.ADMIN, username="admin")
    seed_core()
    admin.refresh_from_db()
    assert admin.check_password("Renda-test-2026")
    assert not TOTPDevice.objects.filter(user=admin).exists()
    with pytest.raises(CommandError):
        call_command("demo_totp", "admin", stdout=StringIO())


def test_registered_steps_run_in_order_after_the_core(monkeypatch):
    core_steps_only(monkeypatch)  # the modules' steps are not needed to show the order
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
    core_steps_only(monkeypatch)  # the core county is written, then a step fails

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
