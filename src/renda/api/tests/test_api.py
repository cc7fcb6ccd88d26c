"""The API at /api/v1/: its schema, authentication (token, session), JSON errors, organisations."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from renda.accounts.models import ApiToken, Organisation, Role

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
ORGS = "/api/v1/organisations"
TEST_API = "renda.api.tests.urls"


def make_token(user, raw: str = "rdt_test_0123456789abcdef", **extra) -> str:
    ApiToken.objects.create(
        user=user, name="测试令牌", token_hash=ApiToken.hash(raw), prefix=raw[:8], **extra
    )
    return raw


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == code
    assert body["message"]
    return body


# --- schema and docs -------------------------------------------------------------------------


def test_openapi_schema_is_served_and_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/health", "/api/v1/me", "/api/v1/organisations"} <= set(schema["paths"])
    assert {"OrganisationOut", "ErrorOut"} <= set(schema["components"]["schemas"])
    organisations = schema["paths"]["/api/v1/organisations"]["get"]
    assert {"200", "401", "403", "422"} <= set(organisations["responses"])
    assert {p["name"] for p in organisations["parameters"]} >= {"kind", "active", "q", "limit", "offset"}
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_uses_local_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/" in html
    assert "cdn.jsdelivr.net" not in html


def test_health_needs_no_sign_in(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


# --- authentication --------------------------------------------------------------------------


def test_me_without_credentials_is_401_json(client):
    body = assert_error(client.get(ME), 401, "unauthenticated")
    assert body["detail"] is None
    assert client.get(ME)["WWW-Authenticate"].startswith("Bearer")


def test_me_with_a_valid_token(client, finance_feed_user):
    raw = make_token(finance_feed_user)
    response = client.get(ME, **bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == finance_feed_user.username
    assert body["role"] == Role.FINANCE_FEED
    assert body["organisation"] == finance_feed_user.organisation.name
    assert ApiToken.objects.get(user=finance_feed_user).last_used_at is not None


@pytest.mark.parametrize(
    "state",
    ["revoked", "expired", "inactive_user", "wrong_secret", "empty"],
)
def test_unusable_tokens_are_401(client, finance_feed_user, state):
    raw = "rdt_test_fedcba9876543210"
    now = timezone.now()
    if state == "revoked":
        make_token(finance_feed_user, raw, revoked_at=now - dt.timedelta(minutes=1))
    elif state == "expired":
        make_token(finance_feed_user, raw, expires_at=now - dt.timedelta(seconds=1))
    elif state == "inactive_user":
        make_token(finance_feed_user, raw)
        finance_feed_user.is_active = False
        finance_feed_user.save(update_fields=["is_active"])
    elif state == "wrong_secret":
        make_token(finance_feed_user, raw)
        raw = raw + "x"
    else:
        raw = ""
    assert_error(client.get(ME, **bearer(raw)), 401, "unauthenticated")


def test_token_still_valid_before_its_expiry(client, finance_feed_user):
    raw = make_token(finance_feed_user, expires_at=timezone.now() + dt.timedelta(days=1))
    assert client.get(ME, **bearer(raw)).status_code == 200


def test_signed_in_person_uses_the_session(client_for, deputy_user, staff_user):
    assert client_for(deputy_user).get(ME).json()["username"] == deputy_user.username
    assert client_for(staff_user).get(ME).json()["role"] == Role.STAFF


def test_staff_session_without_second_factor_is_refused_with_json(staff_user):
    client = Client()
    client.force_login(staff_user)  # password accepted, TOTP not yet passed
    body = assert_error(client.get(ME), 403, "second_factor_required")
    assert "staff" not in body["message"]


def test_session_auth_itself_refuses_an_unverified_staff_session(settings, staff_user):
    """Defence in depth: without the middleware, the API's own session check still refuses."""
    settings.MIDDLEWARE = [m for m in django_settings.MIDDLEWARE if "SecondFactorRequired" not in m]
    client = Client()
    client.force_login(staff_user)
    assert_error(client.get(ME), 401, "unauthenticated")


