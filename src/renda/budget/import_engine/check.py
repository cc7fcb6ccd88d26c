# ruff: noqa: S608 - the SQL here is built from model table names and fixed column names only;
# every value travels as a query parameter (or through COPY).
"""Step 2, check: set-based checks on the staged rows (duplicate keys, unknown parents, unit
cycles) and the year's amount ceiling (金额合计上限)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext_noop

from renda.budget.import_engine.bulk import is_postgres
from renda.budget.import_engine.result import MAX_ERRORS
from renda.budget.import_engine.stage import Plan, kind_columns
from renda.budget.models import (
    BudgetUnit,
    ClassificationItem,
)
from renda.core.words import say

# 金额合计上限 (yuan): each amount column of a year, stored and new rows in absolute value, adds up
# to at most this: a tenth of what a money column holds (18 digits), so that any sum of a year's
# amounts fits, and some thousand times a province's budget (a larger total is a wrong unit).
YEAR_TOTAL_LIMIT = Decimal(10**15)


def where_target(plan: Plan, alias: str = "t") -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if plan.target.regional:
        clauses.append(f"{alias}.region_code = %s")
        params.append(plan.region)
    if plan.target.yearly:
        clauses.append(f"{alias}.year = %s")
        params.append(plan.year)
    return " AND ".join(clauses) or "1 = 1", params


def join_key(plan: Plan) -> str:
    return " AND ".join(f"t.{k} = s.{k}" for k in plan.target.key)


def check_stage(plan: Plan, error) -> None:
    """Set-based checks on the staged rows: duplicate keys, unknown parents.

    Keys that arrived in strictly increasing order cannot repeat, so a sorted file skips the
    duplicate search (and the index it needs)."""
    key = ", ".join(plan.target.key)
    with connection.cursor() as cursor:
        if not plan.keys_sorted or plan.kind in {"units", "classification", "indicators"}:
            cursor.execute(f"CREATE INDEX {plan.stage}_key ON {plan.stage} ({key}, line)")
        if is_postgres():  # temporary tables are never auto-analysed: give the planner their size
            cursor.execute(f"ANALYZE {plan.stage}")
        if not plan.keys_sorted:
            cursor.execute(
                f"SELECT s.line, {key} FROM {plan.stage} s WHERE EXISTS (SELECT 1 FROM {plan.stage} d "
                f"WHERE {' AND '.join(f'd.{k} = s.{k}' for k in plan.target.key)} AND d.line < s.line) "
                f"ORDER BY s.line LIMIT {MAX_ERRORS}"
            )
            for line, *values in cursor.fetchall():
                error(
                    line,
                    plan.target.key[-1],
                    values[-1],
                    say(gettext_noop("Repeats an earlier row of the file")),
                )
        if plan.kind == "units":
            cursor.execute(
                f"SELECT s.line, s.parent_code FROM {plan.stage} s WHERE s.parent_code <> '' "
                f"AND NOT EXISTS (SELECT 1 FROM {plan.stage} p WHERE p.code = s.parent_code) "
                f"AND NOT EXISTS (SELECT 1 FROM {BudgetUnit._meta.db_table} u "
                f"WHERE u.region_code = %s AND u.code = s.parent_code) ORDER BY s.line LIMIT {MAX_ERRORS}",
                [plan.region],
            )
            for line, code in cursor.fetchall():
                error(line, "parent_code", code, say(gettext_noop("No such parent unit code")))
        if plan.kind == "classification":
            cursor.execute(
                f"SELECT s.line, s.parent_code FROM {plan.stage} s WHERE s.parent_code <> '' "
                f"AND NOT EXISTS (SELECT 1 FROM {plan.stage} p WHERE p.scheme = s.scheme "
                f"AND p.code = s.parent_code) AND NOT EXISTS (SELECT 1 FROM "
                f"{ClassificationItem._meta.db_table} c WHERE c.year = %s AND c.scheme = s.scheme "
                f"AND c.code = s.parent_code) ORDER BY s.line LIMIT {MAX_ERRORS}",
                [plan.year],
            )
            for line, code in cursor.fetchall():
                error(line, "parent_code", code, say(gettext_noop("No such parent code")))


def check_year_totals(plan: Plan, error) -> None:
    """金额合计上限: each amount column of the interface, over the year's stored rows and the new
    ones, adds up in absolute value to at most :data:`YEAR_TOTAL_LIMIT` (else a file-level error
    names the column). Stored rows count whole, even those the file replaces: a bound suffices.

    A year's first payments were summed while they streamed in (nothing is stored yet)."""
    table = plan.target.model._meta.db_table
    where, params = where_target(plan)
    total = "SUM" if is_postgres() else "TOTAL"  # SQLite's TOTAL: a float, which cannot overflow
    # SQLite would seek the year through an index and read its rows out of order: 1.4 s at 10^6
    # payments, against 0.16 s for reading the table through
    scan = "" if is_postgres() else "NOT INDEXED"
    with connection.cursor() as cursor:
        for name, column in kind_columns(plan).items():
            if column.sql_type != "money" or name not in plan.columns:
                continue
            if plan.streamed is not None and name == "amount":
                magnitude = Decimal(plan.streamed.magnitude())
            else:
                cursor.execute(f"SELECT {total}(ABS({name})) FROM {plan.stage}")
                staged = cursor.fetchone()[0] or 0
                cursor.execute(f"SELECT {total}(ABS(t.{name})) FROM {table} t {scan} WHERE {where}", params)
                magnitude = Decimal(staged) + Decimal(cursor.fetchone()[0] or 0)
            if magnitude > YEAR_TOTAL_LIMIT:
                error(
                    1,
                    name,
                    f"{magnitude:,.2f}",
                    say(
                        gettext_noop(
                            "The year's total of %(column)s in absolute value (with the data already "
                            "imported) is over the limit of %(limit)s yuan: check the amounts' unit (yuan)"
                        ),
                        column=column.header,
                        limit=f"{YEAR_TOTAL_LIMIT:,}",
                    ),
                )


def check_unit_cycles(plan, cursor, error) -> None:
    """A unit may not be its own ancestor once the file is applied."""
    parents = dict(BudgetUnit.objects.filter(region_code=plan.region).values_list("code", "parent_code"))
    lines: dict[str, int] = {}
    cursor.execute(f"SELECT code, parent_code, line FROM {plan.stage}")
    for code, parent, line in cursor.fetchall():
        parents[code] = parent or ""
        lines[code] = line
    for code, line in lines.items():
        seen, current = {code}, parents.get(code, "")
        while current:
            if current in seen:
                error(
                    line,
                    "parent_code",
                    parents.get(code, ""),
                    say(gettext_noop("The parent units form a loop")),
                )
                break
            seen.add(current)
            current = parents.get(current, "")
