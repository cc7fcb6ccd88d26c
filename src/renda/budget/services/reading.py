"""阅读偏好: a reader switches the unit the budget pages show amounts in (元 / 万元 / 亿元)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.accounts.models import User
from renda.budget.amount_units import UNIT_CHOICES
from renda.budget.models import ReaderPreference
from renda.core.audit import audit, label_actions
from renda.core.permissions import require, service

label_actions({"budget.amount_unit_set": gettext_lazy("Choose the unit of amounts")})


@service
def reader_amount_unit_set(*, actor: User, unit: str) -> ReaderPreference:
    """切换金额单位: remember ``unit`` (yuan / wan / yi) for ``actor``'s budget pages."""
    require(actor, "budget.choose_amount_unit")
    if unit not in UNIT_CHOICES:
        raise ValidationError({"unit": [_("Choose yuan, 10,000 yuan or 100 million yuan.")]}, code="bad_unit")
    preference, _created = ReaderPreference.objects.get_or_create(user=actor)
    before = preference.amount_unit
    if before != unit or _created:
        preference.amount_unit = unit
        preference.save(update_fields=["amount_unit", "updated_at"])
        audit(
            actor,
            "budget.amount_unit_set",
            preference,
            before={"amount_unit": before},
            after={"amount_unit": unit},
        )
    actor.__dict__.pop("_budget_amount_unit", None)
    return preference