# --- unknown paths and methods ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/me/", "/api/v1/organisations/42", "/api/v2/me", "/api/"]
)
def test_unknown_api_path_is_404_json(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_wrong_method_is_405_json(client):
    response = client.post(ME)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


# --- organisations ---------------------------------------------------------------------------


@pytest.fixture
def organisations(make_organisation):
    committee = make_organisation(kind=Organisation.Kind.CONGRESS, name="县人大常委会办公室", code="0001")
    return {
        "committee": committee,
        "office": make_organisation(
            kind=Organisation.Kind.CONGRESS, name="预算工作委员会", code="0002", parent=committee
        ),
        "finance": make_organisation(kind=Organisation.Kind.FINANCE, name="县财政局", code="0101"),
        "closed": make_organisation(
            kind=Organisation.Kind.DEPARTMENT, name="原县粮食局", code="0102", is_active=False
        ),
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.DEPUTY, Role.UNIT_HANDLER])
def test_people_at_work_list_organisations(client_for, make_user, organisations, role):
    user = make_user(role)
    response = client_for(user).get(ORGS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == Organisation.objects.count()
    by_code = {item["code"]: item for item in body["items"]}
    office = by_code["0002"]
    assert office == {
        "id": organisations["office"].pk,
        "code": "0002",
        "name": "预算工作委员会",
        "short_name": "",
        "kind": "congress",
        "kind_label": str(Organisation.Kind.CONGRESS.label),
        "parent_code": "0001",
        "region_code": organisations["office"].region.code,
        "region_name": organisations["office"].region.name,
        "is_active": True,
    }
    assert by_code["0001"]["parent_code"] is None


def test_organisation_filters_and_paging(client_for, admin_user, organisations):
    client = client_for(admin_user)
    congress = client.get(ORGS, {"kind": "congress"}).json()
    assert {item["code"] for item in congress["items"]} == {"0001", "0002"}
    inactive = client.get(ORGS, {"active": "false"}).json()
    assert [item["code"] for item in inactive["items"]] == ["0102"]
    by_name = client.get(ORGS, {"q": "财政"}).json()
    assert [item["code"] for item in by_name["items"]] == ["0101"]
    total = client.get(ORGS).json()["count"]
    first = client.get(ORGS, {"limit": 2}).json()
    second = client.get(ORGS, {"limit": 2, "offset": 2}).json()
    assert first["count"] == second["count"] == total
    assert len(first["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_organisation_list_costs_constant_queries(
    client_for, admin_user, make_organisation, django_assert_max_num_queries
):
    parent = make_organisation(kind=Organisation.Kind.CONGRESS)
    for _ in range(30):
        make_organisation(parent=parent)
    client = client_for(admin_user)
    client.get(ORGS)
    with django_assert_max_num_queries(8):
        assert len(client.get(ORGS).json()["items"]) == 31


def test_citizen_is_refused_organisations_with_json(client_for, citizen_user, organisations):
    body = assert_error(client_for(citizen_user).get(ORGS), 403, "forbidden")
    assert body["detail"] is None


def test_finance_feed_is_refused_organisations_with_json(client, finance_feed_user, organisations):
    raw = make_token(finance_feed_user)
    assert_error(client.get(ORGS, **bearer(raw)), 403, "forbidden")


@pytest.mark.parametrize(
    "params",
    [
        {"active": "maybe"},
        {"limit": "abc"},
        {"limit": 0},
        {"offset": -1},
        {"kind": "ministry"},
        {"q": "x" * 51},
    ],
)
def test_wrong_parameter_types_are_422_json(client_for, admin_user, params):
    body = assert_error(client_for(admin_user).get(ORGS, params), 422, "invalid_request")
    assert isinstance(body["detail"], list) and body["detail"]


# --- bodies, CSRF, faults (a test API built like the real one) --------------------------------


@pytest.mark.urls(TEST_API)
def test_valid_body_is_accepted(client, finance_feed_user):
    raw = make_token(finance_feed_user)
    response = client.post(
        "/api/test/echo", {"name": "预算", "count": 3}, content_type="application/json", **bearer(raw)
    )
    assert response.status_code == 200
    assert response.json() == {"name": "预算", "count": 3, "by": finance_feed_user.username}


@pytest.mark.urls(TEST_API)
@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "x", "count": ',
        b"not json at all",
        b'{"name": "\xff\xfe"}',
        json.dumps(["a", "list"]).encode(),
    ],
)
def test_malformed_json_body_is_422_json(client, finance_feed_user, body):
    raw = make_token(finance_feed_user)
    response = client.post("/api/test/echo", body, content_type="application/json", **bearer(raw))
    assert_error(response, 422, "invalid_request")


@pytest.mark.urls(TEST_API)
def test_wrong_types_in_body_are_422_json_with_the_field(client, finance_feed_user):
    raw = make_token(finance_feed_user)
    response = client.post(
        "/api/test/echo", {"name": "x", "count": "many"}, content_type="application/json", **bearer(raw)
    )
    body = assert_error(response, 422, "invalid_request")
    assert any(error["loc"][-1] == "count" for error in body["detail"])


@pytest.mark.urls(TEST_API)
def test_bad_token_on_a_write_is_401_not_a_csrf_refusal(finance_feed_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/test/echo",
        {"name": "x", "count": 1},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer rdt_not_a_token",
    )
    assert_error(response, 401, "unauthenticated")


@pytest.mark.urls(TEST_API)
def test_session_write_without_csrf_token_is_403_json(deputy_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(deputy_user)
    response = client.post("/api/test/echo", {"name": "x", "count": 1}, content_type="application/json")
    assert_error(response, 403, "csrf_failed")


@pytest.mark.urls(TEST_API)
def test_session_write_with_csrf_token_is_accepted(deputy_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(deputy_user)
    token = "k" * 32  # a CSRF secret; Django accepts it unmasked in the header
    client.cookies[django_settings.CSRF_COOKIE_NAME] = token
    response = client.post(
        "/api/test/echo", {"name": "x", "count": 1}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200, response.content


@pytest.mark.urls(TEST_API)
def test_oversized_body_is_413_json(client, finance_feed_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    raw = make_token(finance_feed_user)
    payload = json.dumps({"name": "x" * 4096, "count": 1})
    response = client.post("/api/test/echo", payload, content_type="application/json", **bearer(raw))
    assert_error(response, 413, "payload_too_large")


@pytest.mark.urls(TEST_API)
def test_fault_in_an_endpoint_is_500_json_without_a_trace(client, caplog):
    response = client.get("/api/test/boom")
    body = assert_error(response, 500, "server_error")
    assert "Traceback" not in response.content.decode()
    assert "a fault in an endpoint" not in json.dumps(body)
    assert any("a fault in an endpoint" in (r.exc_text or "") or r.exc_info for r in caplog.records)
