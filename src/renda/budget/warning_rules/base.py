# ruff: noqa: S608 - the SQL is built from model table names, fixed column names and validated integers;
# every value is a bound parameter.
"""What every rule shares: the evaluation context, the finding a rule returns, and SQL helpers
that read the same on SQLite and PostgreSQL.

A rule is a function ``rule(ctx) -> list[Found]``. It runs a few set-based queries (the
database aggregates the payments; Python only sees the aggregated rows and the capped evidence
of what was found) and describes each finding in Chinese with its figures.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext_noop

from renda.budget.models import (
    BudgetType,
    BudgetUnit,
    Indicator,
    PayeeSummary,
    Payment,
    PaymentSummary,
    Project,
)
from renda.core.models import CalendarDay
from renda.core.money import money_sum_sql
from renda.core.words import Words, chinese, has_words, say

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# Evidence lists keep at most this many voucher (or indicator) numbers; the message gives the count.
EVIDENCE_CAP = 200
# In a flood of findings, the vouchers of only this many (the largest) are looked up.
EVIDENCE_GROUPS = 2000
# Parameters of one IN (...) list: well under SQLite's (32,766) and PostgreSQL's (65,535) limits.
CHUNK = 2000

PAY = Payment._meta.db_table
IND = Indicator._meta.db_table
SUM = PaymentSummary._meta.db_table
UNIT = BudgetUnit._meta.db_table
PROJ = Project._meta.db_table
PAYEE_SUM = PayeeSummary._meta.db_table
CAL = CalendarDay._meta.db_table

# The payments' index that leads with (region, year, column), per column top_per_group groups by.
PAYMENT_GROUP_INDEX = {"indicator_no": "budget_pay_indicator", "unit_code": "budget_pay_unit_newest"}
assert set(PAYMENT_GROUP_INDEX.values()) <= {index.name for index in Payment._meta.indexes}

#: The budget types' names (the model's choice labels, as message ids for a finding's words).
BUDGET_TYPE_LABELS = {
    1: gettext_noop("General public budget"),
    2: gettext_noop("Government fund budget"),
    3: gettext_noop("State capital operation budget"),
    4: gettext_noop("Social insurance fund budget"),
}
assert set(BUDGET_TYPE_LABELS) == set(BudgetType.values)


class Shared:
    """Aggregates that several rules of one run read, made once as temporary tables (per
    database connection) and dropped by :meth:`close` at the end of the run."""

    def __init__(self) -> None:
        self.tables: dict[str, str] = {}

    def table(self, key: str, select: str, params: Sequence[Any], index: str) -> str:
        if key not in self.tables:
            name = f"budget_warn_{key}_{uuid.uuid4().hex[:10]}"
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select}", list(params))
                cursor.execute(f"CREATE INDEX {name}_i ON {name} ({index})")
                if is_postgres():  # temporary tables are never auto-analysed
                    cursor.execute(f"ANALYZE {name}")
            self.tables[key] = name
        return self.tables[key]

    def close(self) -> None:
        with connection.cursor() as cursor:
            for name in self.tables.values():
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
        self.tables.clear()


@dataclass(frozen=True)
class Context:
    """One rule's evaluation: the region and fiscal year, the as-of date, the rule's parameters,
    and the aggregates shared by the rules of one run (none: each rule computes its own)."""

    region: str
    year: int
    as_of: dt.date
    params: dict[str, Any] = field(default_factory=dict)
    shared: Shared | None = field(default=None, compare=False, repr=False)

    @property
    def year_start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def year_end(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    @property
    def days_in_year(self) -> int:
        return 366 if calendar.isleap(self.year) else 365

    @property
    def elapsed_days(self) -> int:
        """Days of the fiscal year elapsed by the end of the as-of date (0 … days in year)."""
        return max(0, min(self.days_in_year, (self.as_of - self.year_start).days + 1))

    @property
    def time_progress(self) -> Decimal:
        """时间进度 in percent: days elapsed over days in the year."""
        return Decimal(self.elapsed_days) * HUNDRED / Decimal(self.days_in_year)

    @property
    def paid_until(self) -> dt.date:
        return min(self.as_of, self.year_end)


@dataclass
class Found:
    """One finding as a rule reports it; the evaluator stores it under its stable key."""

    key: str
    severity: str
    unit_code: str
    subject: Words  # words (see :mod:`.words`); kept as the Chinese text, the words in ``words``
    amount: Decimal
    message: Words
    vouchers: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # the payee's accounts, masked
    words: dict[str, Words] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if has_words(self.subject) or has_words(self.message):
            self.words = {"subject": self.subject, "message": self.message}
        self.subject, self.message = chinese(self.subject), chinese(self.message)

    def evidence(self) -> dict[str, Any]:
        evidence: dict[str, Any] = {
            "vouchers": self.vouchers[:EVIDENCE_CAP],
            "indicators": self.indicators[:EVIDENCE_CAP],
        }
        if self.accounts:
            evidence["accounts"] = self.accounts[:EVIDENCE_CAP]
        if self.words:
            evidence["words"] = self.words
        return evidence


# --- SQL that reads the same on both databases -----------------------------------------------------


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def day_number(column: str) -> str:
    """A date as a day number: differences are whole days (window frames order on it)."""
    return f"({column} - DATE '2000-01-01')" if is_postgres() else f"CAST(julianday({column}) AS INTEGER)"


def scan(alias: str = "") -> str:
    """The payments table for a read of the whole year. On SQLite an index on (region, year, …)
    would fetch every row of the year at random; the plain scan is several times faster, so the
    rules that aggregate the year say ``NOT INDEXED`` there (PostgreSQL plans this itself)."""
    name = f"{PAY} {alias}".strip()
    return name if is_postgres() else f"{name} NOT INDEXED"


def month_of(column: str) -> str:
    return (
        f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
        if is_postgres()
        else f"CAST(strftime('%%m', {column}) AS INTEGER)"
    )


def weekday_of(column: str) -> str:
    """0 = Sunday … 6 = Saturday on both databases."""
    return (
        f"CAST(EXTRACT(DOW FROM {column}) AS INTEGER)"
        if is_postgres()
        else f"CAST(strftime('%%w', {column}) AS INTEGER)"
    )


def num(value: Decimal | int) -> Any:
    """A number parameter: exact on PostgreSQL; on SQLite (REAL money columns) the same double
    the stored value has, so equal amounts compare equal."""
    if is_postgres():
        return Decimal(value)
    return float(value)


def like_any(column: str, prefixes: Sequence[str]) -> tuple[str, list[str]]:
    """``(column LIKE 'a%' OR column LIKE 'b%' …)``; an empty list matches nothing."""
    if not prefixes:
        return "1 = 0", []
    return "(" + " OR ".join(f"{column} LIKE %s" for _ in prefixes) + ")", [f"{p}%" for p in prefixes]


def placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def money(value: Any) -> Decimal:
    """A database amount (Decimal on PostgreSQL, int/float on SQLite) to the fen."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def paid_source(
    ctx: Context, columns: Sequence[str], where: str = "", params: Sequence[Any] = ()
) -> tuple[str, list[Any]]:
    """A subquery of ``columns`` + ``amount``: what was paid up to the as-of date.

    Whole months come from :class:`PaymentSummary` (rebuilt at every payments import), the part
    of the as-of month from the payments themselves (index on region, year, pay date), so a
    rule per unit or per month never scans the whole payments table. ``columns`` are columns of
    both tables, or ``month``; ``where`` (an extra condition on columns of both tables, never on
    ``month``) applies to both.
    """
    if ctx.as_of >= ctx.year_end:
        full_months, partial = 12, None
    elif ctx.as_of < ctx.year_start:
        full_months, partial = 0, None
    else:
        last_day = calendar.monthrange(ctx.year, ctx.as_of.month)[1]
        if ctx.as_of.day == last_day:
            full_months, partial = ctx.as_of.month, None
        else:
            full_months, partial = ctx.as_of.month - 1, (dt.date(ctx.year, ctx.as_of.month, 1), ctx.as_of)
    extra = f" AND {where}" if where else ""
    summary_cols = ", ".join(columns)
    sql = (
        f"SELECT {summary_cols}, amount FROM {SUM} "
        f"WHERE region_code = %s AND year = %s AND month <= %s{extra}"
    )
    out: list[Any] = [ctx.region, ctx.year, full_months, *params]
    if partial:
        payment_cols = ", ".join(f"{month_of('pay_date')} AS month" if c == "month" else c for c in columns)
        sql += (
            f" UNION ALL SELECT {payment_cols}, amount FROM {PAY} WHERE region_code = %s AND year = %s "
            f"AND pay_date >= %s AND pay_date <= %s{extra}"
        )
        out += [ctx.region, ctx.year, partial[0], partial[1], *params]
    return f"({sql})", out


