"""阅读偏好: how a reader wants the budget pages to show amounts (元 / 万元 / 亿元)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AmountUnit(models.TextChoices):
    """金额单位: the unit amounts are shown in; the value is the divisor's name."""

    YUAN = "yuan", _("yuan")
    WAN = "wan", _("10,000 yuan")
    YI = "yi", _("100 million yuan")


# How many yuan one of each unit is (exact: conversions are Decimal divisions).
UNIT_DIVISORS: dict[str, Decimal] = {
    AmountUnit.YUAN: Decimal(1),
    AmountUnit.WAN: Decimal(10_000),
    AmountUnit.YI: Decimal(100_000_000),
}


class ReaderPreference(models.Model):
    """A person's reading preferences on the budget pages (one row per person, made on first change)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="budget_reading",
    )
    amount_unit = models.CharField(
        _("amount unit"), max_length=8, choices=AmountUnit.choices, default=AmountUnit.YUAN
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("budget reading preference")
        verbose_name_plural = _("budget reading preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.amount_unit}"
