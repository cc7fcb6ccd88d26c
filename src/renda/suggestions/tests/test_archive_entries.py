"""履职档案 (issue 18 §3): a suggestion submitted or co-signed goes into the deputies' archives by
itself, and leaves them when the suggestion is withdrawn."""

from __future__ import annotations

import pytest

from renda.deputies.models import ArchiveEntry
from renda.suggestions import services
from renda.suggestions.models import State
from renda.suggestions.tests.letter import LETTER

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


def test_key_and_the_final_evaluation_go_into_the_proposers_archive_once(flow):
    s = flow.to(State.REPLIED)
    services.suggestion_mark_key(actor=flow.office, suggestion=s, leader="张副主任")
    services.suggestion_mark_key(actor=flow.office, suggestion=flow.refresh(s), leader="张副主任")
    key = ArchiveEntry.objects.get(seat=flow.deputy, kind="suggestion_key")
    assert (key.source, key.section, key.state, key.is_automatic) == (s, "suggestions", "approved", True)
    assert "张副主任" in key.text
    assert not ArchiveEntry.objects.filter(seat=flow.cosigner, kind="suggestion_key").exists()

    # 不满意 first, then 满意 after the second round: one entry, holding the final evaluation.
    services.suggestion_rate(
        actor=flow.deputy.user,
        suggestion=flow.refresh(s),
        result="unsatisfied",
        attitude=2,
        comment="未解决。",
    )
    rated = ArchiveEntry.objects.get(seat=flow.deputy, kind="suggestion_rated")
    assert "不满意" in rated.text and rated.source == s
    s = flow.refresh(s)
    flow.co_opinions(s)
    services.suggestion_reply(
        actor=flow.lead_clerk, suggestion=s, reply_class="A", **LETTER, text="已全部解决。"
    )
    services.suggestion_rate(actor=flow.deputy.user, suggestion=flow.refresh(s), result="basic", attitude=4)
    rated = ArchiveEntry.objects.get(seat=flow.deputy, kind="suggestion_rated")
    assert "基本满意" in rated.text and "不满意" not in rated.text
    kinds = sorted(ArchiveEntry.objects.filter(seat=flow.deputy).values_list("kind", flat=True))
    assert kinds == ["suggestion_key", "suggestion_rated", "suggestion_submitted"]
