"""代表建议办理 journeys: a suggestion's whole life, from a deputy's draft to closure.

A deputy writes a suggestion and a colleague co-signs it; the deputy affairs office registers it
and assigns it to a lead and a co-handling unit; the co-unit sends its opinion; the lead unit
accepts and replies B with a commitment; the deputy is unsatisfied; the unit replies again; the
deputy is satisfied; the suggestion is closed and the commitment is still tracked.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.conftest import pdf_first_page_ink
from renda.deputies.models import Deputy, Level, Term
from renda.deputies.selectors import seat_of
from renda.suggestions.models import Commitment, State, Suggestion, SuggestionCategory
from renda.suggestions.tests.letter import LETTER

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = (
    "城关街道幸福小区建成于1995年，小区排水管网严重老化，每逢雨季积水深达30厘米，"
    "居民出行困难。建议将幸福小区纳入今年老旧小区改造计划，同步实施雨污分流改造。"
)


@pytest.fixture
def people(make_user, make_organisation, county):
    term = Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="示范县第十九届人民代表大会",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2030, 12, 31),
        is_current=True,
    )

    def deputy(name: str, number: str):
        user = make_user(Role.DEPUTY, real_name=name)
        Deputy.objects.create_seat(term=term, region=county, number=number, name=name, gender="F", user=user)
        return user

    housing = make_organisation(name="县住房和城乡建设局", short_name="住建局")
    urban = make_organisation(name="县城市管理执法局", short_name="城管执法局")
    office = make_organisation(
        kind=Organisation.Kind.CONGRESS, name="县人大常委会代表工作委员会", short_name="代表工委"
    )
    SuggestionCategory.objects.get_or_create(name="城乡建设")
    return {
        "lead": deputy("林晓梅", "19001"),
        "cosigner": deputy("周建国", "19002"),
        "staff": make_user(Role.STAFF, organisation=office, real_name="陈静"),
        "housing": housing,
        "urban": urban,
        "housing_clerk": make_user(Role.UNIT_HANDLER, organisation=housing, real_name="王磊"),
        "urban_clerk": make_user(Role.UNIT_HANDLER, organisation=urban, real_name="赵敏"),
    }


@pytest.fixture
def as_user(browser, live_server, sign_in):
    """``as_user(user)``: a fresh browser page signed in as ``user``."""
    contexts = []

    def open_page(user, phone: bool = False):
        if phone:
            context = browser.new_context(
                base_url=live_server.url,
                viewport={"width": 375, "height": 740},
                is_mobile=True,
                has_touch=True,
            )
        else:
            context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def state_of(suggestion_id: int) -> str:
    return Suggestion.objects.get(pk=suggestion_id).state


def _earlier_suggestion(people) -> Suggestion:
    """An earlier colleague's suggestion on the same matter, already registered."""
    from renda.suggestions import services

    earlier = services.suggestion_create(
        actor=people["cosigner"],
        title="关于解决幸福小区排水不畅问题的建议",
        content="幸福小区排水管网老化，雨季积水严重，建议尽快改造排水管网。",
        category=SuggestionCategory.objects.get(name="城乡建设"),
    )
    services.suggestion_submit(actor=people["cosigner"], suggestion=earlier)
    services.suggestion_register(actor=people["staff"], suggestion=earlier)
    return earlier


