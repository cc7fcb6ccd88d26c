"""网上家站 journeys on a phone: a citizen books a reception and writes in, staff and a department
handle the opinion, the citizen follows it by code and rates the answer, and it is published,
redacted. The public pages are checked with axe-core (no serious or critical violation)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Region, Role
from renda.deputies.models import Deputy, Level, Term
from renda.liaison import services
from renda.liaison.models import Appointment, Opinion, Station

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CONTENT = "我是张建国，电话13812345678。城关镇幸福小区门口的路灯坏了三个月，晚上出行很不安全，希望尽快修好。"


def assert_accessible(page, where: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations."""
    assert AXE.exists(), "run `npm install` in the repository to get axe-core"
    # evaluated by the test's driver, not as a <script> of the page: the site's CSP forbids inline script
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;window.axe = axe;")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe-core on {where}: " + "; ".join(bad)


@pytest.fixture
def county_setup(county, make_organisation, make_user):
    cache.clear()
    town = Region.objects.create(code="610999101", name="城关街道", level=Region.Level.TOWN, parent=county)
    office = make_organisation(kind=Organisation.Kind.CONGRESS, name="代表工作委员会")
    department = make_organisation(kind=Organisation.Kind.DEPARTMENT, name="县住房和城乡建设局")
    station = Station.objects.create(
        code="HOME-1",
        name="示范县人大代表之家",
        kind=Station.Kind.HOME,
        region=town,
        address="城关街道人民路88号",
        phone="0910-3212345",
        organisation=office,
        directions="乘1路公交车至县政府站下车，步行200米。",
    )
    term = Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="第十九届",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2026, 12, 31),
        is_current=True,
    )
    deputy_user = make_user(Role.DEPUTY)
    deputy = Deputy.objects.create_seat(
        term=term,
        region=town,
        number="19001",
        name="王代表",
        gender="M",
        user=deputy_user,
        workplace="城关街道幸福社区",
    )
    station.deputies.add(deputy)
    staff = make_user(Role.STAFF, organisation=office, real_name="李工作")
    clerk = make_user(Role.UNIT_HANDLER, organisation=department, real_name="赵经办")
    day = services.reception_day_schedule(
        actor=staff,
        station=station,
        date=services.earliest_reception_date() + dt.timedelta(days=7),
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        place="代表之家接待室",
        deputies=[deputy],
    )
    yield {
        "town": town,
        "station": station,
        "staff": staff,
        "clerk": clerk,
        "department": department,
        "day": day,
    }
    cache.clear()


