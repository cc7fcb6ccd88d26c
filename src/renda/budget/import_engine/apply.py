# ruff: noqa: S608 - the SQL here is built from model table names and fixed column names only;
# every value travels as a query parameter (or through COPY).
"""Step 3, apply: count, update and insert against the natural keys, set-based, in the import's
one transaction, and bring the payment summaries up to date."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from django.db import connection

from renda.budget.import_engine.bulk import bulk_load, is_postgres
from renda.budget.import_engine.check import check_unit_cycles, join_key, where_target
from renda.budget.import_engine.result import ImportResult
from renda.budget.import_engine.stage import Plan
from renda.budget.import_engine.summaries import (
    add_to_payment_summary,
    has_summaries,
    merge_summary_delta,
    rebuild_payment_summary,
    stage_summary_delta,
)
from renda.budget.models import (
    BudgetUnit,
    ImportBatch,
    Indicator,
    IndicatorAdjustment,
    Project,
)

MAX_AUDITED_CHANGES = 50  # changed rows whose before/after the result keeps for the audit trail


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}"


def apply_plan(plan: Plan, result: ImportResult, batch: ImportBatch, error) -> None:
    """Step 3 inside the caller's transaction; the first changed rows' before/after go to
    ``result.changes`` for the service's audit trail (the engine writes none)."""
    target, stage = plan.target, plan.stage
    table = target.model._meta.db_table
    where, params = where_target(plan)
    join = join_key(plan)
    differs = " OR ".join(_distinct(f"t.{v}", f"s.{v}") for v in target.values)
    since = time.perf_counter()
    with connection.cursor() as cursor:
        if is_postgres():  # room to hash and sort in memory (this transaction only)
            cursor.execute("SET LOCAL work_mem = '256MB'")
        staged = plan.staged
        if not plan.direct:
            cursor.execute(f"SELECT 1 FROM {table} t WHERE {where} LIMIT 1", params)
        if plan.direct or cursor.fetchone() is None:  # nothing stored yet for the year: all new
            matched = changed = 0
        else:
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {differs} THEN 1 ELSE 0 END), 0) "
                f"FROM {stage} s JOIN {table} t ON {join} AND {where}",
                params,
            )
            matched, changed = (int(v) for v in cursor.fetchone())
        result.inserted, result.updated, result.unchanged = staged - matched, changed, matched - changed
        since = plan.timed("compare", since)
        if plan.kind == "units":
            check_unit_cycles(plan, cursor, error)
            if result.rejected:
                return
        # Before/after of the first changed rows, for the audit trail.
        samples: list[tuple[dict[str, Any], dict[str, Any]]] = []
        if changed:
            cols = ", ".join(
                [
                    *(f"t.{k}" for k in target.key),
                    *(f"t.{v}" for v in target.values),
                    *(f"s.{v}" for v in target.values),
                ]
            )
            cursor.execute(
                f"SELECT {cols} FROM {stage} s JOIN {table} t ON {join} AND {where} WHERE {differs} "
                f"ORDER BY s.line LIMIT {MAX_AUDITED_CHANGES}",
                params,
            )
            nk, nv = len(target.key), len(target.values)
            money = {f.column for f in target.model._meta.fields if f.get_internal_type() == "DecimalField"}
            for raw in cursor.fetchall():
                names = [*target.key, *target.values, *target.values]
                row = [
                    _money(v) if n in money and v is not None else v for n, v in zip(names, raw, strict=True)
                ]
                key = dict(zip(target.key, row[:nk], strict=True))
                before = dict(zip(target.values, row[nk : nk + nv], strict=True))
                after = dict(zip(target.values, row[nk + nv :], strict=True))
                samples.append(({**key, **before}, {**key, **after}))
        if plan.kind == "indicators":
            _record_adjustments(plan, cursor, batch, where, params, join)
        # A year whose summaries are kept: what this import changes in them, from the staged rows
        # and the payments they replace (before these change), merged in after the writes.
        merge_summaries = (
            plan.kind == "payments"
            and (changed or staged - matched)
            and not result.dry_run
            and not plan.direct
            and has_summaries(plan.region, plan.year)
        )
        if merge_summaries:
            stage_summary_delta(plan, cursor, stored=bool(matched))
            since = plan.timed("summary delta", since)
        if changed:
            sets = ", ".join(f"{v} = s.{v}" for v in target.values)
            cursor.execute(
                f"UPDATE {table} AS t SET {sets}, batch_id = %s FROM {stage} s "
                f"WHERE {join} AND {where} AND ({differs})",
                [batch.pk, *params],
            )
            since = plan.timed("update", since)
        if staged - matched and not plan.direct:
            _insert_new(plan, cursor, batch, table, where, params, join, matched, staged - matched)
            since = time.perf_counter()
        if plan.kind == "indicators":
            _record_first_adjustments(plan, cursor, batch, where, params)
            since = plan.timed("adjustments", since)
            _upsert_projects(plan, cursor, batch)
            since = plan.timed("projects", since)
        if plan.kind == "units":
            _refresh_departments(plan)
        if merge_summaries:
            merge_summary_delta(plan, cursor)
            since = time.perf_counter()
        elif plan.kind == "payments" and (changed or staged - matched) and not result.dry_run:
            if matched or not plan.first_load:  # payments were stored, but no summaries
                rebuild_payment_summary(plan.region, plan.year)
            else:  # the year's first payments
                add_to_payment_summary(
                    plan, cursor, batch, whole_stage=not plan.direct, streamed=plan.streamed
                )
            since = plan.timed("summary", since)
    result.changes = samples