def paid_by_indicator(ctx: Context) -> tuple[str, list[Any]]:
    """``(source, params)``: what was paid against each indicator number up to the as-of date —
    columns ``indicator_no`` (empty for payments without one), ``paid``, ``n``, ``last_day``.
    Within a run it is one temporary table that NO_INDICATOR, OVER_INDICATOR and PROJECT_IDLE
    share: one pass over the payments instead of three."""
    select = (
        f"SELECT indicator_no, {money_sum_sql('amount', yuan=True)} AS paid, COUNT(*) AS n, "
        f"MAX(pay_date) AS last_day FROM {scan()} "
        f"WHERE region_code = %s AND year = %s AND pay_date <= %s GROUP BY indicator_no"
    )
    params = [ctx.region, ctx.year, ctx.paid_until]
    if ctx.shared is None:
        return f"({select})", params
    return ctx.shared.table("paid_by_indicator", select, params, "indicator_no"), []


# --- who is paid ---------------------------------------------------------------------------------

# Full-width ASCII (！ … ～, U+FF01–U+FF5E) and the half-width characters they stand for.
FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F))
# Spaces a payee's name may hold: ASCII, ideographic (全角空格), no-break, tab.
SPACES = " \u3000\u00a0\t"
# SQLite parses at most a few dozen nested calls: its REPLACEs are applied this many at a time.
REPLACES_PER_STATEMENT = 16