def test_citizen_writes_in_and_follows_the_answer_to_the_public_listing(
    phone_page, page, shot, sign_in, county_setup
):
    citizen = phone_page
    # The public entry: stations by town, no sign-in.
    citizen.goto("/liaison/")
    expect(citizen.get_by_test_id("town-stations")).to_contain_text("示范县人大代表之家")
    assert_accessible(citizen, "portal")
    shot(citizen, "01-portal")
    citizen.get_by_test_id("town-stations").get_by_role("link", name="示范县人大代表之家").click()
    expect(citizen.get_by_test_id("station-deputies")).to_contain_text("王代表")
    assert_accessible(citizen, "station page")
    shot(citizen, "02-station")

    # Books a reception slot.
    citizen.get_by_test_id("book-link").first.click()
    citizen.locator("#id_name").fill("张建国")
    citizen.locator("#id_phone").fill("13812345678")
    citizen.locator("#id_topic").fill("小区路灯长期不亮")
    citizen.locator("#id_captcha_1").fill("PASSED")
    assert_accessible(citizen, "booking form")
    citizen.get_by_test_id("book-form").locator("button[type=submit]").click()
    appointment_code = citizen.get_by_test_id("tracking-code").inner_text()
    assert Appointment.objects.get().code_display == appointment_code
    shot(citizen, "03-booked")

    # Writes an opinion; a wrong phone first: a clear message, the text kept.
    citizen.goto(f"/liaison/write/?station={county_setup['station'].code}")
    citizen.locator("#id_name").fill("张建国")
    citizen.locator("#id_phone").fill("12345")
    citizen.locator("#id_town").select_option(str(county_setup["town"].pk))
    citizen.locator("#id_category").select_option("urban")
    citizen.locator("#id_content").fill(CONTENT)
    citizen.locator("#id_consent_publish").check()
    citizen.locator("#id_captcha_1").fill("PASSED")
    citizen.get_by_test_id("submit-opinion").click()
    expect(citizen.locator("#id_phone-error")).to_be_visible()
    expect(citizen.locator("#id_content")).to_have_value(CONTENT)
    assert Opinion.objects.count() == 0
    assert_accessible(citizen, "opinion form with errors")
    shot(citizen, "04-form-error")
    citizen.locator("#id_phone").fill("13812345678")
    citizen.locator("#id_captcha_1").fill("PASSED")
    citizen.get_by_test_id("submit-opinion").click()
    code = citizen.get_by_test_id("tracking-code").inner_text()
    opinion = Opinion.objects.get()
    assert code == opinion.code_display and len(opinion.code) >= 12
    assert_accessible(citizen, "tracking code page")
    shot(citizen, "05-code")

    # Staff accept it and pass it to the housing bureau.
    sign_in(page, county_setup["staff"])
    page.goto("/liaison/work/")
    page.get_by_test_id("opinion-row").filter(has_text=code).click()
    page.get_by_test_id("do-accept").click()
    expect(page.get_by_test_id("opinion-state")).to_have_attribute("data-state", "accepted")
    page.locator("#id_refer-department").select_option(str(county_setup["department"].pk))
    page.get_by_test_id("do-refer").click()
    staff = county_setup["staff"]
    expect(page.get_by_test_id("opinion-events")).to_contain_text(f"{staff.real_name}（")
    expect(page.get_by_test_id("opinion-events")).to_contain_text("群众")
    expect(page.get_by_test_id("opinion-events")).not_to_contain_text(staff.username)
    shot(page, "06-referred")
    page.context.clear_cookies()

    # The department answers.
    sign_in(page, county_setup["clerk"])
    page.goto("/liaison/work/")
    page.get_by_test_id("opinion-row").filter(has_text=code).click()
    page.get_by_test_id("do-start").click()
    page.locator("#id_answer-answer").fill("经现场核查，已于本周更换路灯灯具，张建国反映的路段已恢复照明。")
    page.get_by_test_id("do-answer").click()
    expect(page.get_by_test_id("opinion-answer")).to_contain_text("已恢复照明")
    shot(page, "07-answered")
    page.context.clear_cookies()

    # The citizen follows it by code: a wrong code first reveals nothing.
    citizen.goto("/liaison/follow/")
    citizen.locator("#id_code").fill("ABCD-EFGH-JKMN-PQ")
    citizen.locator("#id_phone_last4").fill("5678")
    citizen.get_by_test_id("follow-form").locator("button[type=submit]").click()
    expect(citizen.locator(".alert-danger")).to_be_visible()
    citizen.locator("#id_code").fill(code.lower())
    citizen.locator("#id_phone_last4").fill("5678")
    citizen.get_by_test_id("follow-form").locator("button[type=submit]").click()
    expect(citizen.get_by_test_id("answer")).to_contain_text("已恢复照明")
    assert_accessible(citizen, "follow page with the answer")
    shot(citizen, "08-followed")

    # Not satisfied (不满意): the citizen says why, is told what happens next, and the opinion goes back
    # to the department for another round.
    rate_form = citizen.get_by_test_id("rate-form")
    rate_form.locator("input[value=unsatisfied]").check()
    rate_form.get_by_test_id("rate-reason").fill("只换了一盏灯，巷子深处还是黑的。")
    rate_form.locator("button[type=submit]").click()
    expect(citizen.get_by_test_id("dissatisfied-ack")).to_contain_text("巷子深处")
    opinion.refresh_from_db()
    assert opinion.state == Opinion.State.PROCESSING and opinion.round == 2
    shot(citizen, "09-not-satisfied")

    # The department finds it flagged in its inbox and answers again.
    TOTPDevice.objects.filter(user=county_setup["clerk"]).update(last_t=-1)
    sign_in(page, county_setup["clerk"])
    page.goto("/liaison/work/?view=dissatisfied")
    row = page.get_by_test_id("opinion-row").filter(has_text=code)
    expect(row.get_by_test_id("dissatisfied-flag")).to_be_visible()
    row.click()
    expect(page.get_by_test_id("opinion-dissatisfied")).to_contain_text("巷子深处")
    page.locator("#id_answer-answer").fill("已在巷子深处加装两盏路灯，全段已恢复照明，欢迎继续监督。")
    page.get_by_test_id("do-answer").click()
    expect(page.get_by_test_id("opinion-answer")).to_contain_text("全段已恢复照明")
    shot(page, "10-answered-again")
    page.context.clear_cookies()

    # The second answer's rating is final.
    citizen.goto("/liaison/follow/")
    expect(citizen.get_by_test_id("previous-answer")).to_contain_text("已恢复照明")
    citizen.get_by_test_id("rate-form").locator("input[value=satisfied]").check()
    citizen.get_by_test_id("rate-form").locator("button[type=submit]").click()
    expect(citizen.get_by_test_id("rating")).to_be_visible()
    opinion.refresh_from_db()
    assert opinion.state == Opinion.State.CLOSED and opinion.satisfaction == "satisfied"
    shot(citizen, "11-rated")

    # The public listing, visited before publication (and kept in the page cache), has nothing yet.
    citizen.goto("/liaison/public/")
    expect(citizen.get_by_test_id("published-opinion")).to_have_count(0)

    # Staff check the redacted text and publish it (a new sign-in within the same TOTP step: let
    # the authenticator's code be used again, as it would be 30 seconds later).
    TOTPDevice.objects.filter(user=county_setup["staff"]).update(last_t=-1)
    sign_in(page, county_setup["staff"])
    page.goto("/liaison/work/?view=dissatisfied")  # the station sees the case that went round twice
    expect(page.get_by_test_id("opinion-row").filter(has_text=code)).to_have_count(1)
    shot(page, "12-station-dissatisfied")
    page.goto("/liaison/work/moderation/")
    page.get_by_test_id("moderation-list").get_by_role("link").first.click()
    proposed = page.locator("#id_publish-public_content").input_value()
    assert "13812345678" not in proposed and "张建国" not in proposed
    page.get_by_test_id("do-publish").click()
    shot(page, "13-published")

    # On the public listing, redacted.
    citizen.goto("/liaison/public/")
    item = citizen.get_by_test_id("published-opinion").first
    expect(item.get_by_test_id("public-content")).to_contain_text("路灯坏了三个月")
    expect(item).not_to_contain_text("13812345678")
    expect(item).not_to_contain_text("张建国")
    expect(citizen.get_by_test_id("station-stats")).to_contain_text("示范县人大代表之家")
    assert_accessible(citizen, "public listing")
    shot(citizen, "14-public")


