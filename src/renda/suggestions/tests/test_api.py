"""The deputies' mobile client API: my suggestions, create, submit, co-sign, timeline, rate."""

from __future__ import annotations

import itertools

import pytest

from renda.accounts.models import ApiToken
from renda.core.models import AuditEvent
from renda.suggestions.models import State, Suggestion

from .conftest import CONTENT

pytestmark = pytest.mark.django_db

BASE = "/api/v1/suggestions"
_n = itertools.count(1)


def auth(user) -> dict[str, str]:
    raw = f"rdt_suggestions_test_{next(_n):06d}_abcdefgh"
    ApiToken.objects.create(user=user, name="手机", prefix=raw[:12], token_hash=ApiToken.hash(raw))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(client, path, user, body=None):
    return client.post(f"{BASE}{path}", body or {}, content_type="application/json", **auth(user))


def test_deputy_creates_submits_and_sees_it_in_mine(client, flow):
    body = {
        "title": "关于公交线路延伸的建议",
        "content": CONTENT,
        "category_id": flow.category.pk,
        "cosigner_ids": [flow.cosigner.pk],
    }
    response = post(client, "/", flow.deputy.user, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "draft" and data["is_lead"] is True
    cosign = post(client, f"/{data['id']}/cosign", flow.cosigner.user)
    assert cosign.status_code == 200 and cosign.json()["cosigners"] == [flow.cosigner.name]
    submitted = post(client, f"/{data['id']}/submit", flow.deputy.user)
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    mine = client.get(f"{BASE}/mine", **auth(flow.deputy.user)).json()
    assert [row["id"] for row in mine["items"]] == [data["id"]]
    theirs = client.get(f"{BASE}/mine", **auth(flow.cosigner.user)).json()
    assert theirs["items"][0]["is_lead"] is False


def test_empty_suggestion_is_400_with_the_field(client, flow):
    response = post(
        client, "/", flow.deputy.user, {"title": " ", "content": "", "category_id": flow.category.pk}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_data" and "title" in response.json()["detail"]
    assert Suggestion.objects.count() == 0


def test_unit_clerk_cannot_create(client, flow):
    response = post(
        client, "/", flow.lead_clerk, {"title": "t", "content": CONTENT, "category_id": flow.category.pk}
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert AuditEvent.objects.filter(action="suggestions.create", outcome="refused").exists()


def test_timeline_for_the_deputy_and_refused_to_others(client, flow, other_deputy):
    s = flow.to(State.ASSIGNED)
    response = client.get(f"{BASE}/{s.pk}/timeline", **auth(flow.deputy.user))
    assert response.status_code == 200
    actions = [e["action"] for e in response.json()]
    assert actions == ["create", "submit", "register", "assign"]
    assert client.get(f"{BASE}/{s.pk}/timeline", **auth(other_deputy.user)).status_code == 403
    assert client.get(f"{BASE}/999999/timeline", **auth(flow.deputy.user)).status_code == 404


def test_rate_unsatisfied_then_satisfied(client, flow):
    s = flow.to(State.REPLIED)
    response = post(
        client,
        f"/{s.pk}/rate",
        flow.deputy.user,
        {"result": "unsatisfied", "attitude": 2, "comment": "不具体"},
    )
    assert (
        response.status_code == 200
        and response.json()["state"] == "in_progress"
        and response.json()["rounds"] == 2
    )


def test_rate_by_cosigner_is_403_and_audited(client, flow):
    s = flow.to(State.REPLIED)
    response = post(client, f"/{s.pk}/rate", flow.cosigner.user, {"result": "satisfied", "attitude": 5})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="suggestions.rate", outcome="refused").exists()
    assert Suggestion.objects.get(pk=s.pk).state == State.REPLIED


def test_rate_with_attitude_out_of_range_is_422(client, flow):
    s = flow.to(State.REPLIED)
    response = post(client, f"/{s.pk}/rate", flow.deputy.user, {"result": "satisfied", "attitude": 9})
    assert response.status_code == 422


def test_submit_from_the_wrong_state_is_400(client, flow):
    s = flow.to(State.REGISTERED)
    response = post(client, f"/{s.pk}/submit", flow.deputy.user)
    assert response.status_code == 400 and response.json()["code"] == "invalid_data"


def test_unauthenticated_is_401(client):
    assert client.get(f"{BASE}/mine").status_code == 401


def test_categories(client, flow):
    response = client.get(f"{BASE}/categories", **auth(flow.deputy.user))
    assert "城乡建设" in [c["name"] for c in response.json()]


def test_mine_costs_constant_queries(client, flow, django_assert_max_num_queries):
    headers = auth(flow.deputy.user)
    flow.to(State.SUBMITTED)
    client.get(f"{BASE}/mine", **headers)
    with django_assert_max_num_queries(12) as few:
        client.get(f"{BASE}/mine", **headers)
    for i in range(6):
        flow.to(State.SUBMITTED, title=f"关于第{i}件事的建议")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{BASE}/mine", **headers)
    assert response.json()["count"] == 7
