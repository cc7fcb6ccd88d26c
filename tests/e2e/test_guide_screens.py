"""The user guide's screenshots (``docs/guide.md``): each workflow of the demo county, step by step,
as the person whose turn it is sees the page, at 1366 px. In the test run the pictures go to
``test-results/guide/``; to refresh the guide's own pictures in ``docs/guide/``:

    RENDA_GUIDE_SCREENS=1 .venv/bin/python -m pytest -p no:cacheprovider tests/e2e/test_guide_screens.py

``RENDA_GUIDE_ONLY=liaison`` (names of workflows, comma-separated: accounts, suggestions, liaison,
budget) takes the pictures of those workflows only. Each picture is cut to the top 1,100 px of the
page (a form whose end matters is taken whole) and stored with a 96-colour palette (small files).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from renda.accounts.models import Organisation, User
from renda.budget.models import Finding
from renda.demo.county import DEMO_PASSWORD, ORG_HOUSING
from renda.deputies.models import DeputyGroup
from renda.liaison import services as liaison
from renda.liaison.models import Opinion, Station
from renda.suggestions import services as suggestions
from renda.suggestions.models import Suggestion, SuggestionCategory
from renda.suggestions.tests.letter import LETTER

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
# `make test` must leave the checkout as it found it: only a deliberate refresh writes into docs/.
GUIDE = (
    ROOT / "docs" / "guide"
    if os.environ.get("RENDA_GUIDE_SCREENS") == "1"
    else ROOT / "test-results" / "guide"
)
WIDTH, HEIGHT, MAX_HEIGHT = 1366, 800, 1100


def save(page, name: str, *, whole: bool = False) -> None:
    """``docs/guide/<name>.png``: the page at 1366 px, at most 1,100 px tall (``whole``: all of
    it, e.g. a form down to its captcha and its button), 96 colours."""
    GUIDE.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    if not whole:
        image = image.crop((0, 0, image.width, min(image.height, MAX_HEIGHT)))
    image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(
        GUIDE / f"{name}.png", optimize=True
    )


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo_seed", "--no-logins", stdout=StringIO(), stderr=StringIO())
    return {
        u.username: u
        for u in User.objects.filter(username__in=("admin", "staff", "budget", "deputy", "unit"))
    }


@pytest.fixture
def person(browser, live_server, sign_in):
    contexts = []
    signed_in: dict[str, object] = {}  # one page per person: a second sign-in would reuse the TOTP code

    def open_page(user: User | None = None):
        if user is not None and user.username in signed_in:
            return signed_in[user.username]
        context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": HEIGHT})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        if user is not None:
            sign_in(page, user, password=DEMO_PASSWORD)
            signed_in[user.username] = page
        return page

    yield open_page
    for context in contexts:
        context.close()


def guide_suggestions(demo, person):
    """代表建议: the deputy writes, the office registers and assigns, the unit accepts and replies,
    the deputy rates."""
    deputy = person(demo["deputy"])
    deputy.goto("/suggestions/new/")
    deputy.locator("#id_title").fill("关于城关镇幸福小区雨污分流改造的建议")
    deputy.locator("#id_content").fill(
        "幸福小区建成于1995年，排水管网严重老化，雨季积水深达30厘米。建议纳入今年老旧小区改造计划，同步实施雨污分流。"
    )
    save(deputy, "suggestions-1-deputy-writes")
    draft = suggestions.suggestion_create(
        actor=demo["deputy"],
        title="关于城关镇幸福小区雨污分流改造的建议",
        content="幸福小区建成于1995年，排水管网严重老化，雨季积水深达30厘米。建议纳入今年老旧小区改造计划，同步实施雨污分流。",
        category=SuggestionCategory.objects.filter(is_active=True).order_by("order").first(),
    )
    suggestions.suggestion_submit(actor=demo["deputy"], suggestion=draft)

    staff = person(demo["staff"])
    staff.goto("/")
    expect(staff.get_by_test_id("suggestion-todo")).to_contain_text("待审核立案")
    save(staff, "suggestions-2-office-workbench")
    staff.goto(f"/suggestions/{draft.pk}/")
    save(staff, "suggestions-3-office-registers")
    suggestions.suggestion_register(actor=demo["staff"], suggestion=Suggestion.objects.get(pk=draft.pk))
    staff.goto(f"/suggestions/{draft.pk}/")
    save(staff, "suggestions-4-office-assigns")
    housing = Organisation.objects.get(code=ORG_HOUSING)
    suggestions.suggestion_assign(
        actor=demo["staff"], suggestion=Suggestion.objects.get(pk=draft.pk), lead=housing
    )

    unit = person(demo["unit"])
    unit.goto(f"/suggestions/{draft.pk}/")
    save(unit, "suggestions-5-unit-accepts")
    s = Suggestion.objects.get(pk=draft.pk)
    suggestions.assignment_accept(actor=demo["unit"], assignment=s.assignments.get(unit=housing))
    unit.goto(f"/suggestions/{draft.pk}/")
    save(unit, "suggestions-6-unit-replies")
    suggestions.suggestion_reply(
        actor=demo["unit"],
        suggestion=Suggestion.objects.get(pk=draft.pk),
        reply_class="A",
        text="幸福小区已列入本年度老旧小区改造计划，雨污分流工程已于10月完工。",
        **LETTER,
    )
    deputy.goto(f"/suggestions/{draft.pk}/")
    save(deputy, "suggestions-7-deputy-rates")


def guide_liaison(demo, person):
    """网上家站: a citizen writes and keeps the code, the station accepts and answers, the citizen
    follows the answer and rates it; or books a reception day."""
    citizen = person()
    citizen.goto("/liaison/")
    save(citizen, "liaison-1-portal")
    citizen.goto("/liaison/write/")
    citizen.locator("#id_phone").fill("13812345678")
    citizen.locator("#id_town").select_option(index=1)
    citizen.locator("#id_category").select_option("urban")
    citizen.locator("#id_content").fill("幸福小区门口的路灯坏了三个月，晚上出行很不安全，希望尽快修好。")
    citizen.locator("#id_captcha_1").fill("PASSED")
    expect(citizen.get_by_test_id("submit-opinion")).to_be_visible()
    save(citizen, "liaison-2-citizen-writes", whole=True)  # down to the captcha and the button
    citizen.get_by_test_id("submit-opinion").click()
    expect(citizen.get_by_test_id("tracking-code")).to_be_visible()
    save(citizen, "liaison-3-tracking-code")
    opinion = Opinion.objects.order_by("-pk").first()
    assert opinion is not None

    staff = person(demo["staff"])
    staff.goto("/liaison/work/")
    save(staff, "liaison-4-station-inbox")
    staff.goto(f"/liaison/work/opinions/{opinion.pk}/")
    save(staff, "liaison-5-station-accepts")
    liaison.opinion_accept(actor=demo["staff"], opinion=opinion)
    liaison.opinion_handle_directly(actor=demo["staff"], opinion=Opinion.objects.get(pk=opinion.pk))
    liaison.opinion_answer(
        actor=demo["staff"],
        opinion=Opinion.objects.get(pk=opinion.pk),
        answer="经联系县城市管理局，路灯已于本周更换完毕。感谢您的反映。",
    )
    citizen.goto("/liaison/follow/")
    citizen.locator("#id_code").fill(opinion.code_display)
    citizen.locator("#id_phone_last4").fill("5678")
    citizen.get_by_role("button", name="查询", exact=True).click()
    expect(citizen.get_by_test_id("answer")).to_be_visible()
    save(citizen, "liaison-6-citizen-follows-and-rates")
    citizen.goto("/liaison/calendar/")
    save(citizen, "liaison-7-reception-calendar")


def guide_budget(demo, person):
    """预算联网监督: the budget office queries execution, reads the warnings and handles a finding."""
    budget = person(demo["budget"])
    budget.goto("/budget/imports/")
    save(budget, "budget-1-imports")
    budget.goto("/budget/")
    save(budget, "budget-2-query")
    budget.goto("/budget/findings/")
    save(budget, "budget-3-findings")
    finding = Finding.objects.filter(state=Finding.State.NEW).order_by("severity", "pk").first()
    if finding is not None:
        budget.goto(f"/budget/findings/{finding.pk}/")
        save(budget, "budget-4-finding")
    budget.goto("/budget/analysis/")
    save(budget, "budget-5-analysis")


def guide_accounts(demo, person):
    """账户与第二因素: sign in with the password and the authenticator's code; the administrator
    manages users."""
    visitor = person()
    visitor.goto("/accounts/login/")
    visitor.get_by_label("用户名").fill("staff")
    visitor.get_by_label("密码").fill(DEMO_PASSWORD)
    save(visitor, "accounts-1-sign-in")
    visitor.get_by_role("button", name="登录").click()
    expect(visitor.get_by_label("身份验证器中的6位验证码")).to_be_visible()
    save(visitor, "accounts-2-second-factor")
    admin = person(demo["admin"])
    admin.goto("/accounts/users/")
    save(admin, "accounts-3-users")
    admin.goto("/accounts/password/")
    save(admin, "accounts-4-password")
    assert Station.objects.exists() and dt.date.today()


def guide_deputies(demo, person):
    """履职档案: the office assigns a group's first-step reviewer (初审人) by name."""
    staff = person(demo["staff"])
    staff.goto("/deputies/archive/reviewers/")
    clerk = demo["deputy"]  # the demo deputy leads their group and reviews its entries first
    group = DeputyGroup.objects.filter(
        term__is_current=True, term__level="county", deputies__person__user=clerk
    ).first()
    assert group is not None
    staff.locator("#id_group").select_option(str(group.pk))
    staff.locator("#id_user").select_option(str(clerk.pk))
    staff.get_by_test_id("reviewer-add").click()
    expect(staff.get_by_test_id("reviewer-groups")).to_contain_text(clerk.display_name)
    save(staff, "deputies-1-reviewers")


WORKFLOWS = {
    "accounts": guide_accounts,
    "suggestions": guide_suggestions,
    "liaison": guide_liaison,
    "deputies": guide_deputies,
    "budget": guide_budget,
}


def test_guide_screens(demo, person):
    """One demo county for every workflow (the seed takes a minute), then each workflow in turn
    (or those ``RENDA_GUIDE_ONLY`` names)."""
    only = [name.strip() for name in os.environ.get("RENDA_GUIDE_ONLY", "").split(",") if name.strip()]
    unknown = set(only) - set(WORKFLOWS)
    assert not unknown, f"no such workflow in the guide: {sorted(unknown)}"
    for name, workflow in WORKFLOWS.items():
        if not only or name in only:
            workflow(demo, person)