def test_a_suggestion_from_draft_to_closure_with_a_commitment_still_tracked(people, as_user, shot):
    _earlier_suggestion(people)
    # 1. The deputy writes the suggestion, sees similar ones appear, invites a co-signer.
    deputy = as_user(people["lead"])
    deputy.goto("/suggestions/")
    deputy.get_by_test_id("new-suggestion").click()
    deputy.locator("#id_title").fill("关于幸福小区老旧管网改造的建议")
    deputy.locator("#id_content").fill(CONTENT)
    deputy.locator("#id_category").select_option(label="城乡建设")
    deputy.locator("#id_cosigners").select_option(label="周建国")
    # the first similarity check loads jieba's dictionary: slow on a busy machine
    expect(deputy.get_by_test_id("similar-item").first).to_contain_text("幸福小区排水", timeout=30_000)
    shot(deputy, "1-deputy-writes")
    deputy.get_by_test_id("save-draft").click()
    expect(deputy.get_by_test_id("state")).to_have_attribute("data-state", "draft")
    suggestion_id = int(deputy.url.rstrip("/").split("/")[-1])
    detail = f"/suggestions/{suggestion_id}/"

    # 2. The invited colleague co-signs.
    cosigner = as_user(people["cosigner"])
    cosigner.goto(detail)
    cosigner.get_by_test_id("do-cosign").click()
    expect(cosigner.get_by_test_id("cosigners")).to_contain_text("周建国")
    expect(cosigner.get_by_test_id("cosigners")).not_to_contain_text("(")

    # 3. The deputy submits.
    deputy.goto(detail)
    deputy.get_by_test_id("do-submit").click()
    expect(deputy.get_by_test_id("state")).to_have_attribute("data-state", "submitted")
    assert state_of(suggestion_id) == State.SUBMITTED

    # 4. The office registers it and assigns it to two units.
    staff = as_user(people["staff"])
    staff.goto("/suggestions/?state=submitted")
    staff.get_by_test_id("suggestion-row").filter(has_text="老旧管网").click()
    expect(staff.get_by_test_id("similar-item").first).to_contain_text("幸福小区排水", timeout=30_000)
    expect(staff.get_by_test_id("act-card-register").get_by_test_id("act-title")).to_have_text("审查立案")
    staff.get_by_test_id("do-register").click()
    expect(staff.get_by_test_id("number")).to_have_text(f"{dt.date.today().year}-002")
    # every card that holds an act says what it does
    expect(staff.get_by_test_id("act-card-assign").get_by_test_id("act-title")).to_have_text("交办承办单位")
    assert all(t.strip() for t in staff.get_by_test_id("act-title").all_inner_texts())
    staff.locator("#id_assign-lead").select_option(label="县住房和城乡建设局")
    staff.locator("#id_assign-co_units").select_option(label="县城市管理执法局")
    shot(staff, "4-staff-assigns")
    staff.get_by_test_id("do-assign").click()
    expect(staff.get_by_test_id("assignment-row")).to_have_count(2)
    assert state_of(suggestion_id) == State.ASSIGNED
    sheet = staff.request.get(f"{detail}assignment-sheet.pdf")
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    assert pdf_first_page_ink(sheet.body()) > 0.01

    # 5. The co-handling unit sends its opinion to the lead unit.
    co = as_user(people["urban_clerk"])
    co.goto("/suggestions/")
    co.get_by_test_id("suggestion-row").filter(has_text="关于幸福小区老旧管网改造的建议").click()
    co.locator("#id_opinion-text").fill(
        "建议结合城区排水防涝工程一并实施，城管执法局负责施工期间的占道协调。"
    )
    co.get_by_test_id("do-opinion").click()
    expect(co.get_by_test_id("opinion-sent")).to_be_visible()

    # 6. The lead unit accepts and replies B with a commitment.
    unit = as_user(people["housing_clerk"])
    unit.goto(detail)
    unit.get_by_test_id("do-accept").click()
    expect(unit.get_by_test_id("state")).to_have_attribute("data-state", "in_progress")
    # Above the reply form: the co-unit's opinion (the reply waits for every co-unit's).
    expect(unit.get_by_test_id("co-opinions")).to_contain_text("占道协调")
    expect(unit.get_by_test_id("reply-waits")).to_have_count(0)
    # The letter is written in the main column between its fixed parts; a clerk used to writing the
    # whole letter pastes it with its salutation and closing: the letter still has each once.
    editor = unit.get_by_test_id("reply-editor")
    expect(editor.get_by_test_id("act-title")).to_have_text("答复代表")
    expect(editor.get_by_test_id("letter-salutation")).to_have_text("林晓梅代表：")
    assert editor.bounding_box()["width"] > 700
    unit.locator("#id_reply-reply_class").select_option("B")
    unit.locator("#id_reply-text").fill(
        "林晓梅代表：\n您提出的《关于幸福小区老旧管网改造的建议》收悉。现答复如下：\n"
        "幸福小区已列入明年老旧小区改造计划，届时同步实施雨污分流改造。\n感谢您对我们工作的关心和支持！"
    )
    expect(unit.locator("#id_reply-contact_person")).to_have_value("王磊")  # the clerk
    unit.locator("#id_reply-contact_phone").fill("0917-3212345")
    unit.locator("#id_reply-signer").fill("刘建军")
    unit.locator("#id_reply-commitment_1").fill("完成幸福小区雨污分流改造")
    due = (dt.date.today() + dt.timedelta(days=200)).isoformat()
    unit.locator("#id_reply-commitment_due_1").fill(due)
    shot(unit, "6-unit-replies")
    unit.get_by_test_id("do-reply").click()
    expect(unit.get_by_test_id("reply-class")).to_have_count(1)
    assert state_of(suggestion_id) == State.REPLIED
    expect(unit.get_by_test_id("reply").first).not_to_contain_text("林晓梅代表：")
    reply_pk = Suggestion.objects.get(pk=suggestion_id).replies.get().pk
    letter = unit.request.get(f"{detail}replies/{reply_pk}/letter.pdf")
    assert letter.ok and pdf_first_page_ink(letter.body()) > 0.005

    # 7. The deputy is unsatisfied: another round.
    deputy.goto(detail)
    deputy.locator('input[name="rate-result"][value="unsatisfied"]').check()
    deputy.locator("#id_rate-attitude").select_option("3")
    deputy.locator("#id_rate-comment").fill("改造时间太晚，群众今年雨季仍受积水影响，请研究临时措施。")
    deputy.get_by_test_id("do-rate").click()
    expect(deputy.get_by_test_id("state")).to_have_attribute("data-state", "in_progress")
    assert Suggestion.objects.get(pk=suggestion_id).rounds == 2

    # 8. The unit replies again.
    unit.goto(detail)
    unit.locator("#id_reply-reply_class").select_option("A")
    unit.locator("#id_reply-text").fill("已于本月增设临时排水泵站，积水问题已解决；管网改造按计划明年实施。")
    unit.get_by_test_id("do-reply").click()
    expect(unit.get_by_test_id("reply")).to_have_count(2)

    # 9. The deputy is satisfied: closed, and the commitment is still tracked.
    deputy.goto(detail)
    deputy.locator('input[name="rate-result"][value="satisfied"]').check()
    deputy.locator("#id_rate-attitude").select_option("5")
    deputy.get_by_test_id("do-rate").click()
    expect(deputy.get_by_test_id("state")).to_have_attribute("data-state", "closed")
    expect(deputy.get_by_test_id("commitment-open")).to_be_visible()
    shot(deputy, "9-closed")
    assert state_of(suggestion_id) == State.CLOSED
    commitment = Commitment.objects.get(suggestion_id=suggestion_id)
    assert commitment.fulfilled_at is None and commitment.due_on.isoformat() == due
    actions = list(Suggestion.objects.get(pk=suggestion_id).events.values_list("action", flat=True))
    assert actions == [
        "create",
        "cosign",
        "submit",
        "register",
        "assign",
        "opinion",
        "accept",
        "reply",
        "rate",
        "reply",
        "rate",
    ]

    # On a phone the closed suggestion reads well too.
    phone = as_user(people["lead"], phone=True)
    phone.goto(detail)
    expect(phone.get_by_test_id("timeline")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # the handling units' table shows all its columns: the unit's name wraps, nothing scrolls away
    table = phone.get_by_test_id("assignment-row").first.locator("xpath=ancestor::div[1]")
    widths = table.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1] + 1, widths
    phone.get_by_test_id("assignment-row").first.scroll_into_view_if_needed()
    shot(phone, "phone-closed")


