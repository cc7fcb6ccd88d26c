"""代表活动 journeys: a deputy on a 375 px phone opens today's activity, "scans" the QR code (opens
its URL) and sees 已签到; the organiser's sign-in screen (1366 px) shows 实到 go up by itself."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.deputies.models import Deputy, DeputyGroup, Level, Term
from renda.deputies.models.activities import ActivityKind
from renda.deputies.services import activities as services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def today_activity(county, make_organisation, make_user):
    office = make_organisation(kind=Organisation.Kind.CONGRESS, name="代表工作委员会")
    organiser = make_user(Role.STAFF, organisation=office, real_name="周敏")
    term = Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="第十九届",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2026, 12, 31),
        is_current=True,
    )
    group = DeputyGroup.objects.create(term=term, name="城关镇代表小组", region=county)
    names = ["张建华", "李秀英", "王志强", "刘芳", "陈国栋"]
    deputies = []
    for n, name in enumerate(names, start=1):
        user = make_user(Role.DEPUTY, real_name=name)
        deputies.append(
            Deputy.objects.create(
                term=term, group=group, region=county, number=f"19{n:03d}", name=name, gender="M", user=user
            )
        )
    start = timezone.now() + dt.timedelta(minutes=20)
    activity = services.activity_create(
        actor=organiser,
        data=services.ActivityData(
            title="县人大常委会组织代表视察城区污水处理工作",
            kind=ActivityKind.INSPECTION,
            start_at=start,
            end_at=start + dt.timedelta(hours=3),
            place="县污水处理厂（城关镇滨河路18号）",
            agenda="一、听取县住建局情况汇报\n二、实地察看污水处理厂运行情况\n三、座谈交流",
        ),
    )
    services.activity_invite(actor=organiser, activity=activity, deputies=deputies)
    services.activity_publish(actor=organiser, activity=activity)
    leave = activity.invitations.get(deputy=deputies[3])
    services.invitation_answer(
        actor=deputies[3].user, invitation=leave, answer="leave", reason="参加市人大培训"
    )
    services.invitation_decide_leave(actor=organiser, invitation=leave, approve=True)
    services.activity_open_signin(actor=organiser, activity=activity)
    services.activity_sign_in(actor=deputies[1].user, token=services.signin_token(activity))
    return activity, organiser, deputies


def test_deputy_scans_the_qr_code_on_the_phone_and_staff_sees_present_go_up(
    browser, live_server, today_activity, sign_in, shot, phone_page
):
    activity, organiser, deputies = today_activity
    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    screen = staff.new_page()
    screen.set_default_timeout(15_000)
    try:
        sign_in(screen, organiser)
        screen.goto(f"/deputies/activities/{activity.pk}/")
        expect(screen.get_by_test_id("activity-title")).to_have_text(activity.title)
        shot(screen, "1-staff-detail-1366")
        screen.get_by_test_id("open-signin-screen").click()
        expect(screen.get_by_test_id("signin-qr").locator("svg")).to_be_visible()
        expect(screen.get_by_test_id("count-expected")).to_have_text("4")  # 5 invited, 1 on approved leave
        expect(screen.get_by_test_id("count-present")).to_have_text("1")
        expect(screen.get_by_test_id("count-leave")).to_have_text("1")
        shot(screen, "2-staff-signin-screen-1366")
        scan_url = screen.get_by_test_id("signin-qr").get_attribute("data-scan-url")
        assert scan_url and "/deputies/activities/sign-in/" in scan_url

        # the deputy, on the phone: today's activity first
        sign_in(phone_page, deputies[0].user)
        phone_page.goto("/deputies/activities/mine/")
        today = phone_page.get_by_test_id("today")
        expect(today.get_by_test_id("my-activity")).to_contain_text(activity.title)
        shot(phone_page, "3-deputy-my-activities-375")
        today.get_by_test_id("my-activity").first.click()
        expect(phone_page.get_by_test_id("my-invitation")).to_contain_text("签到已开始")
        shot(phone_page, "4-deputy-activity-375")
        # "scan": the phone's camera opens the URL in the QR code
        phone_page.goto(scan_url)
        expect(phone_page.get_by_test_id("scan-ok")).to_have_text("已签到")
        shot(phone_page, "5-deputy-signed-in-375")
        # opening the same code again is refused, clearly
        phone_page.goto(scan_url)
        expect(phone_page.get_by_test_id("scan-refused")).to_have_text("您已签到")
        expect(phone_page.get_by_test_id("scan-message")).to_contain_text("无需再次扫码")
        shot(phone_page, "6-deputy-replay-refused-375")
        no_overflow = phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert no_overflow, "the page is wider than the phone"

        # the sign-in screen counts the new attendee by itself (htmx poll)
        expect(screen.get_by_test_id("count-present")).to_have_text("2", timeout=15_000)
        expect(screen.get_by_test_id("signed-in-names")).to_contain_text(deputies[0].name)
        shot(screen, "7-staff-present-went-up-1366")
    finally:
        staff.close()


def test_deputy_asks_for_leave_on_the_phone_and_the_organiser_approves(
    browser, live_server, today_activity, sign_in, shot, phone_page
):
    activity, organiser, deputies = today_activity
    sign_in(phone_page, deputies[2].user)
    phone_page.goto(f"/deputies/activities/{activity.pk}/")
    phone_page.get_by_label("请假事由（请假时填写）").fill("家中老人住院")
    phone_page.get_by_test_id("answer-leave").click()
    expect(phone_page.get_by_test_id("my-leave")).to_have_text("请假待审批")
    shot(phone_page, "1-deputy-leave-asked-375")

    staff = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = staff.new_page()
    try:
        sign_in(page, organiser)
        page.goto(f"/deputies/activities/{activity.pk}/#invitees")
        row = page.locator(f'[data-testid="invitation"][data-deputy="{deputies[2].name}"]')
        expect(row).to_contain_text("家中老人住院")
        row.get_by_role("button", name="批准请假").click()
        row = page.locator(f'[data-testid="invitation"][data-deputy="{deputies[2].name}"]')
        expect(row.get_by_test_id("attendance")).to_have_text("请假")
        expect(page.get_by_test_id("count-leave")).to_have_text("2")
        shot(page, "2-staff-leave-approved-1366")
    finally:
        staff.close()


def test_staff_create_an_activity_invite_by_search_and_publish(
    browser, live_server, today_activity, sign_in, shot, phone_page
):
    _activity, organiser, deputies = today_activity
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, organiser)
        page.goto("/deputies/activities/")
        shot(page, "1-staff-list-1366")
        page.get_by_test_id("new-activity").click()
        page.locator("#id_title").fill("调研全县农村饮水安全工作")
        page.locator("#id_kind").select_option("research")
        start = timezone.localtime() + dt.timedelta(days=3)
        page.locator("#id_start_at").fill(start.strftime("%Y-%m-%dT09:00"))
        page.locator("#id_end_at").fill(start.strftime("%Y-%m-%dT08:00"))  # before the start
        page.locator("#id_place").fill("县水利局三楼会议室")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("结束时间须晚于开始时间。")).to_be_visible()
        shot(page, "2-staff-form-error-1366")
        page.locator("#id_end_at").fill(start.strftime("%Y-%m-%dT11:30"))
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_test_id("activity-title")).to_have_text("调研全县农村饮水安全工作")
        page.get_by_test_id("invitee-search").fill(deputies[2].name)
        page.get_by_label(deputies[2].name, exact=False).check()
        page.get_by_role("button", name="邀请", exact=True).click()
        expect(page.locator('[data-testid="invitation"]')).to_have_count(1)
        page.get_by_test_id("do-publish").click()
        expect(page.get_by_test_id("activity-state")).to_have_text("已发布")
        shot(page, "3-staff-published-1366")
        page.set_viewport_size({"width": 375, "height": 740})
        page.reload()
        expect(page.get_by_test_id("activity-title")).to_be_visible()
        shot(page, "3b-staff-published-375")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.goto("/deputies/activities/")
        shot(page, "3c-staff-list-375")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()

    # the invited deputy finds it on the phone, and subscribes to the private calendar
    sign_in(phone_page, deputies[2].user)
    phone_page.goto("/deputies/activities/mine/")
    expect(phone_page.get_by_test_id("coming")).to_contain_text("调研全县农村饮水安全工作")
    phone_page.goto("/deputies/activities/calendar/")
    phone_page.get_by_test_id("make-feed").click()
    expect(phone_page.get_by_test_id("feed-url")).to_have_value(
        re.compile(r"/deputies/activities/calendar/.+\.ics$")
    )
    shot(phone_page, "4-deputy-calendar-375")
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
