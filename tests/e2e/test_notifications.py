"""消息中心 journeys: the office assigns a suggestion; the handling units' clerks see the bell's count
go up, open the notice and land on the suggestion — on a desktop (1366 px) and on a phone (375 px)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.deputies.models import Deputy, Level, Term
from renda.notifications.models import NotifyFailure
from renda.suggestions import services
from renda.suggestions.models import SuggestionCategory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(make_user, make_organisation, county):
    term = Term.objects.create(
        level=Level.COUNTY, region=county, number=19, name="示范县第十九届人民代表大会",
        start_date=dt.date(2022, 1, 1), end_date=dt.date(2030, 12, 31), is_current=True,
    )  # fmt: skip
    deputy_user = make_user(Role.DEPUTY, real_name="林晓梅")
    Deputy.objects.create(
        term=term, region=county, number="19001", name="林晓梅", gender="F", user=deputy_user
    )
    housing = make_organisation(name="县住房和城乡建设局", short_name="住建局")
    urban = make_organisation(name="县城市管理执法局", short_name="城管执法局")
    office = make_organisation(
        kind=Organisation.Kind.CONGRESS, name="县人大常委会代表工作委员会", short_name="代表工委"
    )
    category, _ = SuggestionCategory.objects.get_or_create(name="城乡建设")
    staff = make_user(Role.STAFF, organisation=office, real_name="陈静")
    suggestion = services.suggestion_create(
        actor=deputy_user,
        title="关于幸福小区老旧管网改造的建议",
        content="城关街道幸福小区排水管网严重老化，每逢雨季积水深达30厘米，建议纳入老旧小区改造计划。",
        category=category,
    )
    services.suggestion_submit(actor=deputy_user, suggestion=suggestion)
    services.suggestion_register(actor=staff, suggestion=suggestion)
    suggestion.refresh_from_db()
    return {
        "staff": staff,
        "suggestion": suggestion,
        "housing_clerk": make_user(Role.UNIT_HANDLER, organisation=housing, real_name="王磊"),
        "urban_clerk": make_user(Role.UNIT_HANDLER, organisation=urban, real_name="赵敏"),
    }


@pytest.fixture
def open_as(browser, live_server, sign_in):
    contexts = []

    def open_page(user, width: int):
        phone = width < 600
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": 740 if phone else 900},
            is_mobile=phone,
            has_touch=phone,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_unit_clerks_see_the_bell_count_go_up_and_open_the_assigned_suggestion(
    people, open_as, shot, live_server
):
    suggestion = people["suggestion"]
    detail = f"/suggestions/{suggestion.pk}/"

    # Before: both clerks have no unread notice — the bell shows no count.
    desk = open_as(people["housing_clerk"], 1366)
    phone = open_as(people["urban_clerk"], 375)
    for page in (desk, phone):
        expect(page.get_by_test_id("notice-bell")).to_be_visible()
        expect(page.get_by_test_id("notice-count")).to_have_count(0)
    shot(desk, "1-clerk-before-1366")
    shot(phone, "1-clerk-before-375")

    # The office assigns the suggestion to a lead and a co-handling unit.
    staff = open_as(people["staff"], 1366)
    staff.goto(detail)
    staff.locator("#id_assign-lead").select_option(label="县住房和城乡建设局")
    staff.locator("#id_assign-co_units").select_option(label="县城市管理执法局")
    staff.get_by_test_id("do-assign").click()
    expect(staff.get_by_test_id("assignment-row")).to_have_count(2)

    # Desktop: the lead unit's clerk sees the count, opens the inbox and the notice.
    desk.reload()
    expect(desk.get_by_test_id("notice-count")).to_have_text("1")
    shot(desk, "2-bell-count-1366")
    desk.get_by_test_id("notice-bell").click()
    desk.wait_for_url("**/notifications/")
    notice = desk.get_by_test_id("notice-link").first
    expect(notice).to_contain_text(suggestion.number)
    expect(desk.get_by_test_id("notices")).to_contain_text("建议已交办")
    shot(desk, "3-inbox-1366")
    notice.click()
    desk.wait_for_url(f"**{detail}")
    expect(desk.locator("h1")).to_contain_text("老旧管网")
    expect(desk.get_by_test_id("notice-count")).to_have_count(0)  # read now
    shot(desk, "4-suggestion-1366")

    # Phone: the co-handling unit's clerk, the bell beside the menu button without opening it.
    phone.reload()
    bell = phone.get_by_test_id("notice-bell")
    expect(phone.get_by_test_id("notice-count")).to_have_text("1")
    box = bell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375
    shot(phone, "2-bell-count-375")
    bell.click()
    phone.wait_for_url("**/notifications/")
    shot(phone, "3-inbox-375")
    phone.get_by_test_id("notice-link").first.click()
    phone.wait_for_url(f"**{detail}")
    expect(phone.get_by_test_id("notice-count")).to_have_count(0)
    shot(phone, "4-suggestion-375")

    # The clerk's inbox, read state filter: the notice is read now.
    phone.goto("/notifications/?state=unread")
    expect(phone.get_by_test_id("empty-inbox")).to_be_visible()

    # The same notice, written while the office worked in Chinese, reads in English for a clerk who
    # switched to English (the title is data) — on the desktop and on the phone.
    for page, width in ((desk, 1366), (phone, 375)):
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        page.goto("/notifications/")
        english = page.get_by_test_id("notice-link").first
        expect(english).to_contain_text(
            f"Suggestion {suggestion.number} “{suggestion.title}” has been assigned"
        )
        expect(english).not_to_contain_text("已交办")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(page, f"5-inbox-english-{width}")


def test_a_person_sets_channels_and_an_administrator_reads_the_delivery_log(
    people, open_as, admin_user, shot
):
    clerk = people["housing_clerk"]
    for width in (1366, 375):
        page = open_as(clerk, width)
        page.goto("/notifications/settings/")
        page.locator('input[name="sms:suggestion.assigned"]').uncheck()
        page.locator('input[name="email:suggestion.overdue"]').check()
        shot(page, f"settings-{width}")
        page.get_by_role("button", name="保存设置").click()
        expect(page.locator("#messages")).to_contain_text("已保存")
    admin = open_as(admin_user, 1366)
    admin.goto("/notifications/deliveries/")
    expect(admin.locator("h1")).to_contain_text("消息投递记录")
    shot(admin, "delivery-log-1366")
    admin.goto("/notifications/defaults/?role=deputy")
    shot(admin, "role-defaults-1366")


def test_an_administrator_retries_a_failed_notification(people, open_as, admin_user, shot):
    """A notify() that could not write its notices is kept; the administrator retries it from the
    delivery log's 通知失败 tab (desktop and phone) and the clerk's bell shows it."""
    clerk = people["housing_clerk"]
    NotifyFailure.objects.create(
        kind="suggestion.assigned", stage=NotifyFailure.Stage.NOTICES, recipients=1,
        error_class="OperationalError", error_message="database is locked",
        payload={"recipient_ids": [clerk.pk], "text": "建议已交办，请及时办理。", "link": "/suggestions/",
                 "urgent": False, "dedup_key": ""},
    )  # fmt: skip
    phone = open_as(admin_user, 375)
    phone.goto("/notifications/deliveries/")
    phone.get_by_test_id("failures-tab").click()
    card = phone.get_by_test_id("failure-card")
    expect(card).to_contain_text("OperationalError")
    expect(card.get_by_test_id("retry-card")).to_be_visible()  # on a phone: a card, nothing cut off
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(phone, "failures-375")
    desk = phone  # the same administrator on a desktop (a second sign-in would reuse the TOTP code)
    desk.set_viewport_size({"width": 1366, "height": 900})
    desk.goto("/notifications/deliveries/?section=failures")
    shot(desk, "failures-1366")
    desk.get_by_test_id("retry").click()
    expect(desk.locator("#messages")).to_contain_text("已再试：写入 1 条通知")
    expect(desk.get_by_test_id("retry")).to_have_count(0)
    clerk_page = open_as(clerk, 375)
    expect(clerk_page.get_by_test_id("notice-count")).to_have_text("1")
