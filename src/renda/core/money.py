"""Money sums exact to the fen (分) on both databases.

PostgreSQL sums ``numeric`` exactly. SQLite has no decimal type: a ``DecimalField`` is stored as a
REAL (exact for the 15 significant digits an amount has) and ``SUM`` adds REALs, with a float's
error, which at scale reaches the fen (the demo's payments summed to 2,514,044,606.11999 against
2,514,044,606.12001). So on SQLite every money sum adds integer fen instead —
``SUM(CAST(ROUND(x * 100) AS INTEGER))``, exact 64-bit integer arithmetic up to
9.2 × 10^16 元 (SQLite raises "integer overflow" beyond: never a wrong total) — and the fen are
turned into a ``Decimal`` with two places in Python.

- :class:`MoneySum` is the ORM aggregate (``qs.aggregate(s=MoneySum("amount"))``), a ``Decimal``
  with two places (``None`` over no rows, unless ``default=`` is given).
- :func:`money_sum_sql` and :func:`money_value` are the same for raw SQL: the SQL of the sum, and
  the conversion of what the cursor returns; ``money_sum_sql(x, yuan=True)`` is the sum in yuan
  for SQL that compares it with amounts or stores it (exact to the fen below 10^13 元 on SQLite,
  as every amount SQLite stores).
- :func:`money_sql` is one amount as the sum adds it, for SQL that adds amounts itself
  (``a + b``, a window sum).

On SQLite the value of a :class:`MoneySum` *inside SQL* is in fen: it may be ordered by (the
order is the same), not compared with an amount in yuan.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection as default_connection
from django.db.models import Aggregate, DecimalField, Expression

FEN = Decimal("0.01")


def _sqlite(connection: Any = None) -> bool:
    return (connection or default_connection).vendor == "sqlite"


def money_sql(expression: str, connection: Any = None) -> str:
    """One amount in the unit its sums add: integer fen on SQLite, the amount on PostgreSQL."""
    return f"CAST(ROUND(({expression}) * 100) AS INTEGER)" if _sqlite(connection) else expression


def money_sum_sql(expression: str, *, yuan: bool = False, connection: Any = None) -> str:
    """``SUM`` of the amounts ``expression``, exact: read it through :func:`money_value`.

    With ``yuan``, the sum in yuan, for SQL that compares it with amounts or stores it into a
    money column: on SQLite the exact fen divided by 100.0, a REAL as exact as SQLite keeps any
    amount (to the fen below 10^13 元 — the 15 significant digits of every stored amount)."""
    if not _sqlite(connection):
        return f"SUM({expression})"
    total = f"SUM({money_sql(expression, connection)})"
    return f"({total} / 100.0)" if yuan else total


def money_value(value: Any) -> Decimal | None:
    """What a cursor returns for :func:`money_sum_sql` (or :func:`money_sql`) as a ``Decimal``
    with two places: SQLite's integer fen, PostgreSQL's ``numeric``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a money sum is not a truth value")
    if isinstance(value, int):
        return (Decimal(value) / 100).quantize(FEN)
    if isinstance(value, Decimal):
        return value.quantize(FEN)
    if isinstance(value, float):  # a REAL read back from a stored column (15 significant digits)
        return Decimal(repr(value)).quantize(FEN)
    return Decimal(str(value)).quantize(FEN)


class _MoneyTotal(DecimalField):
    """The output of :class:`MoneySum`: a decimal whose database value :class:`MoneySum` converts
    itself (the internal type keeps SQLite's 15-digit float converter away from the fen)."""

    def get_internal_type(self) -> str:
        return "BigIntegerField"


class MoneySum(Aggregate):
    """合计 (money): the exact sum of an amount column or expression, a ``Decimal`` to the fen."""

    function = "SUM"
    name = "MoneySum"
    allow_distinct = False

    def __init__(self, expression: Any, **extra: Any) -> None:
        if extra.get("default") is not None:
            # (Django's default wraps the sum in a COALESCE that would convert by the internal type)
            raise TypeError("MoneySum takes no default: write `or Decimal('0.00')` where it is read")
        extra.setdefault("output_field", _MoneyTotal(max_digits=20, decimal_places=2))
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="%(function)s(CAST(ROUND((%(expressions)s) * 100) AS INTEGER))",
            **extra_context,
        )

    def convert_value(self, value: Any, expression: Expression, connection: Any) -> Any:
        return money_value(value)
