# ruff: noqa: F811  (the fixtures are imported from activities_fixtures)
"""代表活动 API: my activities, answer, sign in with a scanned token; refusals with their statuses."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from renda.accounts.models import ApiToken
from renda.deputies.services import activities as services
from renda.deputies.tests.activities_fixtures import (  # noqa: F401  (fixtures)
    group,
    make_activity,
    make_deputy,
    organiser,
    other_staff,
    term,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/deputies/activities"
_n = itertools.count(1)


def auth(user) -> dict[str, str]:
    raw = f"rdt_activities_test_{next(_n):06d}_abcdefgh"
    ApiToken.objects.create(user=user, name="手机", prefix=raw[:12], token_hash=ApiToken.hash(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, path, user, body):
    return client.post(f"{BASE}{path}", body, content_type="application/json", **auth(user))


def test_my_activities_detail_and_answer(client, make_activity, make_deputy):
    a, b = make_deputy(), make_deputy()
    later = make_activity(title="下周调研", start=timezone.now() + dt.timedelta(days=7), deputies=[a])
    today = make_activity(title="今日视察", deputies=[a, b])
    mine = client.get(f"{BASE}/mine", **auth(a.user)).json()
    assert [row["title"] for row in mine] == ["今日视察", "下周调研"]
    assert mine[0]["today"] is True and mine[0]["attendance"] == "not_recorded"
    detail = client.get(f"{BASE}/{later.pk}", **auth(a.user)).json()
    assert detail["place"] and detail["agenda"] and detail["ics_url"].endswith(".ics")
    response = post(client, f"/{later.pk}/answer", a.user, {"answer": "leave", "reason": "外出"})
    assert response.status_code == 200 and response.json()["leave"] == "pending"
    response = post(client, f"/{later.pk}/answer", a.user, {"answer": "leave", "reason": ""})
    assert response.status_code == 400 and response.json()["code"] == "invalid_data"
    assert post(client, f"/{today.pk}/answer", a.user, {"answer": "maybe"}).status_code == 422
    # another deputy's activity is not theirs
    assert client.get(f"{BASE}/{later.pk}", **auth(b.user)).status_code == 403


def test_sign_in_with_a_scanned_token_and_the_refusals(client, make_activity, make_deputy, organiser):
    a, b = make_deputy(), make_deputy()
    stranger = make_deputy()
    activity = make_activity(deputies=[a, b])
    services.activity_open_signin(actor=organiser, activity=activity)
    token = services.signin_token(activity)
    response = post(client, "/sign-in", a.user, {"token": token})
    assert response.status_code == 200 and response.json()["attendance"] == "present"
    replay = post(client, "/sign-in", a.user, {"token": token})
    assert replay.status_code == 409 and replay.json()["code"] == "replayed" and replay.json()["message"]
    assert (
        post(client, "/sign-in", a.user, {"token": services.signin_token(activity)}).json()["code"]
        == "already"
    )
    forged = post(client, "/sign-in", b.user, {"token": token[:-3] + "abc"})
    assert forged.status_code == 400 and forged.json()["code"] == "forged"
    assert post(client, "/sign-in", stranger.user, {"token": token}).status_code == 403
    assert post(client, "/sign-in", b.user, {"token": "x" * 201}).status_code == 422


def test_the_operations_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {f"{BASE}/mine", f"{BASE}/{{pk}}", f"{BASE}/{{pk}}/answer", f"{BASE}/sign-in"} <= set(paths)
    assert {"409", "410"} <= set(paths[f"{BASE}/sign-in"]["post"]["responses"])
