"""The budget module's API endpoints (mounted under /api/v1/budget/ by renda.api.api).

``POST /api/v1/budget/{kind}/batches`` — the finance bureau's system (role ``finance_feed``,
``Authorization: Bearer <token>``) pushes one batch of rows of a kind of the data interface
(docs/data-interface.md) as JSON. A batch is applied whole or not at all, exactly like a file;
the answer has the same shape as ``budget_import --json``. 200 when applied (or, with
``dry_run``, when it would be), 422 with the rows' errors when rejected.

A batch is answered within the request, so its size is bounded up front: at most
:data:`MAX_ROWS` rows (more: 422 before anything is read into the database) in a body of at most
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (5 MiB: 413) — the two agree at about 1 KiB a row, twice a
typical payment's JSON. 5,000 payments into a year of 10^6 take a few seconds on SQLite
(``benchmarks/budget_incremental.py``). While another import holds the database (SQLite: one
writer at a time) beyond the busy timeout, the answer is 503 with ``Retry-After``: the batch
changed nothing and may be sent again.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import OperationalError
from django.http import JsonResponse
from ninja import Field, Router, Schema, Status

from renda.accounts.http import ApiRequest
from renda.budget.services.imports import budget_import
from renda.core.schemas import AUTHENTICATED, WITH_BODY, ErrorOut, errors

router = Router(tags=["budget"])

MAX_ROWS = 5_000  # × 1 KiB a row: the body limit, DATA_UPLOAD_MAX_MEMORY_SIZE (5 MiB)
RETRY_AFTER_SECONDS = 30

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
    "/{kind}/batches",
    response={
        200: BatchOut,
        **AUTHENTICATED,
        **WITH_BODY,
        422: BatchOut | ErrorOut,  # rows rejected (BatchOut), or a body of the wrong shape (ErrorOut)
        **errors(503),
    },
    summary="Push a batch of budget data",
)
def push_batch(request: ApiRequest, kind: Kind, payload: BatchIn):
    try:
        result = budget_import(
            actor=request.auth, kind=kind, year=payload.year, source=payload.rows, dry_run=payload.dry_run
        ).result
    except OperationalError as exc:
        if "locked" not in str(exc).lower():
            raise
        busy = JsonResponse(
            {
                "code": "database_busy",
                "message": "数据库正忙（另一批数据正在写入），本批未作任何改动，请稍后重发。",
                "detail": None,
            },
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
        busy["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return busy
    assert result is not None  # an import in the request (not the background) has run: its result
    body = result.as_json()
    return Status(200 if not result.errors else 422, body)