def _text(value: str) -> str:
    """A string literal for a statement executed with parameters (``'`` and ``%`` doubled)."""
    return "'" + value.replace("'", "''").replace("%", "%%") + "'"


def normalised_payee(name: str) -> str:
    """What :func:`payee_keys` makes of a name, in Python (for tests and messages)."""
    table = str.maketrans({**dict(zip(FULL_WIDTH, HALF_WIDTH, strict=True)), **dict.fromkeys(SPACES, None)})
    return name.translate(table)


def payee_keys(ctx: Context, shared: Shared) -> str | None:
    """A temporary table ``(name, k)`` of the year's payee names written with full-width
    letters, digits or signs or with spaces, each with its key: full-width made half-width and
    every space removed (leading, trailing, inside), so that ``ＡＢＣ 科技公司`` and
    ``ABC科技公司`` are one payee. Every other name is its own key, so a rule reads a payment's
    payee as ``COALESCE(m.k, payee_name)`` over ``LEFT JOIN … m ON m.name = payee_name``; None
    when the year has no such name (then ``payee_name`` is the key).

    The names are the payee summary's (kept at every import: a few per payee and month, not a
    pass over the payments) and only those that change are kept; the keys are made by the
    database, set-based: TRANSLATE on PostgreSQL, REPLACE per character on SQLite (which has no
    TRANSLATE)."""
    fresh = "payee_keys" not in shared.tables
    if is_postgres():
        variant = f"payee_name ~ {_text('[' + SPACES + FULL_WIDTH[0] + '-' + FULL_WIDTH[-1] + ']')}"
    else:
        variant = f"payee_name GLOB {_text('*[' + SPACES + FULL_WIDTH[0] + '-' + FULL_WIDTH[-1] + ']*')}"
    table = shared.table(
        "payee_keys",
        f"SELECT DISTINCT payee_name AS name, payee_name AS k FROM {PAYEE_SUM} "
        f"WHERE region_code = %s AND year = %s AND {variant}",
        [ctx.region, ctx.year],
        "name",
    )
    if fresh:
        if is_postgres():
            wide, narrow = FULL_WIDTH + SPACES[1:], HALF_WIDTH + " " * len(SPACES[1:])
            updates = [f"REPLACE(TRANSLATE(k, {_text(wide)}, {_text(narrow)}), ' ', '')"]
        else:
            pairs = list(zip(FULL_WIDTH, HALF_WIDTH, strict=True)) + [(s, "") for s in SPACES]
            updates = []
            for start in range(0, len(pairs), REPLACES_PER_STATEMENT):
                expression = "k"
                for wide, narrow in pairs[start : start + REPLACES_PER_STATEMENT]:
                    expression = f"REPLACE({expression}, {_text(wide)}, {_text(narrow)})"
                updates.append(expression)
        with connection.cursor() as cursor:
            for expression in updates:
                cursor.execute(f"UPDATE {table} SET k = {expression}", [])
    return table if rows(f"SELECT 1 FROM {table} LIMIT 1") else None