def test_deputy_sees_a_clear_message_for_an_empty_suggestion(people, as_user, shot):
    deputy = as_user(people["lead"])
    deputy.goto("/suggestions/new/")
    deputy.get_by_test_id("save-draft").click()
    expect(deputy.locator("#id_title-error")).to_be_visible()
    expect(deputy.locator("#id_content-error")).to_be_visible()
    shot(deputy, "empty")
    assert Suggestion.objects.count() == 0


def test_unit_clerk_cannot_open_another_units_suggestion(people, as_user, make_organisation, make_user):
    other = make_user(Role.UNIT_HANDLER, organisation=make_organisation(name="县水利局"))
    deputy_user = people["lead"]
    s = Suggestion.objects.create(
        title="关于幸福小区的建议",
        content=CONTENT,
        category=SuggestionCategory.objects.first(),
        deputy=seat_of(deputy_user),
    )
    page = as_user(other)
    response = page.goto(f"/suggestions/{s.pk}/")
    assert response.status == 403


def _closed_and_published(people) -> Suggestion:
    from renda.suggestions import services

    s = _earlier_suggestion(people)
    services.suggestion_assign(
        actor=people["staff"], suggestion=s, lead=people["housing"], co_units=[people["urban"]]
    )
    lead = s.assignments.get(role="lead")
    services.assignment_accept(actor=people["housing_clerk"], assignment=lead)
    services.assignment_send_opinion(
        actor=people["urban_clerk"], assignment=s.assignments.get(role="co"), text="同意主办单位意见。"
    )
    services.suggestion_reply(
        actor=people["housing_clerk"],
        suggestion=s,
        reply_class="A",
        **LETTER,
        text="已完成幸福小区排水管网改造。",
    )
    services.suggestion_rate(actor=people["cosigner"], suggestion=s, result="satisfied", attitude=5)
    services.suggestion_publish(
        actor=people["staff"], suggestion=s, summary="县住建局已完成幸福小区排水管网改造，积水问题已解决。"
    )
    return s


