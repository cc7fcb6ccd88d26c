"""The administrator's journeys: a new staff member's account, a locked account, next year's holidays."""

from __future__ import annotations

import datetime as dt

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role, User
from renda.core.calendar import is_working_day

from .conftest import PASSWORD, totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_creates_a_staff_member_who_then_signs_in(
    page, browser, live_server, shot, sign_in, make_user, make_organisation
):
    office = make_organisation(kind=Organisation.Kind.CONGRESS, name="代表工作委员会")
    admin = make_user(Role.ADMIN, real_name="王建国")
    sign_in(page, admin)
    page.get_by_role("link", name="用户管理").first.click()
    page.get_by_test_id("user-create-link").click()
    page.get_by_label("用户名").fill("zhangli")
    page.get_by_label("姓名").fill("张丽")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("角色").select_option(Role.STAFF)
    page.get_by_label("所属组织").select_option(str(office.pk))
    shot(page, "form")
    page.get_by_role("button", name="创建用户").click()
    initial = page.get_by_test_id("initial-password").input_value()
    assert len(initial) >= 10
    shot(page, "initial-password")
    page.get_by_test_id("back-to-user").click()
    page.get_by_role("link", name="用户管理").first.click()
    row = page.get_by_test_id("user-row").filter(has_text="zhangli")
    expect(row.get_by_test_id("user-phone")).to_have_text("139****5678")

    # The new colleague signs in with the initial password, must change it, then sets up 2FA.
    context = browser.new_context(base_url=live_server.url)
    newcomer = context.new_page()
    newcomer.goto("/accounts/login/")
    newcomer.get_by_label("用户名").fill("zhangli")
    newcomer.get_by_label("密码").fill(initial)
    newcomer.get_by_role("button", name="登录").click()
    expect(newcomer.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
    device = TOTPDevice.objects.get(user__username="zhangli", confirmed=False)
    newcomer.get_by_label("身份验证器中的6位验证码").fill(totp_now(device))
    newcomer.get_by_role("button", name="确认").click()
    expect(newcomer.get_by_role("heading", name="修改密码")).to_be_visible()
    newcomer.locator("#id_old_password").fill(initial)
    newcomer.locator("#id_new_password1").fill("Zhangli-2027-ok")
    newcomer.locator("#id_new_password2").fill("Zhangli-2027-ok")
    newcomer.get_by_role("button", name="保存").click()
    expect(newcomer.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    expect(newcomer.get_by_test_id("workbench-role")).to_contain_text("代表工作委员会")
    shot(newcomer, "newcomer-workbench")
    context.close()
    assert User.objects.get(username="zhangli").check_password("Zhangli-2027-ok")


def test_admin_unlocks_a_locked_account(page, browser, live_server, shot, sign_in, make_user):
    clerk = make_user(Role.UNIT_HANDLER, real_name="赵明")
    other = browser.new_context(base_url=live_server.url).new_page()
    for _ in range(5):
        other.goto("/accounts/login/")
        other.get_by_label("用户名").fill(clerk.username)
        other.get_by_label("密码").fill("wrong-password-1")
        other.get_by_role("button", name="登录").click()
    expect(other.get_by_test_id("locked")).to_be_visible()

    sign_in(page, make_user(Role.ADMIN))
    page.goto("/accounts/users/")
    row = page.get_by_test_id("user-row").filter(has_text=clerk.username)
    expect(row.get_by_test_id("user-locked")).to_be_visible()
    row.get_by_role("link").first.click()
    expect(page.get_by_test_id("lock-status")).to_contain_text("已锁定")
    page.get_by_test_id("unlock-button").click()
    expect(page.get_by_test_id("lock-status")).not_to_contain_text("已锁定")
    shot(page, "unlocked")

    other.goto("/accounts/login/")
    other.get_by_label("用户名").fill(clerk.username)
    other.get_by_label("密码").fill(PASSWORD)
    other.get_by_role("button", name="登录").click()
    expect(other.get_by_role("heading", name="工作台", exact=True)).to_be_visible()


def test_admin_enters_next_years_holidays(page, shot, sign_in, make_user, tmp_path):
    sign_in(page, make_user(Role.ADMIN))
    page.get_by_role("link", name="工作日历").first.click()
    expect(page.get_by_test_id("calendar-title")).to_be_visible()
    page.goto("/calendar/import/")
    bad = tmp_path / "2027-bad.csv"
    bad.write_text("date,kind,festival\n2027-01-01,holiday,元旦\n2027-02-31,holiday,春节\n", encoding="utf-8")
    page.get_by_label("年度").fill("2027")
    page.get_by_label("CSV 文件").set_input_files(str(bad))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-error").first).to_have_attribute("data-line", "3")
    shot(page, "rejected")
    assert is_working_day(dt.date(2027, 1, 1)) is True  # the rejected file changed nothing
    good = tmp_path / "2027.csv"
    good.write_text(
        "date,kind,festival\n2027-02-08,holiday,春节\n2027-02-09,holiday,春节\n2027-02-20,workday,春节\n",
        encoding="utf-8",
    )
    page.get_by_label("CSV 文件").set_input_files(str(good))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-inserted")).to_have_text("3")
    shot(page, "imported")
    assert is_working_day(dt.date(2027, 2, 8)) is False
    assert is_working_day(dt.date(2027, 2, 20)) is True  # a Saturday worked (调休)
    page.goto("/calendar/?year=2027")
    expect(page.get_by_test_id("calendar-title")).to_contain_text("2027")
    shot(page, "year-2027")
