"""二次验证 cannot be skipped: what a person who gave only the password can reach (issue 13, part 1)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts import services
from renda.accounts.middleware import OPEN_PATHS
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Renda-test-2026"


def code_of(device: TOTPDevice, *, step_offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = totp.time + step_offset * device.step
    return f"{totp.token():06d}"


def half_signed_in(user) -> Client:
    """A client that gave the right password and nothing else."""
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def admin_device(admin_user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)


def test_password_alone_does_not_reach_the_enrolment_when_an_authenticator_exists(admin_user, admin_device):
    client = half_signed_in(admin_user)
    page = client.get("/accounts/second-factor/enrol/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/second-factor/?next=")
    # No new secret was created or shown.
    assert not TOTPDevice.objects.filter(user=admin_user, confirmed=False).exists()


def test_confirming_a_planted_device_with_the_password_alone_is_refused(admin_user, admin_device):
    """The attack of the probe: a pending device's code must neither sign in nor replace the owner's."""
    planted = TOTPDevice.objects.create(user=admin_user, name="attacker", confirmed=False)
    client = half_signed_in(admin_user)
    response = client.post("/accounts/second-factor/enrol/", {"token": code_of(planted)})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/")
    assert TOTPDevice.objects.filter(pk=admin_device.pk, confirmed=True).exists()
    planted.refresh_from_db()
    assert not planted.confirmed
    assert client.get("/accounts/users/").status_code == 302
    assert client.get("/audit/").status_code == 302
    me = client.get("/api/v1/me")
    assert me.status_code == 403 and me.json()["code"] == "second_factor_required"


def test_the_service_refuses_a_replacement_without_the_current_authenticator(admin_user, admin_device):
    planted = TOTPDevice.objects.create(user=admin_user, name="attacker", confirmed=False)
    outcome = services.totp_device_confirm(actor=admin_user, device=planted, token=code_of(planted))
    assert outcome == services.EnrolOutcome.WRONG_CURRENT_CODE
    assert TOTPDevice.objects.filter(pk=admin_device.pk, confirmed=True).exists()
    refused = AuditEvent.objects.filter(action="accounts.second_factor_enrol", outcome="refused")
    assert refused.count() == 1


def test_the_service_refuses_to_start_an_enrolment_before_the_current_authenticator(admin_user, admin_device):
    with pytest.raises(services.PermissionRefused):
        services.totp_device_start(actor=admin_user)
    assert AuditEvent.objects.filter(outcome="refused", action="accounts.enrol_second_factor").exists()


def test_a_verified_person_replaces_the_authenticator_only_with_a_current_code(admin_user, admin_device):
    client = half_signed_in(admin_user)
    assert client.post("/accounts/second-factor/", {"token": code_of(admin_device)}).status_code == 302
    page = client.get("/accounts/second-factor/enrol/")
    assert page.status_code == 200 and 'data-testid="replacing-note"' in page.content.decode()
    new = TOTPDevice.objects.get(user=admin_user, confirmed=False)

    missing = client.post("/accounts/second-factor/enrol/", {"token": code_of(new)})
    assert missing.status_code == 400
    wrong = client.post("/accounts/second-factor/enrol/", {"token": code_of(new), "current_token": "000000"})
    assert wrong.status_code == 400
    assert TOTPDevice.objects.filter(pk=admin_device.pk, confirmed=True).exists()
    admin_device.refresh_from_db()
    assert admin_device.throttling_failure_count == 1  # the wrong code counts against the old device
    TOTPDevice.objects.filter(pk=admin_device.pk).update(throttling_failure_timestamp=None)

    # The code used to sign in cannot be replayed; the next step's code of the old device can.
    replaced = client.post(
        "/accounts/second-factor/enrol/",
        {"token": code_of(new), "current_token": code_of(admin_device, step_offset=1)},
    )
    assert replaced.status_code == 302
    assert list(TOTPDevice.objects.filter(user=admin_user).values_list("pk", "confirmed")) == [(new.pk, True)]
    done = AuditEvent.objects.filter(action="accounts.second_factor_enrol", outcome=AuditEvent.Outcome.DONE)
    assert done.count() == 1


def test_a_person_without_an_authenticator_still_enrols_with_the_password(staff_user):
    client = half_signed_in(staff_user)
    assert client.get("/accounts/second-factor/enrol/").status_code == 200
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    assert client.post("/accounts/second-factor/enrol/", {"token": code_of(device)}).status_code == 302
    assert client.get("/accounts/users/").status_code in (302, 403)  # staff are no administrators
    assert client.get("/").status_code == 200


def test_an_administrator_reset_lets_the_person_enrol_again_and_is_audited(
    admin_user, staff_user, client_for
):
    TOTPDevice.objects.create(user=staff_user, name="lost phone", confirmed=True)
    admin = client_for(admin_user)
    assert admin.post(f"/accounts/users/{staff_user.pk}/second-factor-reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    assert AuditEvent.objects.filter(action="accounts.user_second_factor_reset").exists()
    assert half_signed_in(staff_user).get("/accounts/second-factor/enrol/").status_code == 200


# --- every path a half-signed-in person can reach ---------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?\w+>")
_SAMPLES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}


def _sample_paths() -> set[str]:
    """One concrete path per URL pattern of the project, path parameters filled with sample values."""
    paths: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            text = str(entry.pattern)
            if hasattr(entry.pattern, "_route"):
                part = _CONVERTER.sub(lambda m: _SAMPLES.get(m["kind"] or "", "x"), text)
            else:  # a regular expression: its literal part, groups as "x"
                part = re.sub(r"\(.*?\)", "x", text).strip("^$").replace("\\", "")
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + part)
            elif isinstance(entry, URLPattern):
                paths.add("/" + prefix + part)

    walk(get_resolver().url_patterns, "")
    # Paths that merely start like an open one.
    paths |= {p + "x/" for p in OPEN_PATHS} | {p + "../users/" for p in OPEN_PATHS}
    return paths


def test_a_half_signed_in_person_reaches_only_the_exact_open_paths(admin_user, admin_device):
    client = half_signed_in(admin_user)
    paths = _sample_paths()
    assert len(paths) > 100
    leaks = []
    for path in sorted(paths):
        if path in OPEN_PATHS or path.startswith("/static/"):
            continue
        for method in (client.get, client.post):
            response = method(path)
            if path.startswith("/api/"):
                ok = response.status_code in (401, 403)
            else:
                target = response.get("Location", "")
                ok = response.status_code == 302 and target.startswith("/accounts/second-factor/")
            if not ok:
                leaks.append(f"{method.__name__.upper()} {path}: {response.status_code}")
    assert leaks == []
    assert TOTPDevice.objects.filter(pk=admin_device.pk, confirmed=True).exists()


def test_the_open_paths_give_a_half_signed_in_person_nothing_but_the_sign_in_steps(admin_user, admin_device):
    client = half_signed_in(admin_user)
    assert client.get("/accounts/second-factor/").status_code == 200
    assert client.get("/accounts/second-factor/enrol/").status_code == 302
    chosen = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/users/"})
    assert chosen.status_code == 302
    assert client.get("/accounts/users/").status_code == 302
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/api/v1/me").status_code in (401, 403)
