"""The demo county's suggestions: about 120, every state, overdue and key ones, work for the demo logins."""

from __future__ import annotations

import pytest

from renda.accounts.models import User
from renda.suggestions import selectors
from renda.suggestions.models import OPEN_HANDLING_STATES, Session, State, Suggestion

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-county")]


def test_demo_suggestions_cover_every_state_and_give_the_demo_logins_work():
    from django.utils import timezone

    users = {u.username: u for u in User.objects.filter(username__in=["deputy", "unit", "staff"])}
    rows = Suggestion.objects.all()
    assert 110 <= rows.count() <= 130
    assert set(rows.values_list("state", flat=True)) == set(State.values)
    today = timezone.localdate()
    assert rows.filter(state__in=OPEN_HANDLING_STATES, reply_due__lt=today).exists()
    assert rows.filter(is_key=True).exists()
    assert rows.filter(published_at__isnull=False).exists()
    deputy_user = users["deputy"]
    own = selectors.suggestions_visible_to(actor=deputy_user).filter(deputy__person__user=deputy_user)
    assert len(set(own.values_list("state", flat=True))) >= 5
    unit_user = users["unit"]
    assert unit_user.organisation is not None and unit_user.organisation.name == "县住房和城乡建设局"
    assert (
        selectors.suggestions_visible_to(actor=unit_user).filter(state__in=OPEN_HANDLING_STATES).count() >= 3
    )
    staff = users["staff"]
    # The office sees every suggestion but the drafts (a draft is its deputy's own).
    assert selectors.suggestions_visible_to(actor=staff).count() == rows.exclude(state=State.DRAFT).count()
    # Sessions: the term's periods, suggestions numbered within them; a co-unit's opinion awaited.
    assert Session.objects.filter(kind=Session.Kind.PLENARY).exists()
    assert rows.filter(session__isnull=False).count() == rows.count()
    assert rows.filter(number__contains="次闭会-").exists()
    assert rows.filter(
        state=State.IN_PROGRESS, assignments__role="co", assignments__opinion_at__isnull=True
    ).exists()
    numbers = list(rows.exclude(number="").values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