def test_office_reads_the_statistics_and_exports_them(people, as_user, shot):
    _closed_and_published(people)
    staff = as_user(people["staff"])
    staff.goto("/suggestions/")
    staff.get_by_test_id("statistics-link").click()
    expect(staff.get_by_test_id("statistics-row")).to_have_count(1)
    expect(staff.locator("#chart-bars canvas")).to_have_count(1)
    expect(staff.locator("#chart-classes canvas")).to_have_count(1)
    shot(staff, "statistics")
    with staff.expect_download() as download:
        staff.get_by_test_id("export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_office_publishes_the_real_reply_and_anyone_finds_it(people, as_user, browser, live_server, shot):
    """Issue 15.6: the office publishes the reply as offered (masked), a visitor searches, filters and
    opens the result, on a desk (1366 px) and a phone (375 px)."""
    from renda.suggestions import services

    s = _earlier_suggestion(people)
    services.suggestion_assign(actor=people["staff"], suggestion=s, lead=people["housing"], co_units=[])
    services.assignment_accept(actor=people["housing_clerk"], assignment=s.assignments.get(role="lead"))
    services.suggestion_reply(
        actor=people["housing_clerk"],
        suggestion=s,
        reply_class="D",
        text="受县级财力所限，排水管网整体改造暂不具备条件，留作今后参考。已联系住户周某（电话13992871234）说明情况。",
        **LETTER,
    )
    staff = as_user(people["staff"])
    staff.goto(f"/suggestions/{s.pk}/")
    offered = staff.locator("#id_publish-summary").input_value()
    assert "暂不具备条件" in offered and "13992871234" not in offered
    staff.get_by_test_id("do-publish").click()
    expect(staff.locator(".alert-success")).to_be_visible()
    for width in (1366, 375):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 860})
        visitor = context.new_page()
        visitor.goto("/suggestions/results/")
        expect(visitor.get_by_test_id("public-result")).to_have_count(1)
        expect(visitor.get_by_test_id("public-reply")).to_contain_text("暂不具备条件")
        expect(visitor.get_by_test_id("public-class")).to_contain_text("D")
        visitor.locator("#public-q").fill("校车")
        visitor.get_by_test_id("public-search").click()
        expect(visitor.get_by_test_id("public-result")).to_have_count(0)
        visitor.locator("#public-q").fill("排水")
        visitor.locator("#public-unit").select_option(label="县住房和城乡建设局")
        visitor.get_by_test_id("public-search").click()
        expect(visitor.get_by_test_id("public-result")).to_have_count(1)
        assert visitor.evaluate("document.documentElement.scrollWidth") <= width
        shot(visitor, f"results-{width}")
        visitor.get_by_test_id("public-result-link").click()
        expect(visitor.get_by_test_id("public-detail")).to_contain_text("留作今后参考")
        expect(visitor.get_by_test_id("public-detail")).not_to_contain_text("13992871234")
        assert visitor.evaluate("document.documentElement.scrollWidth") <= width
        shot(visitor, f"result-detail-{width}")
        context.close()