def _insert_new(plan, cursor, batch, table, where, params, join, matched, new) -> None:
    """Insert the staged rows whose key is not stored yet (all of them when nothing matched)."""
    target = plan.target
    extra_cols, extra_vals = ["batch_id"], ["%s"]
    insert_params: list[Any] = [batch.pk]
    if target.regional:
        extra_cols.append("region_code")
        extra_vals.append("%s")
        insert_params.append(plan.region)
    if target.yearly:
        extra_cols.append("year")
        extra_vals.append("%s")
        insert_params.append(plan.year)
    cols = [*target.key, *target.values]
    if plan.kind == "units":
        cols.append("department_code")
        select_cols = ", ".join([*(f"s.{c}" for c in cols[:-1]), "''"])
    else:
        select_cols = ", ".join(f"s.{c}" for c in cols)
    sql = (
        f"INSERT INTO {table} ({', '.join([*cols, *extra_cols])}) "
        f"SELECT {select_cols}, {', '.join(extra_vals)} FROM {plan.stage} s"
    )
    if matched:
        sql += f" WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {join} AND {where})"
        insert_params += params
    if not plan.keys_sorted:  # in key order, which keeps the unique index's pages in order
        sql += f" ORDER BY {', '.join(f's.{k}' for k in target.key)}"
    since = time.perf_counter()
    with bulk_load(plan, cursor, table, new):
        cursor.execute(sql, insert_params)
        plan.timed("insert", since)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _record_adjustments(plan, cursor, batch, where, params, join) -> None:
    """指标调整: an indicator whose adjustment changes gets an adjustment row for the difference."""
    adj = IndicatorAdjustment._meta.db_table
    cursor.execute(
        f"INSERT INTO {adj} (indicator_id, date, document, amount, batch_id) "
        f"SELECT t.id, COALESCE(s.adjust_date, s.issued_date), COALESCE(s.adjust_document, ''), "
        f"s.adjusted_amount - t.adjusted_amount, %s FROM {plan.stage} s JOIN {Indicator._meta.db_table} t "
        f"ON {join} AND {where} WHERE s.adjusted_amount <> t.adjusted_amount",
        [batch.pk, *params],
    )


def _record_first_adjustments(plan, cursor, batch, where, params) -> None:
    adj, table = IndicatorAdjustment._meta.db_table, Indicator._meta.db_table
    cursor.execute(
        f"INSERT INTO {adj} (indicator_id, date, document, amount, batch_id) "
        f"SELECT t.id, COALESCE(s.adjust_date, s.issued_date), COALESCE(s.adjust_document, ''), "
        f"s.adjusted_amount, %s FROM {plan.stage} s JOIN {table} t ON t.indicator_no = s.indicator_no "
        f"AND {where} WHERE t.batch_id = %s AND s.adjusted_amount <> 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {adj} a WHERE a.indicator_id = t.id)",
        [batch.pk, *params, batch.pk],
    )


def _upsert_projects(plan, cursor, batch) -> None:
    table = Project._meta.db_table
    cursor.execute(
        f"UPDATE {table} AS t SET name = s.project_name, unit_code = s.unit_code, batch_id = %s "
        f"FROM (SELECT project_code, MAX(project_name) AS project_name, MIN(unit_code) AS unit_code "
        f"FROM {plan.stage} WHERE project_code <> '' GROUP BY project_code) s "
        f"WHERE t.region_code = %s AND t.year = %s AND t.code = s.project_code "
        f"AND (t.name <> s.project_name OR t.unit_code <> s.unit_code)",
        [batch.pk, plan.region, plan.year],
    )
    cursor.execute(
        f"INSERT INTO {table} (region_code, year, code, name, unit_code, batch_id) "
        f"SELECT %s, %s, project_code, MAX(project_name), MIN(unit_code), %s FROM {plan.stage} s "
        f"WHERE project_code <> '' AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.region_code = %s "
        f"AND t.year = %s AND t.code = s.project_code) GROUP BY project_code",
        [plan.region, plan.year, batch.pk, plan.region, plan.year],
    )


def _refresh_departments(plan: Plan) -> None:
    """主管部门: each unit's top ancestor (a unit without a parent is its own 主管部门)."""
    units = list(
        BudgetUnit.objects.filter(region_code=plan.region).only(
            "id", "code", "parent_code", "department_code"
        )
    )
    parents = {u.code: u.parent_code for u in units}

    def top(code: str) -> str:
        seen = set()
        while parents.get(code) and code not in seen:
            seen.add(code)
            code = parents[code]
        return code

    changed = []
    for unit in units:
        department = top(unit.code)
        if unit.department_code != department:
            unit.department_code = department
            changed.append(unit)
    BudgetUnit.objects.bulk_update(changed, ["department_code"], batch_size=1000)
