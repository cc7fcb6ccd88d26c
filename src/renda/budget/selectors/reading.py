"""阅读偏好: the amount unit a reader chose for the budget pages (元 when they never chose)."""

from __future__ import annotations

from typing import Any

from renda.budget.amount_units import ShownUnit, shown_unit
from renda.budget.models import AmountUnit, ReaderPreference


def reader_amount_unit(*, actor: Any) -> ShownUnit:
    """The unit ``actor`` reads amounts in (one query, cached on the user object for the request)."""
    cached = getattr(actor, "_budget_amount_unit", None)
    if isinstance(cached, ShownUnit):
        return cached
    code: str = AmountUnit.YUAN
    if getattr(actor, "is_authenticated", False):
        code = (
            ReaderPreference.objects.filter(user_id=actor.pk).values_list("amount_unit", flat=True).first()
            or AmountUnit.YUAN
        )
    unit = shown_unit(code)
    if actor is not None:
        actor._budget_amount_unit = unit
    return unit
