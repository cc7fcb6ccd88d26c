"""Sign-in: passwords, lockout, the second factor, session expiry, the language switch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts import services
from renda.accounts.models import Role
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "Renda-test-2026"


def post_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def test_wrong_password_is_refused_in_chinese_and_audited(client, deputy_user):
    response = post_login(client, deputy_user.username, "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.login", outcome="refused").count() == 1


def test_right_password_signs_in_and_is_audited(client, deputy_user):
    response = post_login(client, deputy_user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="accounts.login", outcome="done", actor=deputy_user).exists()


def test_account_locks_after_five_failures_even_for_the_right_password(client, unit_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, unit_user.username, "wrong-password-1")
    response = post_login(client, unit_user.username, PASSWORD)
    assert response.status_code == 429
    assert "已被锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account(client, unit_user, citizen_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, unit_user.username, "wrong-password-1")
    assert post_login(client, citizen_user.username, PASSWORD).status_code == 302


def test_finance_feed_cannot_sign_in_to_web_pages(client, finance_feed_user):
    response = post_login(client, finance_feed_user.username, PASSWORD)
    assert response.status_code == 200
    assert "仅用于数据接口" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_reach_nothing_before_the_second_factor(client, staff_user):
    client.force_login(staff_user)
    TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)
    response = client.get("/deputies/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"


def test_staff_pass_the_second_factor_with_the_current_code(client, staff_user):
    device = TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)
    assert post_login(client, staff_user.username, PASSWORD).status_code == 302
    wrong = client.post("/accounts/second-factor/", {"token": "12345"})
    assert wrong.status_code == 400 and "6位数字" in wrong.content.decode()
    response = client.post("/accounts/second-factor/?next=/deputies/", {"token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/deputies/"
    assert client.get("/deputies/").status_code == 200


def test_second_factor_ignores_an_offsite_next(client, staff_user):
    device = TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)
    post_login(client, staff_user.username, PASSWORD)
    response = client.post(
        "/accounts/second-factor/?next=https://evil.example/", {"token": current_code(device)}
    )
    assert response["Location"] == "/"


def test_staff_without_device_enrol_and_are_verified(client, staff_user):
    post_login(client, staff_user.username, PASSWORD)
    assert client.get("/accounts/second-factor/")["Location"] == "/accounts/second-factor/enrol/"
    page = client.get("/accounts/second-factor/enrol/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)
    assert client.post("/accounts/second-factor/enrol/", {"token": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_deputies_need_no_second_factor(client, deputy_user):
    post_login(client, deputy_user.username, PASSWORD)
    assert client.get("/").status_code == 200


def test_expired_session_sends_back_to_sign_in(client, citizen_user):
    post_login(client, citizen_user.username, PASSWORD)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(minutes=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"]).content.decode()
    assert "会话已过期" in page


def test_sessions_expire_when_idle(settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_password_change_enforces_the_policy(citizen_user):
    with pytest.raises(ValidationError) as excinfo:
        services.password_change(
            actor=citizen_user, old_password=PASSWORD, new_password="onlyletterspassword"
        )
    assert "letters and digits" in str(excinfo.value) or "字母和数字" in str(excinfo.value)
    with pytest.raises(ValidationError):
        services.password_change(actor=citizen_user, old_password="wrong", new_password="Better-pass-2027")
    citizen_user.refresh_from_db()
    assert citizen_user.check_password(PASSWORD)


def test_password_change_works_and_is_audited(client_for, citizen_user):
    client = client_for(citizen_user)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Better-pass-2027", "new_password2": "Better-pass-2027"},
    )
    assert response.status_code == 302
    citizen_user.refresh_from_db()
    assert citizen_user.check_password("Better-pass-2027")
    event = AuditEvent.objects.get(action="accounts.password_change")
    assert event.changes == {}  # the password itself never enters the audit trail
    assert client.get("/").status_code == 200  # still signed in


def test_weak_password_shows_the_reason_on_the_form(client_for, citizen_user):
    response = client_for(citizen_user).post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_finance_feed_may_not_change_a_password_and_the_refusal_is_audited(finance_feed_user):
    with pytest.raises(PermissionDenied):
        services.password_change(
            actor=finance_feed_user, old_password=PASSWORD, new_password="Better-pass-2027"
        )
    refused = AuditEvent.objects.get(outcome="refused")
    assert refused.action == "accounts.change_own_password" and refused.actor == finance_feed_user


def test_pages_speak_chinese_by_default_and_english_after_the_switch(client):
    assert "登录" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in" in page and 'lang="en"' in page


def test_browser_language_does_not_override_chinese(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in page


def test_role_labels_cover_every_role():
    assert set(Role.values) == {"admin", "staff", "deputy", "unit_handler", "finance_feed", "citizen"}
