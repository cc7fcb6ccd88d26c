"""What an import reports: counts, the bad rows (line, column, value, reason), warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from renda.core.words import Words, chinese, has_words

MAX_ERRORS = 5000  # errors kept and reported (every bad row still counts in ``rejected``)


@dataclass
class ImportError_:
    line: int
    column: str
    value: str
    message: Words  # the reason as words (:mod:`renda.core.words`) or as Chinese text

    def as_dict(self) -> dict[str, Any]:
        """The error as the data interface reports it (the reason in Chinese)."""
        message = self.message if isinstance(self.message, str) else chinese(self.message)
        return {"line": self.line, "column": self.column, "value": self.value, "message": message}

    @property
    def words(self) -> Words:
        """The reason as words for each reader's language (``None``: the reason is plain text)."""
        return self.message if has_words(self.message) else None


@dataclass
class ImportResult:
    kind: str
    year: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_words: list[Words] = field(default_factory=list)  # each error's reason as words (or None)
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