@pytest.mark.parametrize("width", [1366, 375])
def test_citizen_finds_the_deputy_to_write_to_by_town_and_name(
    browser, live_server, shot, county_setup, width
):
    """The deputy list follows the chosen town and station, and a name typed narrows it (issue 15.11)."""
    other_town = Region.objects.create(
        code="610999102", name="河口镇", level=Region.Level.TOWN, parent=county_setup["town"].parent
    )
    other_station = Station.objects.create(
        code="ST-2",
        name="河口镇人大代表联络站",
        kind=Station.Kind.STATION,
        region=other_town,
        address="河口镇政府",
    )
    term = Term.objects.get()
    for number, name in (("19002", "刘河口"), ("19003", "陈河口")):
        other_station.deputies.add(
            Deputy.objects.create(term=term, region=other_town, number=number, name=name, gender="F")
        )
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 860})
    citizen = context.new_page()
    citizen.goto("/liaison/write/")
    deputies = citizen.locator("#id_deputy option:not([hidden])")
    expect(deputies).to_have_count(4)  # the empty choice and the three deputies
    citizen.locator("#id_town").select_option(str(other_town.pk))
    expect(deputies).to_have_count(3)
    expect(citizen.locator("#id_deputy option", has_text="王代表")).to_have_attribute("hidden", "")
    expect(citizen.locator("#id_station option:not([hidden])")).to_have_count(2)
    citizen.get_by_test_id("filter-deputy").fill("陈")
    expect(deputies).to_have_count(2)
    citizen.locator("#id_deputy").select_option(label="陈河口")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= width
    shot(citizen, f"deputy-filter-{width}")
    context.close()


