"""撤回 and 删除草稿 (issue 15.4): the lead deputy withdraws a submitted suggestion before it is
registered (back to a draft) and deletes a draft; both are audited; no one else may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from renda.core.models import AuditEvent
from renda.core.workflow import WrongState
from renda.suggestions import selectors, services
from renda.suggestions.models import Event, State, Suggestion

pytestmark = pytest.mark.django_db


def test_deputy_withdraws_a_submitted_suggestion_back_to_a_draft(flow):
    s = flow.to(State.SUBMITTED)
    services.suggestion_withdraw(actor=flow.deputy.user, suggestion=s, reason="还需补充调研材料。")
    s = flow.refresh(s)
    assert s.state == State.DRAFT and s.submitted_at is None
    assert Event.objects.filter(
        suggestion=s, action="withdraw", from_state="submitted", to_state="draft"
    ).exists()
    assert AuditEvent.objects.filter(action="suggestions.withdraw", note="还需补充调研材料。").exists()
    assert s.pk not in set(selectors.suggestions_visible_to(actor=flow.office).values_list("pk", flat=True))
    services.suggestion_submit(actor=flow.deputy.user, suggestion=s)  # and can submit it again
    assert flow.refresh(s).state == State.SUBMITTED


def test_a_registered_suggestion_cannot_be_withdrawn(flow):
    s = flow.to(State.REGISTERED)
    with pytest.raises(WrongState):
        services.suggestion_withdraw(actor=flow.deputy.user, suggestion=s)


@pytest.mark.parametrize("who", ["office", "cosigner", "lead_clerk"])
def test_only_the_lead_deputy_withdraws(flow, who):
    s = flow.to(State.SUBMITTED)
    actor = flow.cosigner.user if who == "cosigner" else getattr(flow, who)
    with pytest.raises(PermissionDenied):
        services.suggestion_withdraw(actor=actor, suggestion=s)
    assert flow.refresh(s).state == State.SUBMITTED


def test_withdraw_is_offered_on_the_page_to_the_deputy(flow, client_for):
    s = flow.to(State.SUBMITTED)
    page = client_for(flow.deputy.user).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert 'data-testid="action-withdraw"' in page
    response = client_for(flow.deputy.user).post(reverse("suggestions:act", args=[s.pk, "withdraw"]), {})
    assert response.status_code == 302 and flow.refresh(s).state == State.DRAFT


def test_deputy_deletes_a_draft_audited(flow, client_for):
    s = flow.draft()
    page = client_for(flow.deputy.user).get(reverse("suggestions:detail", args=[s.pk])).content.decode()
    assert 'data-testid="delete-draft"' in page
    response = client_for(flow.deputy.user).post(reverse("suggestions:delete", args=[s.pk]))
    assert response.status_code == 302
    assert not Suggestion.objects.filter(pk=s.pk).exists()
    row = AuditEvent.objects.get(action="suggestions.delete")
    assert row.actor == flow.deputy.user and row.object_id == str(s.pk)


def test_a_submitted_suggestion_cannot_be_deleted(flow):
    s = flow.to(State.SUBMITTED)
    with pytest.raises(WrongState):
        services.suggestion_delete(actor=flow.deputy.user, suggestion=s)
    assert Suggestion.objects.filter(pk=s.pk).exists()


@pytest.mark.parametrize("who", ["office", "cosigner", "other"])
def test_no_one_but_the_lead_deputy_deletes_a_draft(flow, other_deputy, client_for, who):
    s = flow.draft()
    actor = {"office": flow.office, "cosigner": flow.cosigner.user, "other": other_deputy.user}[who]
    with pytest.raises(PermissionDenied):
        services.suggestion_delete(actor=actor, suggestion=s)
    assert client_for(actor).post(reverse("suggestions:delete", args=[s.pk])).status_code in (403, 404)
    assert Suggestion.objects.filter(pk=s.pk).exists()
    assert AuditEvent.objects.filter(action="suggestions.delete", outcome="refused").exists()
