"""What an import reports: counts, the bad rows (line, column, value, reason), warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_ERRORS = 5000  # errors kept and reported (every bad row still counts in ``rejected``)


@dataclass
class ImportError_:
    line: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    year: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    applied: bool = False
    dry_run: bool = False
    batch_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for benchmarks
    # before/after of the first changed rows (at most apply.MAX_AUDITED_CHANGES): for the audit trail
    changes: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.rejected == 0

    def as_json(self) -> dict[str, Any]:
        """The shape ``budget_import --json`` prints (the data interface's contract)."""
        return {
            "kind": self.kind,
            "year": self.year,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": self.errors,
        }


class Rejected(Exception):
    """Raised inside the apply transaction to roll it back when a late check finds errors."""