def test_a_burst_from_one_phone_is_throttled_with_a_message(phone_page, shot, county_setup):
    citizen = phone_page
    citizen.goto("/liaison/calendar/")
    expect(citizen.get_by_test_id("book-link")).to_have_count(1)
    assert_accessible(citizen, "calendar")
    shot(citizen, "calendar")
    citizen.goto("/liaison/follow/")
    assert_accessible(citizen, "follow form")
    for i in range(6):
        citizen.goto("/liaison/write/")
        citizen.locator("#id_phone").fill("13912345678")
        citizen.locator("#id_town").select_option(str(county_setup["town"].pk))
        citizen.locator("#id_category").select_option("transport")
        citizen.locator("#id_content").fill(f"第{i + 1}次反映：村道坑洼不平，雨天车辆无法通行，希望维修。")
        citizen.locator("#id_captcha_1").fill("PASSED")
        citizen.get_by_test_id("submit-opinion").click()
    expect(citizen.locator(".alert-danger")).to_be_visible()
    expect(citizen.locator("#id_content")).to_have_value(
        "第6次反映：村道坑洼不平，雨天车辆无法通行，希望维修。"
    )
    assert Opinion.objects.count() == 5
    shot(citizen, "throttled")


def test_staff_schedule_a_reception_day_and_receive_a_booked_citizen(page, shot, sign_in, county_setup):
    staff, station = county_setup["staff"], county_setup["station"]
    services.appointment_book(day=county_setup["day"], name="赵大爷", phone="13712345678", topic="村道硬化")
    sign_in(page, staff)
    page.goto("/liaison/work/reception/")
    page.get_by_test_id("schedule-day").click()
    date = services.earliest_reception_date() + dt.timedelta(days=14)
    page.locator("#id_date").fill(date.isoformat())
    page.locator("#id_start_time").fill("14:30")
    page.locator("#id_end_time").fill("17:00")
    page.locator("input[name=deputies]").first.check()
    shot(page, "schedule-form")
    page.get_by_test_id("reception-day-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("reception-day-row")).to_have_count(2)
    assert station.reception_days.filter(date=date).exists()

    page.get_by_test_id("appointment-row").first.click()
    page.locator("#id_confirm-time").fill("09:30")
    page.get_by_test_id("do-confirm").click()
    expect(page.get_by_test_id("appointment-state")).to_have_attribute("data-state", "confirmed")
    page.locator("#id_receive-raised").fill("反映村道坑洼严重，雨天无法通行，希望尽快硬化。")
    page.locator("#id_receive-category").select_option("transport")
    page.get_by_test_id("do-receive").click()
    expect(page.get_by_test_id("appointment-state")).to_have_attribute("data-state", "received")
    shot(page, "received")
    assert Appointment.objects.get().opinion.source == Opinion.Source.RECEPTION


def _card_box(page, name: str) -> dict:
    return page.get_by_test_id(f"act-card-{name}").bounding_box()


@pytest.mark.parametrize("width", [1366, 375])
def test_staff_and_the_department_see_what_each_card_does_and_answer_in_the_wide_column(
    browser, live_server, sign_in, shot, county_setup, width
):
    """Each card of the opinion page is headed with what it does (受理意见, 转交承办单位 …); the answer
    to the citizen is written in the main column (wide at 1366 px), and nothing is cut at 375 px."""
    opinion = services.opinion_submit(
        town=county_setup["town"],
        station=county_setup["station"],
        category="urban",
        phone="13812345678",
        content="幸福小区门口的路灯坏了三个月，晚上出行很不安全，希望尽快修好。",
        consent_publish=True,
    )
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, county_setup["staff"])
    page.goto(f"/liaison/work/opinions/{opinion.pk}/")
    titles = page.get_by_test_id("act-title").all_inner_texts()
    assert {"受理意见", "不予受理"} <= set(titles), titles
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"01-pending-{width}")
    page.get_by_test_id("do-accept").click()
    expect(page.get_by_test_id("opinion-state")).to_have_attribute("data-state", "accepted")
    expect(page.get_by_test_id("act-card-refer").get_by_test_id("act-title")).to_have_text("转交承办单位")
    shot(page, f"02-accepted-{width}")
    page.locator("#id_refer-department").select_option(str(county_setup["department"].pk))
    page.get_by_test_id("do-refer").click()
    expect(page.get_by_test_id("opinion-state")).to_have_attribute("data-state", "referred")
    context.clear_cookies()

    sign_in(page, county_setup["clerk"])
    page.goto(f"/liaison/work/opinions/{opinion.pk}/")
    expect(page.get_by_test_id("act-card-start").get_by_test_id("act-title")).to_have_text("签收转办意见")
    page.get_by_test_id("do-start").click()
    answer = page.get_by_test_id("act-card-answer")
    expect(answer.get_by_test_id("act-title")).to_have_text("答复群众")
    content = page.get_by_test_id("opinion-content").bounding_box()
    box = _card_box(page, "answer")
    # the answer sits under the opinion, as wide as it: the main column, not a side card
    assert abs(box["width"] - (content["width"] + 32)) < 40 and box["y"] > content["y"], (box, content)
    if width == 1366:
        assert box["width"] > 700, box
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"03-answer-{width}")
    page.locator("#id_answer-answer").fill("经现场核查，已于本周更换路灯灯具，反映的路段已恢复照明。")
    page.get_by_test_id("do-answer").click()
    expect(page.get_by_test_id("opinion-answer")).to_contain_text("已恢复照明")
    context.clear_cookies()

    TOTPDevice.objects.filter(user=county_setup["staff"]).update(last_t=-1)
    sign_in(page, county_setup["staff"])
    page.goto(f"/liaison/work/opinions/{opinion.pk}/")
    publish = page.get_by_test_id("act-card-publish")
    expect(publish.get_by_test_id("act-title")).to_have_text("公开答复")
    expect(page.get_by_test_id("act-card-withhold").get_by_test_id("act-title")).to_have_text("不予公开")
    assert _card_box(page, "publish")["width"] >= _card_box(page, "withhold")["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, f"04-publish-{width}")
    context.close()


def test_the_appointment_page_says_what_each_card_does(page, shot, sign_in, county_setup):
    services.appointment_book(day=county_setup["day"], name="赵大爷", phone="13712345678", topic="村道硬化")
    sign_in(page, county_setup["staff"])
    page.goto("/liaison/work/reception/")
    expect(page.get_by_test_id("act-title")).to_have_text("安排接待日")
    page.get_by_test_id("appointment-row").first.click()
    titles = page.get_by_test_id("act-title").all_inner_texts()
    assert {"确认预约", "拒绝预约"} <= set(titles), titles
    page.locator("#id_confirm-time").fill("09:30")
    page.get_by_test_id("do-confirm").click()
    expect(page.get_by_test_id("act-card-receive").get_by_test_id("act-title")).to_have_text("登记接待情况")
    expect(page.get_by_test_id("act-card-no_show").get_by_test_id("act-title")).to_have_text("群众未到")
    assert _card_box(page, "receive")["width"] > _card_box(page, "no_show")["width"]
    shot(page, "appointment-cards")
