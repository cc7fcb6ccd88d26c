"""金额单位: amounts shown in 元, 万元 or 亿元, as the reader chose (``ReaderPreference``).

Conversions are exact Decimal divisions by a power of ten, rounded half up to the fen of the unit
shown (2 places); sums are always made in 元 first and converted last, so a table's total is the
converted total of its rows, never a sum of rounded rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import pgettext

from renda.budget.models import UNIT_DIVISORS, AmountUnit

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ShownUnit:
    """The unit a page shows amounts in: its code, its divisor and its name (元 / 万元 / 亿元)."""

    code: str
    divisor: Decimal

    @property
    def label(self) -> str:
        return {
            AmountUnit.YUAN: pgettext("amount unit", "yuan"),
            AmountUnit.WAN: pgettext("amount unit", "10,000 yuan"),
            AmountUnit.YI: pgettext("amount unit", "100 million yuan"),
        }[AmountUnit(self.code)]

    def convert(self, value: Any) -> Decimal | None:
        """``value`` yuan in this unit, rounded half up to 2 places (None stays None)."""
        if value is None or value == "":
            return None
        return (Decimal(value) / self.divisor).quantize(CENT, rounding=ROUND_HALF_UP)

    def heading(self, text: Any) -> str:
        """A column or axis heading with the unit: 金额（万元）/ Amount (10,000 yuan)."""
        if pgettext("amount unit", "yuan") == "元":  # the page is Chinese: full-width brackets
            return f"{text}（{self.label}）"
        return f"{text} ({self.label})"


def shown_unit(code: str | None) -> ShownUnit:
    """The unit of ``code`` (元 for an unknown or empty one)."""
    unit = code if code in UNIT_DIVISORS else AmountUnit.YUAN
    return ShownUnit(str(unit), UNIT_DIVISORS[unit])


UNIT_CHOICES = tuple(AmountUnit.values)
