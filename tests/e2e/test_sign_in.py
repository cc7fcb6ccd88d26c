"""Sign-in journeys: each role reaches its workbench; wrong passwords, lockout and the second factor."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from renda.accounts.models import Role
from renda.deputies.models import Deputy, Term

from .conftest import PASSWORD, totp_now

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def deputy_with_record(make_user, county):
    user = make_user(Role.DEPUTY, real_name="林晓梅")
    term = Term.objects.create(
        level="county",
        region=county,
        number=19,
        name="示范县第十九届人民代表大会",
        start_date="2022-01-01",
        end_date="2026-12-31",
        is_current=True,
    )
    Deputy.objects.create_seat(term=term, region=county, number="19001", name="林晓梅", gender="F", user=user)
    return user


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, "安全与日历"),
        (Role.STAFF, "本届代表"),
        (Role.DEPUTY, "我的代表信息"),
        (Role.UNIT_HANDLER, "本单位承办的建议"),
        (Role.CITIZEN, "网上代表之家·联络站"),
    ],
    ids=["admin", "staff", "deputy", "unit_handler", "citizen"],
)
def test_each_role_signs_in_and_sees_their_workbench(
    page, shot, sign_in, make_user, deputy_with_record, role, expected
):
    user = deputy_with_record if role == Role.DEPUTY else make_user(role)
    sign_in(page, user)
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    expect(page.get_by_test_id("workbench-role")).to_contain_text(str(Role(role).label))
    expect(page.get_by_text(expected, exact=True).first).to_be_visible()
    shot(page, "workbench")


def test_wrong_password_shows_the_chinese_error(page, shot, make_user):
    user = make_user(Role.DEPUTY)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill("not-the-password-1")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    expect(page.get_by_label("用户名")).to_have_value(user.username)
    shot(page, "wrong-password")


def test_account_locks_after_five_failures(page, shot, make_user):
    user = make_user(Role.UNIT_HANDLER)
    for _ in range(5):
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill("wrong-password-9")
        page.get_by_role("button", name="登录").click()
    # Even the right password is refused while the account is locked.
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("locked")).to_contain_text("已被锁定")
    shot(page, "locked")


def test_staff_must_pass_the_second_factor(page, shot, make_user, with_authenticator):
    user = make_user(Role.STAFF, real_name="周文静")
    device = with_authenticator(user)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="二次验证")).to_be_visible()
    # The workbench is out of reach until the code is given.
    page.goto("/")
    expect(page.get_by_role("heading", name="二次验证")).to_be_visible()
    page.get_by_label("身份验证器中的6位验证码").fill("000000" if totp_now(device) != "000000" else "111111")
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_text("验证码错误或已过期")).to_be_visible()
    shot(page, "wrong-code")
    page.wait_for_timeout(1200)  # django-otp throttles: one second after a wrong code
    page.get_by_label("身份验证器中的6位验证码").fill(totp_now(device))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    shot(page, "verified")


def test_staff_without_authenticator_enrols_one(page, shot, make_user):
    user = make_user(Role.STAFF)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
    shot(page, "enrol")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert secret  # the secret a person would type into their app
    page.get_by_label("身份验证器中的6位验证码").fill(totp_now(device))
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_workbench_fits_a_phone(phone_page, shot, sign_in, make_user):
    user = make_user(Role.CITIZEN)
    sign_in(phone_page, user)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    phone_page.get_by_role("button", name="菜单").click()
    expect(phone_page.get_by_test_id("user-menu")).to_be_visible()
    shot(phone_page, "phone")
