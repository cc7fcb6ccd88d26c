"""The probe's reproductions (issue 13, section 3): each gave a 5xx; each now gives a 4xx or the
unfiltered page. Also the shared parsing (``renda.core.params``), the control-character cleaning
(``renda.core.text``, forms and API schemas) and the Excel export's robustness."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from renda.accounts.models import ApiToken, Region
from renda.conftest import sign_in
from renda.core.models import AuditEvent
from renda.core.params import (
    MAX_DB_INT,
    ChoiceParam,
    DateParam,
    FlagParam,
    IdParam,
    IntParam,
    TextParam,
    query_params,
)
from renda.core.text import strip_control
from renda.deputies.models import Deputy, Level, Term

pytestmark = pytest.mark.django_db

SUPER = "²"  # str.isdigit() accepts it, int() refuses it
BIG = str(2**64)
TOKEN = "rdt_bad_input_0123456789abcdef"


@pytest.fixture
def town(county) -> Region:
    return Region.objects.create(code="610999101", name="城关镇", level=Region.Level.TOWN, parent=county)


@pytest.fixture
def term(county) -> Term:
    return Term.objects.create(
        level=Level.COUNTY,
        region=county,
        number=19,
        name="第十九届",
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2099, 12, 31),
        is_current=True,
    )


@pytest.fixture
def deputy(deputy_user, term, county) -> Deputy:
    return Deputy.objects.create_seat(
        term=term, region=county, number="19001", name="王代表", gender="M", user=deputy_user
    )


@pytest.fixture
def category():
    from renda.suggestions.models import SuggestionCategory

    return SuggestionCategory.objects.get_or_create(name="城乡建设")[0]


@pytest.fixture
def station(town, staff_user):
    from renda.liaison.models import Station

    return Station.objects.create(
        code="STN-1",
        name="城关镇人大代表联络站",
        kind=Station.Kind.STATION,
        region=town,
        address="城关镇政府院内",
        organisation=staff_user.organisation,
    )


# --- the shared parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", [SUPER, BIG, str(2**63), "-1", "\x00", "a\x0bb", "1" * 5000, "9999-12-31", "", " "]
)
def test_an_id_that_cannot_be_read_is_none(raw):
    assert query_params({"town": raw}, town=IdParam()) == {"town": None}


def test_ids_years_choices_text_dates_and_flags_are_read():
    params = query_params(
        {
            "town": "12",
            "year": "2026",
            "state": "open",
            "q": "  路灯\x0b坏了\x00 ",
            "on": "2026-03-15",
            "key": "1",
        },
        town=IdParam(),
        year=IntParam(min_value=2000, max_value=2100),
        state=ChoiceParam(("open", "done")),
        q=TextParam(max_length=3),
        on=DateParam(),
        key=FlagParam(),
        missing=ChoiceParam(("a", "b"), default="a"),
    )
    assert params == {
        "town": 12,
        "year": 2026,
        "state": "open",
        "q": "路灯坏",
        "on": dt.date(2026, 3, 15),
        "key": True,
        "missing": "a",
    }
    assert query_params({"town": str(MAX_DB_INT)}, town=IdParam())["town"] == MAX_DB_INT
    assert query_params({"year": "1999"}, year=IntParam(min_value=2000, max_value=2100))["year"] is None
    assert query_params({"on": "9999-12-31"}, on=DateParam())["on"] is None
    assert query_params({"state": "x"}, state=ChoiceParam(("open",), default="open"))["state"] == "open"


def test_control_characters_are_stripped_but_lines_kept():
    assert strip_control("a\x00b\x0bc\x0c\x1f\x7f\x85d\ud800\ufffe") == "abcd"
    assert strip_control("第一行\r\n第二行\t完") == "第一行\r\n第二行\t完"


# --- anonymous reproductions --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", SUPER, BIG, "\x00"])
def test_calendar_with_a_bad_town_shows_every_town(client, value):
    response = client.get("/liaison/calendar/", {"town": value})
    assert response.status_code == 200
    assert response.context["town"] is None


@pytest.mark.parametrize("value", [SUPER, BIG, "\x00"])
def test_write_page_ignores_a_bad_deputy_or_station(client, value):
    assert client.get("/liaison/write/", {"deputy": value, "station": value}).status_code == 200


@pytest.mark.parametrize("value", [SUPER, BIG, "-1"])
def test_public_results_ignore_a_bad_year(client, value):
    response = client.get("/suggestions/results/", {"year": value})
    assert response.status_code == 200
    assert response.context["filters"].year is None


@pytest.mark.parametrize(
    "path", ["/liaison/stations/%00/", "/liaison/stations/a%0Bb/", "/liaison/stations/" + "x" * 300 + "/"]
)
def test_station_path_with_a_control_character_is_404(client, path):
    assert client.get(path).status_code == 404


def test_public_listing_ignores_a_nul_station(client, station):
    response = client.get("/liaison/public/", {"station": "\x00"})
    assert response.status_code == 200
    assert response.context["station"] is None


def test_public_opinion_api_takes_the_nul_out(client, town, station):
    body = {
        "town": town.code + "\x00",
        "category": "urban",
        "phone": "13812345678",
        "content": "路灯\x00坏了\x0b三个月，希望尽快修好。",
        "station": "\x00STN-1",
        "deputy": 2**64,
    }
    response = client.post("/api/v1/liaison/opinions", json.dumps(body), content_type="application/json")
    assert response.status_code == 422  # the deputy id is past any database key
    body.pop("deputy")
    response = client.post("/api/v1/liaison/opinions", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    from renda.liaison.models import Opinion

    assert Opinion.objects.get().content == "路灯坏了三个月，希望尽快修好。"


# --- signed-in reproductions -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [SUPER, BIG, str(2**63), "\x00"])
@pytest.mark.parametrize(
    ("who", "path", "name"),
    [
        ("deputy", "/suggestions/", "year"),
        ("deputy", "/suggestions/", "category"),
        ("deputy", "/suggestions/statistics/", "year"),
        ("deputy", "/deputies/", "term"),
        ("deputy", "/calendar/", "year"),
        ("deputy", "/liaison/work/", "station"),
        ("admin", "/accounts/users/", "organisation"),
        ("admin", "/accounts/organisations/new/", "parent"),
        ("admin", "/accounts/regions/new/", "parent"),
        ("admin", "/calendar/day/", "date"),
        ("admin", "/budget/summary/", "year"),
    ],
)
def test_a_bad_filter_value_is_ignored(client_for, deputy_user, admin_user, who, path, name, value):
    user = {"deputy": deputy_user, "admin": admin_user}[who]
    response = client_for(user).get(path, {name: value})
    assert response.status_code in (200, 403), response.status_code


@pytest.mark.parametrize(
    "path", ["/suggestions/", "/liaison/work/", "/deputies/", "/accounts/users/", "/audit/"]
)
def test_a_nul_in_the_search_box_is_ignored(client_for, staff_user, admin_user, station, path):
    user = admin_user if path in ("/accounts/users/", "/audit/") else staff_user
    assert client_for(user).get(path, {"q": "\x00路灯", "actor": "\x00"}).status_code == 200


def test_admin_issuing_a_token_until_9999_12_31_is_told_the_latest_date(
    client_for, admin_user, finance_feed_user
):
    response = client_for(admin_user).post(
        f"/accounts/users/{finance_feed_user.pk}/tokens/", {"name": "财政", "expires_on": "9999-12-31"}
    )
    assert response.status_code in (200, 400)
    assert "2099-12-31" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_reception_day_with_an_enormous_deputy_id_is_a_form_error(client_for, staff_user, station):
    response = client_for(staff_user).post(
        f"/liaison/work/reception/new/?station={station.pk}",
        {
            "date": "2099-03-02",
            "start_time": "09:00",
            "end_time": "11:00",
            "place": "接待室",
            "deputies": "1" + "0" * 23,
            "capacity": "10",
        },
    )
    assert response.status_code == 400
    assert "deputies" in response.context["form"].errors


@pytest.mark.parametrize("value", [SUPER, BIG])
def test_reception_day_page_ignores_a_bad_station(client_for, staff_user, value):
    assert client_for(staff_user).get("/liaison/work/reception/new/", {"station": value}).status_code == 404


def test_cosigner_id_past_the_database_range_is_a_form_error(client_for, deputy_user, deputy, category):
    response = client_for(deputy_user).post(
        "/suggestions/new/",
        {"title": "关于路灯的建议", "content": "路灯坏了。" * 10, "category": category.pk, "cosigners": BIG},
    )
    assert response.status_code == 400
    assert "cosigners" in response.context["form"].errors


def test_api_cosigner_id_past_the_database_range_is_422(client_for, deputy_user, deputy, category):
    body = {
        "title": "关于路灯的建议",
        "content": "路灯坏了。",
        "category_id": category.pk,
        "cosigner_ids": [2**64],
    }
    response = client_for(deputy_user).post(
        "/api/v1/suggestions/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


@pytest.mark.parametrize("offset", [str(2**63), BIG])
def test_api_offset_past_any_list_is_422(client_for, admin_user, offset):
    response = client_for(admin_user).get("/api/v1/organisations", {"offset": offset})
    assert response.status_code == 422
    assert set(response.json()) == {"code", "message", "detail"}


def test_api_nul_in_a_suggestion_is_taken_out(client_for, deputy_user, deputy, category):
    from renda.suggestions.models import Suggestion

    body = {
        "title": "关于\x00路灯\x0b的建议",
        "content": "路灯\x00坏了三个月，晚上出行很不安全。",
        "category_id": category.pk,
    }
    response = client_for(deputy_user).post(
        "/api/v1/suggestions/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Suggestion.objects.get().title == "关于路灯的建议"


def test_web_vertical_tab_in_a_suggestion_title_is_taken_out(client_for, deputy_user, deputy, category):
    from renda.suggestions.models import Suggestion

    response = client_for(deputy_user).post(
        "/suggestions/new/",
        {
            "title": "关于\x0b路灯\x00的建议",
            "content": "路灯坏了，晚上出行很不安全。" * 3,
            "category": category.pk,
        },
    )
    assert response.status_code == 302, response.content[:500]
    assert Suggestion.objects.get().title == "关于路灯的建议"


def test_sign_in_with_an_overlong_user_name_is_a_form_error(client):
    response = client.post("/accounts/login/", {"username": "长" * 3000, "password": "x"})
    assert response.status_code in (200, 400)
    assert response.context["form"].errors


def test_similar_hint_on_the_edit_page_answers(client_for, deputy_user, deputy, category):
    from renda.suggestions import services

    suggestion = services.suggestion_create(
        actor=deputy_user,
        title="关于路灯的建议",
        content="路灯坏了三个月，晚上出行很不安全。",
        category=category,
    )
    response = client_for(deputy_user).get(
        f"/suggestions/{suggestion.pk}/edit/similar/",
        {"title": "路灯", "content": "坏了"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, user)
    client.cookies["csrftoken"] = "badinputcsrfsecret0123456789abcd"
    return client


@pytest.mark.parametrize("path", ["/api/v1/suggestions/", "/api/v1/liaison/opinions", "/suggestions/new/"])
def test_multipart_body_without_boundary_is_400(deputy_user, deputy, path):
    client = _csrf_client(deputy_user)
    response = client.post(
        path,
        data=b"--x",
        content_type="multipart/form-data",
        HTTP_X_CSRFTOKEN="badinputcsrfsecret0123456789abcd",
    )
    assert response.status_code in (400, 422)  # 422: the public API reads its body as JSON only
    if path.startswith("/api/"):
        assert response.json()["code"] in ("bad_request", "invalid_request")


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/v1/nothing-here", "/api/v2/suggestions/"])
def test_post_to_an_unknown_api_path_is_json_404_not_the_csrf_page(deputy_user, path):
    client = _csrf_client(deputy_user)
    response = client.post(path, {"x": "1"})  # no CSRF token at all
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"


def test_api_csrf_refusal_outside_ninja_is_json(rf):
    from renda.core.views import csrf_failure

    response = csrf_failure(rf.post("/api/v1/anything"), reason="no token")
    assert response.status_code == 403
    assert json.loads(response.content)["code"] == "csrf_failed"


# --- the audit export ---------------------------------------------------------------------------------------


def test_audit_export_holds_a_vertical_tab_stored_before_the_cleaning(client_for, admin_user):
    AuditEvent.objects.create(
        actor=admin_user,
        actor_name=admin_user.username,
        action="suggestions.create",
        object_type="suggestion",
        object_id="1",
        object_repr="关于\x0b路灯\x1f的建议",  # (a NUL cannot be stored on PostgreSQL at all)
        note="\x1b[31m",
    )
    response = client_for(admin_user).get("/audit/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "关于路灯的建议" in values
