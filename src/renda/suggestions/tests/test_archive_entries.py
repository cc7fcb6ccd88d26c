"""履职档案 (issue 18 §3): a suggestion submitted or co-signed goes into the deputies' archives by
itself, and leaves them when the suggestion is withdrawn."""

from __future__ import annotations

import pytest

from renda.deputies.models import ArchiveEntry
from renda.suggestions import services
from renda.suggestions.models import State

pytestmark = pytest.mark.django_db


def _entries(seat):
    return list(ArchiveEntry.objects.filter(seat=seat).values_list("kind", "title", "state", "is_automatic"))


def test_submit_and_cosign_record_entries_and_withdraw_removes_them(flow):
    s = flow.draft()
    assert _entries(flow.deputy) == []
    services.suggestion_submit(actor=flow.deputy.user, suggestion=s)
    assert _entries(flow.deputy) == [("suggestion_submitted", s.title, "approved", True)]
    services.suggestion_cosign(actor=flow.cosigner.user, suggestion=s)
    assert _entries(flow.cosigner) == [("suggestion_cosigned", s.title, "approved", True)]
    entry = ArchiveEntry.objects.get(seat=flow.deputy)
    assert entry.source == s and entry.section == "suggestions"

    services.suggestion_withdraw(actor=flow.deputy.user, suggestion=s, reason="还需补充调研材料。")
    assert _entries(flow.deputy) == [] and _entries(flow.cosigner) == []

    # submitted again: recorded again, once (never typed twice)
    services.suggestion_submit(actor=flow.deputy.user, suggestion=flow.refresh(s))
    assert len(_entries(flow.deputy)) == 1


def test_a_refused_submit_records_nothing(flow, other_deputy):
    s = flow.draft()
    with pytest.raises(Exception):  # noqa: B017, PT011 - PermissionRefused
        services.suggestion_submit(actor=other_deputy.user, suggestion=s)
    assert not ArchiveEntry.objects.exists()
    assert flow.refresh(s).state == State.DRAFT
