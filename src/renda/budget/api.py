"""The budget module's API endpoints (mounted under /api/v1/budget/ by renda.api.api).

``POST /api/v1/budget/{kind}/batches`` — the finance bureau's system (role ``finance_feed``,
``Authorization: Bearer <token>``) pushes one batch of rows of a kind of the data interface
(docs/data-interface.md) as JSON. A batch is applied whole or not at all, exactly like a file;
the answer has the same shape as ``budget_import --json``. 200 when applied (or, with
``dry_run``, when it would be), 422 with the rows' errors when rejected.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from renda.budget.services.imports import budget_feed_rows

router = Router(tags=["budget"])

MAX_ROWS = 50_000

Kind = Literal["units", "indicators", "payments", "revenue", "debt", "classification"]


class BatchIn(Schema):
    year: int = Field(..., ge=1990, le=2100, description="Fiscal year (预算年度).")
    rows: list[dict[str, Any]] = Field(
        ...,
        min_length=1,
        max_length=MAX_ROWS,
        description="Rows keyed by the columns' English names (or Chinese headers), as in the files.",
    )
    dry_run: bool = Field(False, description="Check only; change nothing.")


class RowError(Schema):
    line: int = Field(..., description="Row number as a spreadsheet would show it: rows[0] is line 2.")
    column: str
    value: str
    message: str


class BatchOut(Schema):
    kind: str
    year: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[RowError]


@router.post(
    "/{kind}/batches", response={200: BatchOut, 422: BatchOut}, summary="Push a batch of budget data"
)
def push_batch(request: HttpRequest, kind: Kind, payload: BatchIn):
    result = budget_feed_rows(
        actor=request.auth, kind=kind, year=payload.year, rows=payload.rows, dry_run=payload.dry_run
    )
    body = result.as_json()
    return Status(200 if not result.errors else 422, body)
