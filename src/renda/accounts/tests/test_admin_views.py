"""The administrator's pages: users, organisations, regions, API tokens; and the forced password change."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts.models import ApiToken, Organisation, Region, Role, User
from renda.accounts.services import api_token_authenticate
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FORBIDDEN_ACTORS = ["staff_user", "deputy_user", "unit_user", "citizen_user"]
PASSWORD = "Renda-test-2026"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher takes half a second per password; these tests make many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_web(client_for, admin_user) -> Client:
    return client_for(admin_user)


@pytest.fixture
def town(county) -> Region:
    return Region.objects.create(code="610999001", name="城关镇", level=Region.Level.TOWN, parent=county)


def input_value(html: str, testid: str) -> str:
    match = re.search(rf'<input[^>]*data-testid="{testid}"[^>]*>', html)
    assert match, f"no input with data-testid={testid}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    assert value
    return value.group(1)


# --- refusals ---------------------------------------------------------------------------------


ADMIN_PAGES = [
    ("accounts:user_list", False),
    ("accounts:user_create", False),
    ("accounts:user_edit", True),
    ("accounts:region_list", False),
    ("accounts:region_create", False),
    ("accounts:organisation_create", False),
]


@pytest.mark.parametrize("actor_fixture", FORBIDDEN_ACTORS)
@pytest.mark.parametrize(("url_name", "with_pk"), ADMIN_PAGES)
def test_admin_pages_are_refused_to_other_roles(
    request, client_for, admin_user, actor_fixture, url_name, with_pk
):
    actor = request.getfixturevalue(actor_fixture)
    url = reverse(url_name, args=[admin_user.pk] if with_pk else [])
    assert client_for(actor).get(url).status_code == 403


@pytest.mark.parametrize("actor_fixture", FORBIDDEN_ACTORS)
def test_edit_pages_of_organisations_and_regions_are_refused_to_other_roles(
    request, client_for, actor_fixture, county, make_organisation
):
    actor = request.getfixturevalue(actor_fixture)
    org = make_organisation()
    client = client_for(actor)
    assert client.get(reverse("accounts:organisation_edit", args=[org.pk])).status_code == 403
    assert (
        client.post(
            reverse("accounts:organisation_edit", args=[org.pk]), {"code": "X", "name": "X"}
        ).status_code
        == 403
    )
    assert client.get(reverse("accounts:region_edit", args=[county.pk])).status_code == 403
    org.refresh_from_db()
    assert org.code != "X"


@pytest.mark.parametrize("actor_fixture", FORBIDDEN_ACTORS)
def test_admin_actions_are_refused_to_other_roles_and_change_nothing(
    request, client_for, admin_user, finance_feed_user, actor_fixture
):
    from renda.accounts import services

    actor = request.getfixturevalue(actor_fixture)
    token, raw = services.api_token_issue(actor=admin_user, user=finance_feed_user, name="t")
    client = client_for(actor)
    target = finance_feed_user
    password_hash = User.objects.get(pk=target.pk).password
    for name, args in [
        ("accounts:user_password_reset", [target.pk]),
        ("accounts:user_unlock", [target.pk]),
        ("accounts:user_second_factor_reset", [target.pk]),
        ("accounts:api_token_issue", [target.pk]),
        ("accounts:api_token_revoke", [target.pk, token.pk]),
    ]:
        assert client.post(reverse(name, args=args), {"name": "x"}).status_code == 403, name
    assert (
        client.post(
            reverse("accounts:user_create"),
            {
                "username": "intruder",
                "real_name": "某",
                "role": Role.ADMIN,
            },
        ).status_code
        == 403
    )
    assert User.objects.get(pk=target.pk).password == password_hash
    assert not User.objects.filter(username="intruder").exists()
    assert ApiToken.objects.count() == 1
    assert api_token_authenticate(raw=raw) == finance_feed_user


# --- users ------------------------------------------------------------------------------------


def test_user_list_masks_phones_and_filters(admin_web, make_user, make_organisation):
    office = make_organisation(kind=Organisation.Kind.CONGRESS)
    make_user(Role.STAFF, username="zhangsan", real_name="张三", phone="13812345678", organisation=office)
    make_user(Role.CITIZEN, username="lisi", real_name="李四", phone="13900001111")
    make_user(Role.CITIZEN, username="wangwu", real_name="王五", is_active=False)
    url = reverse("accounts:user_list")

    html = admin_web.get(url).content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert "13900001111" not in html

    def listed(**params) -> set[str]:
        page = admin_web.get(url, params).content.decode()
        return set(re.findall(r'data-testid="user-row" data-username="([^"]+)"', page))

    assert listed(role=Role.STAFF) == {"zhangsan"}
    assert listed(q="李") == {"lisi"}
    assert listed(q="wangw") == {"wangwu"}
    assert listed(active="0") == {"wangwu"}
    assert "wangwu" not in listed(active="1")
    assert listed(organisation=office.pk) == {"zhangsan"}


def test_user_list_paginates_and_answers_htmx_with_the_results_only(admin_web, make_user):
    for n in range(55):
        User.objects.create(username=f"bulk{n:03d}", role=Role.CITIZEN)
    url = reverse("accounts:user_list")
    first = admin_web.get(url).content.decode()
    assert first.count('data-testid="user-row"') == 50
    assert 'data-testid="next-page"' in first
    second = admin_web.get(url, {"page": 2}).content.decode()
    assert 1 <= second.count('data-testid="user-row"') <= 10
    partial = admin_web.get(url, {"q": "bulk"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="user-results"' in partial and "<html" not in partial


def test_admin_creates_a_user_and_sees_the_password_once(admin_web, make_organisation):
    office = make_organisation(kind=Organisation.Kind.CONGRESS)
    response = admin_web.post(
        reverse("accounts:user_create"),
        {
            "username": "zhaoliu",
            "real_name": "赵六",
            "phone": "13712345678",
            "role": Role.STAFF,
            "organisation": office.pk,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = input_value(response.content.decode(), "initial-password")
    user = User.objects.get(username="zhaoliu")
    assert user.check_password(password) and user.must_change_password
    edit_page = admin_web.get(reverse("accounts:user_edit", args=[user.pk])).content.decode()
    assert password not in edit_page
    assert AuditEvent.objects.filter(action="accounts.user_create", outcome="done").exists()


def test_user_create_with_bad_phone_or_wrong_organisation_shows_errors(admin_web, make_organisation):
    department = make_organisation(kind=Organisation.Kind.DEPARTMENT)
    url = reverse("accounts:user_create")
    response = admin_web.post(
        url, {"username": "bad1", "real_name": "某", "phone": "12345", "role": Role.CITIZEN}
    )
    assert response.status_code == 400
    assert 'id="id_phone-error"' in response.content.decode()
    response = admin_web.post(
        url, {"username": "bad2", "real_name": "某", "role": Role.STAFF, "organisation": department.pk}
    )
    assert response.status_code == 400
    assert 'id="id_organisation-error"' in response.content.decode()
    assert not User.objects.filter(username__in=["bad1", "bad2"]).exists()


def test_edit_form_shows_the_full_phone_and_saves(admin_web, make_user):
    user = make_user(Role.CITIZEN, phone="13812345678")
    url = reverse("accounts:user_edit", args=[user.pk])
    assert 'value="13812345678"' in admin_web.get(url).content.decode()
    response = admin_web.post(url, {"real_name": "改名", "phone": "13612345678", "role": Role.DEPUTY})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.real_name, user.phone, user.role, user.is_active) == (
        "改名",
        "13612345678",
        Role.DEPUTY,
        False,
    )


def test_admin_cannot_deactivate_themselves_through_the_form(admin_web, admin_user):
    url = reverse("accounts:user_edit", args=[admin_user.pk])
    response = admin_web.post(url, {"real_name": "管理员", "role": Role.ADMIN})
    assert response.status_code == 400
    assert 'id="id_is_active-error"' in response.content.decode()
    response = admin_web.post(url, {"real_name": "管理员", "role": Role.CITIZEN, "is_active": "on"})
    assert response.status_code == 400
    admin_user.refresh_from_db()
    assert admin_user.is_active and admin_user.role == Role.ADMIN


def test_password_reset_shows_a_new_password_once(admin_web, citizen_user):
    response = admin_web.post(reverse("accounts:user_password_reset", args=[citizen_user.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = input_value(response.content.decode(), "initial-password")
    citizen_user.refresh_from_db()
    assert citizen_user.check_password(password) and citizen_user.must_change_password
    assert admin_web.get(reverse("accounts:user_password_reset", args=[citizen_user.pk])).status_code == 405


def _sign_in(client: Client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_unlock_lets_a_locked_user_sign_in_again(admin_web, citizen_user, settings):
    person = Client()
    for _n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(person, citizen_user.username, "wrong-password-1")
    locked = _sign_in(person, citizen_user.username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in person.session

    edit_url = reverse("accounts:user_edit", args=[citizen_user.pk])
    page = admin_web.get(edit_url).content.decode()
    assert 'data-testid="unlock-button"' in page
    listing = admin_web.get(reverse("accounts:user_list")).content.decode()
    assert 'data-testid="user-locked"' in listing

    response = admin_web.post(reverse("accounts:user_unlock", args=[citizen_user.pk]))
    assert response.status_code == 302
    assert 'data-testid="unlock-button"' not in admin_web.get(edit_url).content.decode()
    assert AuditEvent.objects.filter(action="accounts.user_unlock", outcome="done").exists()

    signed_in = _sign_in(Client(), citizen_user.username, PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in.wsgi_request.user == citizen_user


def test_second_factor_reset_makes_the_user_enrol_again(admin_web, client_for, staff_user):
    staff_client = client_for(staff_user)
    assert staff_client.get(reverse("core:workbench")).status_code == 200
    edit_url = reverse("accounts:user_edit", args=[staff_user.pk])
    assert 'data-testid="second-factor-reset-button"' in admin_web.get(edit_url).content.decode()
    assert (
        admin_web.post(reverse("accounts:user_second_factor_reset", args=[staff_user.pk])).status_code == 302
    )
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    response = staff_client.get(reverse("core:workbench"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:second_factor"))


# --- must change password -----------------------------------------------------------------------


def test_must_change_password_redirects_until_the_password_is_changed(client_for, make_user):
    user = make_user(Role.DEPUTY, must_change_password=True)
    client = client_for(user)
    password_url = reverse("accounts:password_change")
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 302 and response["Location"] == password_url
    htmx = client.get(reverse("core:workbench"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == password_url
    assert client.get(password_url).status_code == 200
    assert client.get("/api/v1/openapi.json").status_code != 302

    response = client.post(
        password_url,
        {
            "old_password": PASSWORD,
            "new_password1": "Xinmima-2027-abc",
            "new_password2": "Xinmima-2027-abc",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("core:workbench")).status_code == 200


def test_a_user_with_a_normal_password_is_not_redirected(client_for, deputy_user):
    assert client_for(deputy_user).get(reverse("core:workbench")).status_code == 200


def test_logout_stays_reachable_when_the_password_must_change(client_for, make_user):
    user = make_user(Role.CITIZEN, must_change_password=True)
    client = client_for(user)
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] != reverse("accounts:password_change")
    assert "_auth_user_id" not in client.session


# --- API tokens -------------------------------------------------------------------------------


def test_admin_issues_and_revokes_a_token_for_the_finance_feed(admin_web, finance_feed_user):
    edit_url = reverse("accounts:user_edit", args=[finance_feed_user.pk])
    assert 'data-testid="api-tokens"' in admin_web.get(edit_url).content.decode()
    response = admin_web.post(
        reverse("accounts:api_token_issue", args=[finance_feed_user.pk]),
        {"name": "预算一体化系统", "expires_on": ""},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = input_value(response.content.decode(), "raw-token")
    assert api_token_authenticate(raw=raw) == finance_feed_user
    token = ApiToken.objects.get(user=finance_feed_user)
    assert token.prefix == raw[:8] and token.token_hash != raw

    page = admin_web.get(edit_url).content.decode()
    assert raw not in page
    assert f'data-prefix="{token.prefix}"' in page

    revoke = admin_web.post(reverse("accounts:api_token_revoke", args=[finance_feed_user.pk, token.pk]))
    assert revoke.status_code == 302
    assert api_token_authenticate(raw=raw) is None


def test_token_form_errors_are_shown(admin_web, finance_feed_user):
    response = admin_web.post(
        reverse("accounts:api_token_issue", args=[finance_feed_user.pk]),
        {"name": "t", "expires_on": "2000-01-01"},
    )
    assert response.status_code == 400
    assert 'id="id_expires_on-error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_panel_is_shown_only_for_the_finance_feed_by_default(admin_web, citizen_user):
    page = admin_web.get(reverse("accounts:user_edit", args=[citizen_user.pk])).content.decode()
    assert 'data-testid="api-tokens"' not in page


# --- organisations ----------------------------------------------------------------------------


@pytest.mark.parametrize("actor_fixture", ["staff_user", "deputy_user", "unit_user"])
def test_organisation_tree_is_readable_by_people_who_work_in_the_system(
    request, client_for, actor_fixture, make_organisation
):
    actor = request.getfixturevalue(actor_fixture)
    top = make_organisation(kind=Organisation.Kind.OTHER, code="A100", name="县人民政府")
    make_organisation(kind=Organisation.Kind.DEPARTMENT, code="A110", name="县教育局", parent=top)
    response = client_for(actor).get(reverse("accounts:organisation_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-code="A110" data-depth="1"' in html
    assert html.index('data-code="A100"') < html.index('data-code="A110"')
    assert 'data-testid="organisation-create-link"' not in html


def test_lists_of_things_head_their_name_column_名称_not_姓名(client_for, admin_user, make_organisation):
    """Issue 15.8: an organisation or a region has a 名称; only a person has a 姓名."""
    make_organisation(name="县教育局")
    client = client_for(admin_user)
    for url in (reverse("accounts:organisation_list"), reverse("accounts:region_list")):
        head = client.get(url).content.decode().split("<thead>")[1].split("</thead>")[0]
        assert "名称" in head and "姓名" not in head


def test_organisation_tree_is_refused_to_citizens(client_for, citizen_user):
    assert client_for(citizen_user).get(reverse("accounts:organisation_list")).status_code == 403


def test_admin_creates_and_edits_an_organisation(admin_web, county, make_organisation):
    top = make_organisation(kind=Organisation.Kind.OTHER, code="B100")
    response = admin_web.post(
        reverse("accounts:organisation_create"),
        {
            "code": "B110",
            "name": "县卫生健康局",
            "short_name": "卫健局",
            "kind": Organisation.Kind.DEPARTMENT,
            "parent": top.pk,
            "region": county.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(code="B110")
    assert org.parent == top and org.is_active
    cycle = admin_web.post(
        reverse("accounts:organisation_edit", args=[top.pk]),
        {
            "code": "B100",
            "name": top.name,
            "kind": top.kind,
            "parent": org.pk,
            "region": county.pk,
        },
    )
    assert cycle.status_code == 400
    assert 'id="id_parent-error"' in cycle.content.decode()
    top.refresh_from_db()
    assert top.parent is None


# --- regions ----------------------------------------------------------------------------------


def test_region_tree_lists_county_towns_and_villages_in_order(admin_web, county, town):
    Region.objects.create(code="610999001002", name="二村", level=Region.Level.VILLAGE, parent=town)
    Region.objects.create(code="610999000", name="甲镇", level=Region.Level.TOWN, parent=county)
    html = admin_web.get(reverse("accounts:region_list")).content.decode()
    rows = re.findall(r'data-testid="region-row" data-code="(\d+)" data-depth="(\d)"', html)
    assert rows == [("610999", "0"), ("610999000", "1"), ("610999001", "1"), ("610999001002", "2")]


def test_admin_adds_a_village_and_a_bad_code_is_refused(admin_web, town):
    url = reverse("accounts:region_create")
    assert f'value="{town.pk}" selected' in admin_web.get(url, {"parent": town.pk}).content.decode()
    bad = admin_web.post(url, {"parent": town.pk, "code": "610999002001", "name": "外村"})
    assert bad.status_code == 400
    assert 'id="id_code-error"' in bad.content.decode()
    assert not Region.objects.filter(code="610999002001").exists()
    good = admin_web.post(url, {"parent": town.pk, "code": "610999001003", "name": "三村"})
    assert good.status_code == 302
    assert Region.objects.get(code="610999001003").level == Region.Level.VILLAGE


def test_admin_renames_a_region(admin_web, town):
    response = admin_web.post(
        reverse("accounts:region_edit", args=[town.pk]),
        {"parent": town.parent_id, "code": town.code, "name": "城关街道"},
    )
    assert response.status_code == 302
    town.refresh_from_db()
    assert town.name == "城关街道"