def top_per_group(
    *,
    table: str,
    group: str,
    item: str,
    order: str,
    where: str,
    params: Sequence[Any],
    groups: Sequence[str],
    cap: int = EVIDENCE_CAP,
) -> dict[str, list[str]]:
    """For each value of ``group`` in ``groups``: up to ``cap`` values of ``item`` in ``order``
    (the evidence behind a finding), from the rows of ``table`` matching ``where``.

    ``groups`` come most important first (the largest amount): when a rule finds very many,
    only the first :data:`EVIDENCE_GROUPS` are looked up in the payments, so that a flood of
    findings costs no more than reading the payments once more (the others keep their
    indicator, from which the query page lists every voucher). The indicators table is small:
    for it, a flood is one pass over the table."""
    out: dict[str, list[str]] = defaultdict(list)
    source = table
    if table == PAY and not is_postgres() and group in PAYMENT_GROUP_INDEX:
        # The groups are few: read their payments through the index on the group's column.
        # Without statistics SQLite would rather range over the date index (``pay_date <= …``),
        # that is most of the year's payments, at random.
        source = f"{PAY} INDEXED BY {PAYMENT_GROUP_INDEX[group]}"
    ranked = (
        f"SELECT g, i FROM (SELECT {group} AS g, {item} AS i, ROW_NUMBER() OVER "
        f"(PARTITION BY {group} ORDER BY {order}) AS rn FROM {source} WHERE {where}"
    )
    wanted = list(dict.fromkeys(groups))
    if table == IND and len(wanted) > CHUNK:
        keep = set(wanted)
        for g, i in rows(f"{ranked}) r WHERE rn <= %s ORDER BY g, rn", [*params, cap]):
            if g in keep:
                out[str(g)].append(str(i))
        return out
    for part in chunks(sorted(wanted[:EVIDENCE_GROUPS])):
        found = rows(
            f"{ranked} AND {group} IN ({placeholders(part)})) r WHERE rn <= %s ORDER BY g, rn",
            [*params, *part, cap],
        )
        for g, i in found:
            out[str(g)].append(str(i))
    return out


# --- names and words for the messages --------------------------------------------------------------


