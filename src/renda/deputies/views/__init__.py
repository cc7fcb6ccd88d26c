"""代表名册 and 履职档案: the roster, a person's history, accounts, the Excel export, the archive."""

from __future__ import annotations

from renda.deputies.views.archive import (
    archive_pdf,
    entry_act,
    entry_create,
    entry_detail,
    entry_edit,
    evidence_download,
    my_archive_page,
    review_batch_approve,
    review_list,
)
from renda.deputies.views.reviewers import reviewer_remove, reviewers_page
from renda.deputies.views.roster import (
    accounts_create,
    deputy_list,
    no_seat_response,
    person_detail,
)

__all__ = [
    "archive_pdf",
    "accounts_create",
    "deputy_list",
    "entry_act",
    "entry_create",
    "entry_detail",
    "entry_edit",
    "evidence_download",
    "my_archive_page",
    "no_seat_response",
    "person_detail",
    "review_batch_approve",
    "review_list",
    "reviewer_remove",
    "reviewers_page",
]
