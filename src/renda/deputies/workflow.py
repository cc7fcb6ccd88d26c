"""代表模块的流程: the review of self-reported archive entries (履职档案审核), on the kernel."""

from __future__ import annotations

from renda.core.workflow import Workflow
from renda.deputies.models.archive import ArchiveEntry, ArchiveStep, ReviewState

S = ReviewState

# 填报 → 初审 (代表小组/乡镇) → 终审 (代表工委); either review may return it with a reason; a returned
# entry is corrected and submitted again; an entry edited while checked or after approval goes back.
ARCHIVE_REVIEW = Workflow(
    name="deputies.archive_entry",
    model=ArchiveEntry,
    event_model=ArchiveStep,
    event_link="entry",
    audit_prefix="deputies.archive_",
    audited=("state", "return_reason", "version"),
    states=ReviewState,
    transitions={
        S.SUBMITTED: {S.CHECKED, S.APPROVED, S.RETURNED},
        S.CHECKED: {S.APPROVED, S.RETURNED, S.SUBMITTED},
        S.RETURNED: {S.SUBMITTED},
        S.APPROVED: {S.SUBMITTED},
    },
    # Approving straight from 待初审 is the office's one-step review (a level without group review).
    guarded_moves={(S.SUBMITTED, S.APPROVED): "deputies.archive_final_review"},
)
