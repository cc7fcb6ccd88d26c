"""The administrator's services on users, organisations, regions and API tokens."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.accounts import selectors, services
from renda.accounts.models import ApiToken, Organisation, Region, Role, User
from renda.core.models import AuditEvent

pytestmark = pytest.mark.django_db

FORBIDDEN_ACTORS = ["staff_user", "deputy_user", "unit_user", "citizen_user"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The production hasher takes half a second per password; these tests make many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def town(county) -> Region:
    return Region.objects.create(code="610999001", name="城关镇", level=Region.Level.TOWN, parent=county)


@pytest.fixture
def congress_office(make_organisation) -> Organisation:
    return make_organisation(kind=Organisation.Kind.CONGRESS, name="办公室")


@pytest.fixture
def department(make_organisation) -> Organisation:
    return make_organisation(kind=Organisation.Kind.DEPARTMENT, name="县教育局")


@pytest.fixture
def finance_bureau(make_organisation) -> Organisation:
    return make_organisation(kind=Organisation.Kind.FINANCE, name="县财政局")


def done(action: str) -> AuditEvent:
    return AuditEvent.objects.get(action=action, outcome="done")


# --- users ------------------------------------------------------------------------------------


def test_admin_creates_user_with_initial_password_that_must_be_changed(admin_user, congress_office):
    user, password = services.user_create(
        actor=admin_user,
        username="wangfang",
        real_name="王芳",
        phone="13812345678",
        role=Role.STAFF,
        organisation=congress_office,
    )
    user.refresh_from_db()
    assert user.check_password(password)
    assert len(password) >= 10
    assert user.must_change_password is True
    assert user.role == Role.STAFF and user.organisation == congress_office and user.is_active
    event = done("accounts.user_create")
    assert event.actor == admin_user and event.object_id == str(user.pk)
    assert event.changes["phone"] == [None, "138****5678"]
    assert "13812345678" not in json.dumps(event.changes)
    assert password not in json.dumps(event.changes)


def test_each_created_user_gets_a_different_password(admin_user):
    _u1, first = services.user_create(actor=admin_user, username="a1", real_name="甲", role=Role.CITIZEN)
    _u2, second = services.user_create(actor=admin_user, username="a2", real_name="乙", role=Role.CITIZEN)
    assert first != second


@pytest.mark.parametrize(
    "phone", ["12812345678", "1381234567", "138123456789", "+8613812345678", "1381234567a"]
)
def test_user_create_rejects_a_phone_that_is_not_a_mainland_mobile(admin_user, phone):
    with pytest.raises(ValidationError) as info:
        services.user_create(actor=admin_user, username="bad", real_name="坏", phone=phone, role=Role.CITIZEN)
    assert "phone" in info.value.message_dict
    assert not User.objects.filter(username="bad").exists()
    assert not AuditEvent.objects.filter(action="accounts.user_create").exists()


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.STAFF, Organisation.Kind.DEPARTMENT),
        (Role.STAFF, Organisation.Kind.FINANCE),
        (Role.UNIT_HANDLER, Organisation.Kind.CONGRESS),
        (Role.UNIT_HANDLER, Organisation.Kind.OTHER),
        (Role.FINANCE_FEED, Organisation.Kind.DEPARTMENT),
        (Role.FINANCE_FEED, Organisation.Kind.CONGRESS),
    ],
)
def test_user_create_rejects_an_organisation_of_the_wrong_kind(admin_user, make_organisation, role, kind):
    organisation = make_organisation(kind=kind)
    with pytest.raises(ValidationError) as info:
        services.user_create(
            actor=admin_user, username="x1", real_name="某", role=role, organisation=organisation
        )
    assert "organisation" in info.value.message_dict
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.STAFF, Organisation.Kind.CONGRESS),
        (Role.UNIT_HANDLER, Organisation.Kind.DEPARTMENT),
        (Role.UNIT_HANDLER, Organisation.Kind.TOWNSHIP),
        (Role.UNIT_HANDLER, Organisation.Kind.FINANCE),
        (Role.FINANCE_FEED, Organisation.Kind.FINANCE),
    ],
)
def test_user_create_accepts_an_organisation_of_a_fitting_kind(admin_user, make_organisation, role, kind):
    organisation = make_organisation(kind=kind)
    user, _pw = services.user_create(
        actor=admin_user, username="ok1", real_name="某", role=role, organisation=organisation
    )
    assert user.organisation == organisation


@pytest.mark.parametrize("role", [Role.STAFF, Role.UNIT_HANDLER, Role.FINANCE_FEED])
def test_roles_of_an_organisation_cannot_be_created_without_one(admin_user, role):
    with pytest.raises(ValidationError) as info:
        services.user_create(actor=admin_user, username="noorg", real_name="某", role=role)
    assert "organisation" in info.value.message_dict
    assert not User.objects.filter(username="noorg").exists()


def test_user_create_rejects_a_taken_user_name(admin_user, citizen_user):
    with pytest.raises(ValidationError) as info:
        services.user_create(
            actor=admin_user, username=citizen_user.username.upper(), real_name="某", role=Role.CITIZEN
        )
    assert "username" in info.value.message_dict


def test_validation_messages_go_through_gettext(admin_user, department, monkeypatch):
    """Messages are translatable (shown in Chinese with the zh-hans catalogue), not fixed English."""
    monkeypatch.setattr(services, "_", lambda message: f"«{message}»")
    with pytest.raises(ValidationError) as info:
        services.user_create(
            actor=admin_user,
            username="t",
            real_name="某",
            phone="123",
            role=Role.STAFF,
            organisation=department,
        )
    for messages in info.value.message_dict.values():
        for message in messages:
            assert message.startswith("«"), message
    with pytest.raises(ValidationError) as info:
        services.region_create(actor=admin_user, code="61099", name="某县")
    assert all(m.startswith("«") for m in info.value.message_dict["code"])


def test_admin_updates_a_user_and_the_audit_masks_the_phone(admin_user, make_user, department):
    user = make_user(Role.CITIZEN, phone="13812345678")
    services.user_update(
        actor=admin_user,
        user=user,
        real_name="新名字",
        phone="13987654321",
        role=Role.UNIT_HANDLER,
        organisation=department,
        is_active=False,
    )
    user.refresh_from_db()
    assert (user.real_name, user.phone, user.role, user.organisation, user.is_active) == (
        "新名字",
        "13987654321",
        Role.UNIT_HANDLER,
        department,
        False,
    )
    changes = done("accounts.user_update").changes
    assert changes["phone"] == ["138****5678", "139****4321"]
    assert changes["role"] == [Role.CITIZEN, Role.UNIT_HANDLER]
    assert changes["is_active"] == [True, False]
    assert "13987654321" not in json.dumps(changes)


def test_user_update_with_a_bad_phone_changes_nothing(admin_user, make_user):
    user = make_user(Role.CITIZEN, phone="13812345678", real_name="原名")
    with pytest.raises(ValidationError):
        services.user_update(
            actor=admin_user,
            user=user,
            real_name="新名",
            phone="0298888888",
            role=Role.CITIZEN,
            organisation=None,
            is_active=True,
        )
    user.refresh_from_db()
    assert (user.real_name, user.phone) == ("原名", "13812345678")
    assert not AuditEvent.objects.filter(action="accounts.user_update").exists()


def test_admin_cannot_deactivate_themselves(admin_user):
    with pytest.raises(ValidationError) as info:
        services.user_update(
            actor=admin_user,
            user=admin_user,
            real_name="管理员",
            phone="",
            role=Role.ADMIN,
            organisation=None,
            is_active=False,
        )
    assert "is_active" in info.value.message_dict
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_admin_cannot_remove_their_own_admin_role(admin_user):
    with pytest.raises(ValidationError) as info:
        services.user_update(
            actor=admin_user,
            user=admin_user,
            real_name="管理员",
            phone="",
            role=Role.CITIZEN,
            organisation=None,
            is_active=True,
        )
    assert "role" in info.value.message_dict
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_admin_may_deactivate_another_admin(admin_user, make_user):
    other = make_user(Role.ADMIN)
    services.user_update(
        actor=admin_user,
        user=other,
        real_name="甲",
        phone="",
        role=Role.ADMIN,
        organisation=None,
        is_active=False,
    )
    other.refresh_from_db()
    assert not other.is_active


def test_password_reset_gives_a_new_password_that_must_be_changed(admin_user, citizen_user):
    password = services.user_password_reset(actor=admin_user, user=citizen_user)
    citizen_user.refresh_from_db()
    assert citizen_user.check_password(password)
    assert not citizen_user.check_password("Renda-test-2026")
    assert citizen_user.must_change_password
    changes = done("accounts.user_password_reset").changes
    assert changes["password"] == ["***", "***"]
    assert changes["must_change_password"] == [False, True]


def test_unlock_forgets_the_failed_attempts(admin_user, citizen_user, settings):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username=citizen_user.username,
        ip_address="127.0.0.1",
        user_agent="t",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    assert selectors.account_is_locked(citizen_user.username)
    removed = services.user_unlock(actor=admin_user, user=citizen_user)
    assert removed == 1
    assert not selectors.account_is_locked(citizen_user.username)
    assert done("accounts.user_unlock").changes["locked"] == [True, False]


def test_an_old_lockout_past_the_cool_off_does_not_count(citizen_user, settings):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username=citizen_user.username,
        ip_address="127.0.0.1",
        user_agent="t",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - dt.timedelta(days=1))
    assert not selectors.account_is_locked(citizen_user.username)


def test_second_factor_reset_deletes_the_authenticators(admin_user, staff_user):
    TOTPDevice.objects.create(user=staff_user, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=staff_user, name="pending", confirmed=False)
    other = TOTPDevice.objects.create(user=admin_user, name="mine", confirmed=True)
    assert services.user_second_factor_reset(actor=admin_user, user=staff_user) == 2
    assert not TOTPDevice.objects.filter(user=staff_user).exists()
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
    assert done("accounts.user_second_factor_reset").changes["second_factor_devices"] == [2, 0]


# --- organisations ----------------------------------------------------------------------------


def test_admin_creates_and_updates_an_organisation(admin_user, county, town):
    parent = services.organisation_create(
        actor=admin_user, code="G001", name="县人民政府", kind=Organisation.Kind.OTHER, region=county
    )
    org = services.organisation_create(
        actor=admin_user,
        code="G010",
        name="县教育局",
        short_name="教育局",
        kind=Organisation.Kind.DEPARTMENT,
        parent=parent,
        region=county,
    )
    services.organisation_update(
        actor=admin_user,
        organisation=org,
        code="G011",
        name="县教育和体育局",
        short_name="教体局",
        kind=Organisation.Kind.DEPARTMENT,
        parent=parent,
        region=town,
        is_active=False,
    )
    org.refresh_from_db()
    assert (org.code, org.name, org.short_name, org.region, org.is_active) == (
        "G011",
        "县教育和体育局",
        "教体局",
        town,
        False,
    )
    changes = done("accounts.organisation_update").changes
    assert changes["code"] == ["G010", "G011"]
    assert AuditEvent.objects.filter(action="accounts.organisation_create", outcome="done").count() == 2


def test_organisation_code_must_be_unique(admin_user, county, department):
    with pytest.raises(ValidationError) as info:
        services.organisation_create(
            actor=admin_user,
            code=department.code,
            name="另一个",
            kind=Organisation.Kind.DEPARTMENT,
            region=county,
        )
    assert "code" in info.value.message_dict
    assert Organisation.objects.filter(code=department.code).count() == 1


def test_organisation_cannot_be_placed_under_its_own_unit(admin_user, county, make_organisation):
    top = make_organisation(kind=Organisation.Kind.OTHER, code="TOP")
    middle = make_organisation(kind=Organisation.Kind.OTHER, code="MID", parent=top)
    bottom = make_organisation(kind=Organisation.Kind.OTHER, code="BOT", parent=middle)
    for new_parent in (top, middle, bottom):
        with pytest.raises(ValidationError) as info:
            services.organisation_update(
                actor=admin_user,
                organisation=top,
                code="TOP",
                name=top.name,
                kind=top.kind,
                parent=new_parent,
                region=county,
            )
        assert "parent" in info.value.message_dict
    top.refresh_from_db()
    assert top.parent is None
    assert not AuditEvent.objects.filter(action="accounts.organisation_update").exists()


def test_organisation_kind_cannot_change_under_its_staff(admin_user, county, congress_office, make_user):
    make_user(Role.STAFF, organisation=congress_office)
    with pytest.raises(ValidationError) as info:
        services.organisation_update(
            actor=admin_user,
            organisation=congress_office,
            code=congress_office.code,
            name=congress_office.name,
            kind=Organisation.Kind.DEPARTMENT,
            region=county,
        )
    assert "kind" in info.value.message_dict
    congress_office.refresh_from_db()
    assert congress_office.kind == Organisation.Kind.CONGRESS


# --- regions ----------------------------------------------------------------------------------


def test_admin_builds_the_region_tree_and_levels_follow_the_parent(admin_user):
    county = services.region_create(actor=admin_user, code="610888", name="新县")
    town = services.region_create(actor=admin_user, code="610888100", name="甲镇", parent=county)
    village = services.region_create(actor=admin_user, code="610888100201", name="乙村", parent=town)
    assert (county.level, town.level, village.level) == ("county", "town", "village")
    assert AuditEvent.objects.filter(action="accounts.region_create", outcome="done").count() == 3


@pytest.mark.parametrize(
    ("code", "parent_code"),
    [
        ("61099", None),  # a county has 6 digits
        ("6109990011", "610999"),  # a town has 9
        ("610998001", "610999"),  # not under the county
        ("61099900a", "610999"),  # digits only
        ("610999001", "610999001"),  # a village has 12 digits
        ("610999002001", "610999001"),  # not under the town
    ],
)
def test_region_code_must_fit_its_level_and_parent(admin_user, county, town, code, parent_code):
    parent = Region.objects.get(code=parent_code) if parent_code else None
    before = Region.objects.count()
    with pytest.raises(ValidationError) as info:
        services.region_create(actor=admin_user, code=code, name="某地", parent=parent)
    assert "code" in info.value.message_dict
    assert Region.objects.count() == before


def test_a_village_cannot_have_subdivisions(admin_user, town):
    village = Region.objects.create(code="610999001001", name="村", level=Region.Level.VILLAGE, parent=town)
    with pytest.raises(ValidationError) as info:
        services.region_create(actor=admin_user, code="610999001001", name="组", parent=village)
    assert "parent" in info.value.message_dict


def test_region_cannot_be_placed_under_itself(admin_user, county):
    lone = Region.objects.create(code="610777", name="孤县", level=Region.Level.COUNTY)
    with pytest.raises(ValidationError):
        services.region_update(actor=admin_user, region=lone, code="610777001", name="孤县", parent=lone)
    lone.refresh_from_db()
    assert lone.parent is None and lone.level == "county"


def test_region_code_change_must_keep_its_subdivisions_under_it(admin_user, county, town):
    with pytest.raises(ValidationError) as info:
        services.region_update(actor=admin_user, region=county, code="610998", name=county.name)
    assert "code" in info.value.message_dict
    county.refresh_from_db()
    assert county.code == "610999"


def test_region_rename_is_audited(admin_user, town):
    services.region_update(actor=admin_user, region=town, code=town.code, name="城关街道", parent=town.parent)
    town.refresh_from_db()
    assert town.name == "城关街道"
    assert done("accounts.region_update").changes == {"name": ["城关镇", "城关街道"]}


# --- API tokens -------------------------------------------------------------------------------


def test_issued_token_authenticates_until_revoked_and_is_never_stored(
    admin_user, finance_feed_user, settings
):
    token, raw = services.api_token_issue(actor=admin_user, user=finance_feed_user, name="财政一体化系统")
    assert raw.startswith(settings.RENDA_API_TOKEN_PREFIX)
    assert len(raw) > 40
    assert token.prefix == raw[:8]
    assert token.token_hash == ApiToken.hash(raw)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in json.dumps(stored, default=str)
    assert raw[8:] not in json.dumps(list(AuditEvent.objects.values("changes", "note", "object_repr")))

    assert services.api_token_authenticate(raw=raw) == finance_feed_user
    token.refresh_from_db()
    assert token.last_used_at is not None

    services.api_token_revoke(actor=admin_user, token=token)
    assert services.api_token_authenticate(raw=raw) is None
    assert done("accounts.api_token_issue").object_id == str(token.pk)
    assert done("accounts.api_token_revoke").changes["revoked_at"][0] is None


def test_token_with_expiry_date_works_through_that_day(admin_user, finance_feed_user):
    today = timezone.localdate()
    token, raw = services.api_token_issue(
        actor=admin_user, user=finance_feed_user, name="t", expires_on=today
    )
    assert timezone.localtime(token.expires_at).date() == today + dt.timedelta(days=1)
    assert services.api_token_authenticate(raw=raw) == finance_feed_user
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.api_token_authenticate(raw=raw) is None


def test_token_expiry_cannot_be_in_the_past(admin_user, finance_feed_user):
    with pytest.raises(ValidationError) as info:
        services.api_token_issue(
            actor=admin_user,
            user=finance_feed_user,
            name="t",
            expires_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "expires_on" in info.value.message_dict
    assert not ApiToken.objects.exists()


def test_revoking_twice_is_refused(admin_user, finance_feed_user):
    token, _raw = services.api_token_issue(actor=admin_user, user=finance_feed_user, name="t")
    services.api_token_revoke(actor=admin_user, token=token)
    with pytest.raises(ValidationError):
        services.api_token_revoke(actor=admin_user, token=token)


# --- refusals ---------------------------------------------------------------------------------


def _calls(other: User, finance_feed_user: User, organisation: Organisation, region: Region, token: ApiToken):
    return {
        "user_create": lambda a: services.user_create(
            actor=a, username="zz", real_name="某", role=Role.CITIZEN
        ),
        "user_update": lambda a: services.user_update(
            actor=a, user=other, real_name="x", phone="", role=Role.ADMIN, organisation=None, is_active=False
        ),
        "user_password_reset": lambda a: services.user_password_reset(actor=a, user=other),
        "user_unlock": lambda a: services.user_unlock(actor=a, user=other),
        "user_second_factor_reset": lambda a: services.user_second_factor_reset(actor=a, user=other),
        "organisation_create": lambda a: services.organisation_create(
            actor=a, code="NEW1", name="新", kind=Organisation.Kind.OTHER, region=region
        ),
        "organisation_update": lambda a: services.organisation_update(
            actor=a, organisation=organisation, code="CHG", name="改", kind=organisation.kind, region=region
        ),
        "region_create": lambda a: services.region_create(
            actor=a, code="610999555", name="新镇", parent=region
        ),
        "region_update": lambda a: services.region_update(actor=a, region=region, code="610999", name="改名"),
        "api_token_issue": lambda a: services.api_token_issue(actor=a, user=finance_feed_user, name="t"),
        "api_token_revoke": lambda a: services.api_token_revoke(actor=a, token=token),
    }


SERVICE_NAMES = [
    "user_create",
    "user_update",
    "user_password_reset",
    "user_unlock",
    "user_second_factor_reset",
    "organisation_create",
    "organisation_update",
    "region_create",
    "region_update",
    "api_token_issue",
    "api_token_revoke",
]


@pytest.mark.parametrize("actor_fixture", FORBIDDEN_ACTORS)
@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_only_admins_may_use_the_admin_services_and_refusals_are_audited(
    request,
    actor_fixture,
    name,
    admin_user,
    finance_feed_user,
    department,
    county,
):
    actor = request.getfixturevalue(actor_fixture)
    token, raw = services.api_token_issue(actor=admin_user, user=finance_feed_user, name="t")
    snapshot_before = (
        list(User.objects.order_by("pk").values()),
        list(Organisation.objects.order_by("pk").values()),
        list(Region.objects.order_by("pk").values()),
        list(ApiToken.objects.order_by("pk").values()),
    )
    call = _calls(admin_user, finance_feed_user, department, county, token)[name]
    with pytest.raises(PermissionDenied):
        call(actor)
    refusal = AuditEvent.objects.get(outcome="refused", actor=actor)
    assert refusal.note == name
    assert refusal.action.startswith("accounts.")
    assert snapshot_before == (
        list(User.objects.order_by("pk").values()),
        list(Organisation.objects.order_by("pk").values()),
        list(Region.objects.order_by("pk").values()),
        list(ApiToken.objects.order_by("pk").values()),
    )
    assert services.api_token_authenticate(raw=raw) == finance_feed_user


@pytest.mark.parametrize("role", [Role.DEPUTY, Role.STAFF, Role.CITIZEN, Role.ADMIN])
def test_admin_may_not_give_a_person_an_api_token_and_the_refusal_is_audited(admin_user, make_user, role):
    person = admin_user if role == Role.ADMIN else make_user(role)
    with pytest.raises(PermissionDenied):
        services.api_token_issue(actor=admin_user, user=person, name="shortcut")
    assert not ApiToken.objects.filter(user=person).exists()
    refused = AuditEvent.objects.get(outcome="refused")
    assert refused.action == "accounts.issue_api_token" and refused.actor == admin_user
