"""代表: the office gives a group accounts and prints the slips; a deputy's archive entry goes through
review (returned with a reason, corrected, approved) and shows in the archive and its PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from renda.accounts.models import Organisation, Role
from renda.deputies.models import ArchiveEntry, Deputy, DeputyGroup, Term

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def office(make_user, make_organisation):
    org = make_organisation(kind=Organisation.Kind.CONGRESS, name="县人大常委会代表工作委员会")
    return make_user(Role.STAFF, organisation=org, real_name="周敏")


@pytest.fixture
def group(county):
    term = Term.objects.create(
        level="county",
        region=county,
        number=19,
        name="示范县第十九届人民代表大会",
        start_date="2022-01-01",
        end_date="2026-12-31",
        is_current=True,
    )
    group = DeputyGroup.objects.create(term=term, name="城关镇代表团", region=county)
    for i, (name, phone) in enumerate([("林晓梅", "13800001111"), ("王强", "13800002222"), ("陈静", "")], 1):
        Deputy.objects.create_seat(
            term=term,
            group=group,
            region=county,
            number=f"19{i:03d}",
            name=name,
            gender="F",
            phone=phone,
            party="中共党员",
            workplace="城关镇幸福社区党委书记",
        )
    return group


@pytest.mark.parametrize("width", [1366, 375])
def test_office_creates_accounts_for_a_group_and_prints_the_slips(page, shot, sign_in, office, group, width):
    page.set_viewport_size({"width": width, "height": 860})
    sign_in(page, office)
    page.goto(f"/deputies/?group={group.pk}")
    expect(page.get_by_text("共 3 名代表")).to_be_visible()
    shot(page, "roster")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("accounts-group").click()
    expect(page.get_by_test_id("slips-warning")).to_contain_text("已开通 3 个账号")
    expect(page.get_by_test_id("slip")).to_have_count(3)
    password = page.get_by_test_id("slip-password").first.inner_text()
    username = page.get_by_test_id("slip-username").first.inner_text()
    assert len(password) >= 12 and username == "db19001"
    shot(page, "slips")

    # The deputy signs in with the slip and must choose a password first.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/accounts/password/**")
    shot(page, "first-sign-in")


def _photo(tmp_path, name, color):
    path = tmp_path / name
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_deputy_entry_is_returned_fixed_and_approved(
    browser, live_server, phone_page, page, shot, sign_in, make_user, office, group, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    deputy = make_user(Role.DEPUTY, real_name="林晓梅")
    seat = Deputy.objects.get(number="19001")
    seat.person.user = deputy
    seat.person.save()

    # On the phone: the deputy reports a visit with a photo.
    sign_in(phone_page, deputy)
    phone_page.goto("/deputies/archive/")
    shot(phone_page, "archive-empty")
    phone_page.get_by_test_id("archive-add").click()
    phone_page.get_by_label("履职类型").select_option("visit_voters")
    phone_page.get_by_label("日期").fill("2025-05-20")
    phone_page.get_by_label("标题").fill("走访幸福社区选民")
    phone_page.get_by_label("履职内容").fill("走访幸福社区选民十二户，收集到关于老旧小区加装电梯的意见三条。")
    phone_page.get_by_label("佐证照片或材料").set_input_files(
        str(_photo(tmp_path, "走访.jpg", (180, 40, 40)))
    )
    shot(phone_page, "report-form")
    phone_page.get_by_test_id("archive-submit").click()
    expect(phone_page.get_by_test_id("entry-state")).to_have_text("待初审")
    expect(phone_page.get_by_test_id("evidence").locator("img")).to_be_visible()
    shot(phone_page, "reported")
    entry = ArchiveEntry.objects.get()

    # At the desk (1366 px): the office returns it with a reason.
    page.set_viewport_size({"width": 1366, "height": 860})
    sign_in(page, office)
    page.goto("/deputies/archive/review/?state=submitted")
    expect(page.get_by_test_id("review-item")).to_have_count(1)
    shot(page, "review-list")
    page.get_by_role("link", name="走访幸福社区选民").click()
    page.get_by_label("退回理由（代表会看到）").fill("照片看不清，请补充一张清晰的走访照片。")
    page.get_by_test_id("do-return").click()
    page.wait_for_url("**/archive/review/")
    entry.refresh_from_db()
    assert entry.state == "returned"

    # The deputy sees why, and corrects it with a new photo.
    phone_page.goto("/deputies/archive/")
    expect(phone_page.get_by_test_id("archive-to-fix")).to_contain_text("照片看不清")
    shot(phone_page, "to-fix")
    phone_page.get_by_test_id("archive-to-fix").get_by_role("link").click()
    expect(phone_page.get_by_test_id("return-reason")).to_contain_text("照片看不清")
    phone_page.get_by_test_id("archive-edit").click()
    phone_page.get_by_label("佐证照片或材料").set_input_files(
        str(_photo(tmp_path, "清晰.jpg", (30, 140, 60)))
    )
    phone_page.get_by_test_id("archive-submit").click()
    expect(phone_page.get_by_test_id("entry-state")).to_have_text("待初审")

    # The office reviews twice (初审, then 终审) and the entry counts.
    for expected in ("待终审", "已通过"):
        page.goto(f"/deputies/archive/{entry.pk}/")
        shot(page, f"review-{expected}")
        page.get_by_test_id("do-approve").click()
        page.wait_for_url("**/archive/review/")
        page.goto(f"/deputies/archive/{entry.pk}/")
        expect(page.get_by_test_id("entry-state")).to_have_text(expected)

    phone_page.goto("/deputies/archive/")
    expect(phone_page.get_by_test_id("archive-entry")).to_contain_text("走访幸福社区选民")
    expect(phone_page.get_by_test_id("archive-counts")).to_contain_text("代表小组活动")
    shot(phone_page, "archive-approved")
    response = phone_page.request.get(f"/deputies/archive/seat/{seat.pk}.pdf")
    assert response.ok and response.body().startswith(b"%PDF")


def test_office_assigns_a_group_reviewer_who_passes_an_entry_on_from_the_phone(
    browser, live_server, phone_page, page, shot, sign_in, make_user, office, group, tmp_path, settings
):
    from renda.deputies.services import archive as archive_services

    settings.MEDIA_ROOT = tmp_path / "media"
    author = make_user(Role.DEPUTY, real_name="林晓梅")
    leader = make_user(Role.DEPUTY, real_name="王强")
    for number, user in (("19001", author), ("19002", leader)):
        person = Deputy.objects.get(number=number).person
        person.user = user
        person.save()
    entry = archive_services.archive_entry_create(
        actor=author,
        kind="visit_voters",
        date=dt.date(2025, 5, 20),
        title="走访幸福社区选民",
        text="走访幸福社区选民十二户，收集到关于老旧小区加装电梯的意见三条。",
    )

    # At the desk: the office assigns the group leader as the group's first-step reviewer.
    page.set_viewport_size({"width": 1366, "height": 860})
    sign_in(page, office)
    page.goto("/deputies/archive/review/")
    page.get_by_test_id("archive-reviewers").click()
    expect(page.get_by_test_id("reviewer-group")).to_contain_text("城关镇代表团")
    page.locator("#id_group").select_option(str(group.pk))
    page.locator("#id_user").select_option(str(leader.pk))
    shot(page, "assign")
    page.get_by_test_id("reviewer-add").click()
    expect(page.get_by_test_id("reviewer-name")).to_have_text("王强")
    shot(page, "assigned")

    # On the phone: the reviewer finds the entry on the workbench and passes it to the final step.
    sign_in(phone_page, leader)
    expect(phone_page.get_by_role("link", name="走访幸福社区选民")).to_be_visible()
    shot(phone_page, "reviewer-workbench")
    phone_page.get_by_role("link", name="走访幸福社区选民").click()
    expect(phone_page.get_by_test_id("entry-state")).to_have_text("待初审")
    shot(phone_page, "reviewer-entry")
    phone_page.get_by_test_id("do-approve").click()
    phone_page.wait_for_url("**/archive/review/")
    shot(phone_page, "reviewer-done")
    entry.refresh_from_db()
    assert entry.state == "checked"

    # The office now sees it awaiting the final review.
    page.goto("/deputies/archive/review/?state=checked")
    expect(page.get_by_test_id("review-item")).to_have_count(1)
    expect(page.get_by_test_id("entry-state")).to_have_text("待终审")
    shot(page, "office-final")