def test_anyone_reads_the_published_results_on_a_phone(people, phone_page, shot):
    s = _closed_and_published(people)
    phone_page.goto("/suggestions/results/")
    result = phone_page.get_by_test_id("public-result")
    expect(result).to_have_count(1)
    expect(result).to_contain_text(s.title)
    expect(result).to_contain_text("县住房和城乡建设局")
    expect(result).not_to_contain_text("雨季积水严重")  # the suggestion's own text stays inside
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(phone_page, "public-results")


def test_office_records_a_session_and_a_deputy_withdraws_then_deletes_a_draft(people, as_user, shot):
    # The office records the session period of today (闭会期间 of the 5th session).
    today = dt.date.today()
    staff = as_user(people["staff"])
    staff.goto("/suggestions/")
    staff.get_by_test_id("sessions-link").click()
    staff.locator("#id_term").select_option(label="示范县第十九届人民代表大会")
    staff.locator("#id_number").fill("5")
    staff.locator("#id_kind").select_option("interval")
    staff.locator("#id_start_date").fill((today - dt.timedelta(days=30)).isoformat())
    staff.locator("#id_end_date").fill((today + dt.timedelta(days=300)).isoformat())
    staff.get_by_test_id("add-session").click()
    expect(staff.get_by_test_id("session-row")).to_have_count(1)
    shot(staff, "sessions")

    # The deputy writes and submits a suggestion: it belongs to that session.
    deputy = as_user(people["lead"])
    deputy.goto("/suggestions/new/")
    deputy.locator("#id_title").fill("关于城关街道增设公共停车位的建议")
    deputy.locator("#id_content").fill(CONTENT)
    deputy.locator("#id_category").select_option(label="城乡建设")
    deputy.get_by_test_id("save-draft").click()
    expect(deputy.get_by_test_id("session")).to_contain_text("第5次会议")
    detail = deputy.url
    deputy.get_by_test_id("do-submit").click()
    expect(deputy.get_by_test_id("state")).to_have_attribute("data-state", "submitted")

    # Before it is registered the deputy withdraws it: a draft again, out of the office's list.
    deputy.locator("#id_withdraw-reason").fill("还需补充调研数据。")
    deputy.get_by_test_id("do-withdraw").click()
    expect(deputy.get_by_test_id("state")).to_have_attribute("data-state", "draft")
    shot(deputy, "withdrawn")
    staff.goto("/suggestions/")
    expect(staff.get_by_test_id("suggestion-row").filter(has_text="公共停车位")).to_have_count(0)

    # The deputy deletes the draft.
    deputy.goto(detail)
    deputy.once("dialog", lambda dialog: dialog.accept())
    deputy.get_by_test_id("delete-draft").click()
    expect(deputy.get_by_test_id("suggestion-row").filter(has_text="公共停车位")).to_have_count(0)
    assert not Suggestion.objects.filter(title__contains="公共停车位").exists()