def unit_names(region: str, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted({c for c in codes if c})
    names: dict[str, str] = {}
    for part in chunks(wanted):
        names.update(BudgetUnit.objects.filter(region_code=region, code__in=part).values_list("code", "name"))
    return names


def project_names(region: str, year: int, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted({c for c in codes if c})
    names: dict[str, str] = {}
    for part in chunks(wanted):
        names.update(
            Project.objects.filter(region_code=region, year=year, code__in=part).values_list("code", "name")
        )
    return {code: name for code, name in names.items() if name}


def unit_label(names: dict[str, str], code: str) -> Words:
    name = names.get(code)
    if name:
        return say(gettext_noop("%(unit)s (code %(code)s)"), unit=name, code=code)
    return unit_words(names, code)


def unit_words(names: dict[str, str], code: str) -> Words:
    """The unit's name, or "unit 101" when it has none."""
    return names.get(code) or say(gettext_noop("unit %(code)s"), code=code)


def yuan(value: Decimal) -> str:
    """1,234,567.00 (``value`` is a Decimal to the fen, as :func:`money` returns)."""
    return f"{value:,.2f}"


def amount_words(value: Decimal) -> Words:
    """An amount as a finding's title says it: 12.35万元 from 10,000 yuan up, else 1,234.50元."""
    if abs(value) >= 10_000:
        wan = f"{(value / 10_000).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
        return say(gettext_noop("%(wan)s × 10,000 yuan"), wan=wan)
    return say(gettext_noop("%(yuan)s yuan"), yuan=f"{value:,.2f}")


def title_amount(value: Decimal) -> str:
    """:func:`amount_words` as the stored (Chinese) text."""
    return chinese(amount_words(value))


def payment_title(names: dict[str, str], unit: str, payee: str, payee_type: str, amount: Decimal) -> Words:
    """A payment finding's title: who paid whom how much (第一中学向城关建设公司支付3.00万元)."""
    return say(
        gettext_noop("%(unit)s paid %(payee)s %(amount)s"),
        unit=unit_words(names, unit),
        payee=masked_payee(payee, payee_type),
        amount=amount_words(amount),
    )


def indicator_title(
    names: dict[str, str], unit: str, project_title: str, what: Words, amount: Decimal
) -> Words:
    """An indicator finding's title: the unit, the project, what was found and by how much."""
    if project_title:
        project = say(gettext_noop("“%(project)s”"), project=project_title)
    else:
        project = say(gettext_noop("a budget indicator"))
    return say(
        gettext_noop("%(unit)s, %(project)s: %(what)s %(amount)s"),
        unit=unit_words(names, unit),
        project=project,
        what=what,
        amount=amount_words(amount),
    )


def pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def points(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"


def share(part: Decimal, whole: Decimal) -> Decimal:
    """``part`` as a percentage of ``whole`` (0 when ``whole`` is 0)."""
    return part * HUNDRED / whole if whole else Decimal(0)


def masked_payee(name: str, payee_type: str) -> Words:
    """A person's name shown as 王**: findings travel further than the voucher list."""
    if payee_type == Payment.PayeeType.PERSON and name:
        return name[:1] + "*" * (len(name) - 1)
    return name or say(gettext_noop("(payee not given)"))


def more(count: int, shown: int) -> Words:
    """ "（证据列出其中 200 笔）" when the evidence lists some of the vouchers only."""
    return (
        say(gettext_noop(" (the evidence lists %(shown)s of them)"), shown=str(shown))
        if count > shown > 0
        else ""
    )


def aside(text: Words) -> Words:
    """ "（text）" after a word, nothing when there is no text."""
    return say(gettext_noop(" (%(text)s)"), text=text) if text else ""


def project_aside(project: str) -> Words:
    """ "（项目 name）" after an indicator's number."""
    return say(gettext_noop(" (project %(project)s)"), project=project)


def key_part(value: str, length: int = 60) -> str:
    return value.replace("|", "/")[:length]
