# ruff: noqa: S608 - the SQL is built from model table names, fixed column names and validated integers;
# every value is a bound parameter.
"""Execution rules: 执行进度滞后 (EXEC_LAG), 年底突击花钱 (YEAR_END_RUSH), 项目长期未执行
(PROJECT_IDLE). Sums per unit, project or month read the monthly summary (:func:`paid_source`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext_noop

from renda.budget.models import Severity
from renda.budget.warning_rules.base import (
    IND,
    PAY,
    Context,
    Found,
    as_date,
    aside,
    money,
    more,
    num,
    paid_by_indicator,
    paid_source,
    pct,
    points,
    project_names,
    rows,
    share,
    top_per_group,
    unit_label,
    unit_names,
    yuan,
)
from renda.core.money import money_sum_sql
from renda.core.words import say

# The SQL pre-filters with a margin; the exact comparison is made on Decimals.
MARGIN = Decimal("0.5")


def exec_lag(ctx: Context) -> list[Found]:
    """执行进度滞后: a unit's (and a project's) payments over its current indicator lag time
    progress by more than ``lag_points``; red beyond ``red_points``."""
    p = ctx.params
    lag, red, minimum = p["lag_points"], p["red_points"], p["min_indicator"]
    progress = ctx.time_progress
    limit = progress - lag  # execution (%) under which a unit lags
    if limit <= 0:
        return []
    found: list[Found] = []
    for level, column in (("unit", "unit_code"), ("project", "project_code")):
        source, source_params = paid_source(ctx, [column], f"{column} <> ''")
        candidates = rows(
            f"SELECT b.k, b.budget, b.unit_code, b.n, COALESCE(a.paid, 0) FROM "
            f"(SELECT {column} AS k, {money_sum_sql('current_amount', yuan=True)} AS budget, "
            f"MIN(unit_code) AS unit_code, "
            f"COUNT(*) AS n "
            f"FROM {IND} WHERE region_code = %s AND year = %s AND {column} <> '' GROUP BY {column}) b "
            f"LEFT JOIN (SELECT {column} AS k, {money_sum_sql('amount', yuan=True)} AS paid "
            f"FROM {source} s GROUP BY {column}) a "
            f"ON a.k = b.k WHERE b.budget >= %s AND b.budget > 0 "
            f"AND COALESCE(a.paid, 0) * 100 < b.budget * %s",
            [ctx.region, ctx.year, *source_params, num(minimum), num(limit + MARGIN)],
        )
        lagging = []
        for key, budget, unit, n, paid in candidates:
            budget, paid = money(budget), money(paid)
            execution = share(paid, budget)
            if budget < minimum or progress - execution <= lag:
                continue
            lagging.append((str(key), budget, str(unit), n, paid, execution))
        if not lagging:
            continue
        names = unit_names(ctx.region, [row[2] for row in lagging])
        projects = (
            project_names(ctx.region, ctx.year, [row[0] for row in lagging]) if level == "project" else {}
        )
        evidence = top_per_group(
            table=IND,
            group=column,
            item="indicator_no",
            order="current_amount DESC, indicator_no",
            where="region_code = %s AND year = %s",
            params=[ctx.region, ctx.year],
            groups=[row[0] for row in sorted(lagging, key=lambda r: r[4] - r[1])],
        )
        for key, budget, unit, n, paid, execution in lagging:
            behind = progress - execution
            if level == "unit":
                who = unit_label(names, key)
                subject = names.get(key, key)
            else:
                title = projects.get(key, "")
                who = (
                    say(
                        gettext_noop("project %(code)s (%(title)s), %(unit)s"),
                        code=key,
                        title=title,
                        unit=unit_label(names, unit),
                    )
                    if title
                    else say(
                        gettext_noop("project %(code)s, %(unit)s"), code=key, unit=unit_label(names, unit)
                    )
                )
                subject = f"{title or key}"
            found.append(
                Found(
                    key=f"{level}:{key}",
                    severity=Severity.RED if behind > red else Severity.YELLOW,
                    unit_code=unit,
                    subject=subject[:300],
                    amount=budget - paid,
                    message=say(
                        gettext_noop(
                            "%(who)s: execution %(execution)s against %(progress)s of the year elapsed "
                            "(as of %(date)s), %(behind)s percentage points behind; "
                            "indicators %(budget)s yuan (%(n)s), paid %(paid)s yuan, unpaid %(unpaid)s yuan."
                        ),
                        who=who,
                        execution=pct(execution),
                        progress=pct(progress),
                        date=ctx.as_of.isoformat(),
                        behind=points(behind),
                        budget=yuan(budget),
                        n=str(n),
                        paid=yuan(paid),
                        unpaid=yuan(budget - paid),
                    ),
                    indicators=evidence.get(key, []),
                )
            )
    return found


def year_end_rush(ctx: Context) -> list[Found]:
    """年底突击花钱: December payments over ``december_share`` of the year's while January–November
    paid under ``jan_nov_execution`` of the unit's indicator (red); a fourth quarter over
    ``fourth_quarter_share`` of the year's payments (yellow)."""
    p = ctx.params
    dec_share, jan_nov, q4_share, minimum = (
        p["december_share"],
        p["jan_nov_execution"],
        p["fourth_quarter_share"],
        p["min_annual"],
    )
    source, source_params = paid_source(ctx, ["unit_code", "month"])
    bar = min(dec_share, q4_share) - MARGIN
    candidates = rows(
        f"SELECT a.unit_code, a.annual, a.december, a.q4, COALESCE(b.budget, 0) FROM "
        f"(SELECT unit_code, {money_sum_sql('amount', yuan=True)} AS annual, "
        f"{money_sum_sql('CASE WHEN month = 12 THEN amount ELSE 0 END', yuan=True)} AS december, "
        f"{money_sum_sql('CASE WHEN month >= 10 THEN amount ELSE 0 END', yuan=True)} AS q4 "
        f"FROM {source} s GROUP BY unit_code) a "
        f"LEFT JOIN (SELECT unit_code, {money_sum_sql('current_amount', yuan=True)} AS budget "
        f"FROM {IND} WHERE region_code = %s "
        f"AND year = %s GROUP BY unit_code) b ON b.unit_code = a.unit_code "
        f"WHERE a.annual > 0 AND a.annual >= %s AND a.q4 * 100 > a.annual * %s",
        [*source_params, ctx.region, ctx.year, num(minimum), num(max(bar, Decimal(0)))],
    )
    hits = []
    for unit, annual, december, q4, budget in candidates:
        annual, december, q4, budget = money(annual), money(december), money(q4), money(budget)
        if annual < minimum:
            continue
        dec_pct, q4_pct = share(december, annual), share(q4, annual)
        before = annual - december
        before_pct = share(before, budget) if budget else share(before, annual)
        if dec_pct > dec_share and before_pct < jan_nov:
            hits.append((str(unit), Severity.RED, annual, december, q4, budget, dec_pct, q4_pct, before_pct))
        elif q4_pct > q4_share:
            hits.append(
                (str(unit), Severity.YELLOW, annual, december, q4, budget, dec_pct, q4_pct, before_pct)
            )
    if not hits:
        return []
    names = unit_names(ctx.region, [h[0] for h in hits])
    q4_start = dt.date(ctx.year, 10, 1)
    evidence = top_per_group(
        table=PAY,
        group="unit_code",
        item="voucher_no",
        order="amount DESC, voucher_no",
        where="region_code = %s AND year = %s AND pay_date >= %s AND pay_date <= %s",
        params=[ctx.region, ctx.year, q4_start, ctx.paid_until],
        groups=[h[0] for h in sorted(hits, key=lambda h: -h[4])],
    )
    found = []
    for unit, severity, annual, december, q4, budget, dec_pct, q4_pct, before_pct in hits:
        if severity == Severity.RED:
            base = (
                say(
                    gettext_noop("%(share)s of the indicators' %(budget)s yuan"),
                    share=pct(before_pct),
                    budget=yuan(budget),
                )
                if budget
                else say(gettext_noop("%(share)s of the year's payments"), share=pct(before_pct))
            )
            what = say(
                gettext_noop(
                    "paid %(december)s yuan in December, %(share)s of the year's %(annual)s yuan, "
                    "while January–November paid only %(before)s yuan (%(base)s)"
                ),
                december=yuan(december),
                annual=yuan(annual),
                share=pct(dec_pct),
                before=yuan(annual - december),
                base=base,
            )
        else:
            what = say(
                gettext_noop(
                    "paid %(q4)s yuan in the fourth quarter, %(share)s of the year's %(annual)s yuan"
                ),
                q4=yuan(q4),
                annual=yuan(annual),
                share=pct(q4_pct),
            )
        vouchers = evidence.get(unit, [])
        found.append(
            Found(
                key=f"unit:{unit}",
                severity=severity,
                unit_code=unit,
                subject=names.get(unit, unit),
                amount=december if severity == Severity.RED else q4,
                message=[
                    say(
                        gettext_noop("%(unit)s %(what)s (as of %(date)s)."),
                        unit=unit_label(names, unit),
                        what=what,
                        date=ctx.as_of.isoformat(),
                    ),
                    say(
                        gettext_noop(" The evidence lists the %(n)s largest payments of the fourth quarter."),
                        n=str(len(vouchers)),
                    )
                    if vouchers
                    else "",
                ],
                vouchers=vouchers,
            )
        )
    return found


def project_idle(ctx: Context) -> list[Found]:
    """项目长期未执行: a project indicator of at least ``min_indicator`` with no payment in the
    ``idle_days`` days before the as-of date and execution under ``max_execution``."""
    p = ctx.params
    minimum, idle_days, max_execution = p["min_indicator"], p["idle_days"], p["max_execution"]
    cutoff = ctx.as_of - dt.timedelta(days=idle_days)  # the last payment on or before it: idle
    if cutoff < ctx.year_start - dt.timedelta(days=1):
        return []
    source, source_params = paid_by_indicator(ctx)
    candidates = rows(
        f"SELECT i.indicator_no, i.unit_code, i.project_code, i.current_amount, COALESCE(a.paid, 0), "
        f"a.last_day, COALESCE(a.n, 0) FROM {IND} i LEFT JOIN {source} a ON a.indicator_no = i.indicator_no "
        f"WHERE i.region_code = %s AND i.year = %s AND i.project_code <> '' AND i.current_amount >= %s "
        f"AND i.current_amount > 0 AND (i.issued_date IS NULL OR i.issued_date <= %s) "
        f"AND (a.last_day IS NULL OR a.last_day <= %s) "
        f"AND COALESCE(a.paid, 0) * 100 < i.current_amount * %s",
        [
            *source_params,
            ctx.region,
            ctx.year,
            num(minimum),
            cutoff,
            cutoff,
            num(max_execution + MARGIN),
        ],
    )
    hits = []
    for number, unit, project, budget, paid, last_day, n in candidates:
        budget, paid = money(budget), money(paid)
        execution = share(paid, budget)
        if budget < minimum or execution >= max_execution:
            continue
        hits.append((str(number), str(unit), str(project), budget, paid, as_date(last_day), n, execution))
    if not hits:
        return []
    names = unit_names(ctx.region, [h[1] for h in hits])
    projects = project_names(ctx.region, ctx.year, [h[2] for h in hits])
    evidence: dict[str, list[str]] = {}
    paid_hits = [h[0] for h in sorted(hits, key=lambda h: h[4] - h[3]) if h[6]]
    if paid_hits:
        evidence = top_per_group(
            table=PAY,
            group="indicator_no",
            item="voucher_no",
            order="pay_date DESC, voucher_no DESC",
            where="region_code = %s AND year = %s AND pay_date <= %s",
            params=[ctx.region, ctx.year, ctx.paid_until],
            groups=paid_hits,
        )
    found = []
    for number, unit, project, budget, paid, last_day, n, execution in hits:
        title = projects.get(project, "")
        if last_day:
            idle = say(
                gettext_noop("the last payment was on %(day)s, none for %(days)s days"),
                day=last_day.isoformat(),
                days=str((ctx.as_of - last_day).days),
            )
        else:
            idle = say(gettext_noop("no payment yet this year"))
        vouchers = evidence.get(number, [])
        found.append(
            Found(
                key=number,
                severity=Severity.YELLOW,
                unit_code=unit,
                subject=say(
                    gettext_noop("%(name)s (indicator %(number)s)"), name=title or project, number=number
                ),
                amount=budget - paid,
                message=say(
                    gettext_noop(
                        "%(unit)s, project %(project)s%(title)s, indicator %(number)s of %(budget)s yuan: "
                        "paid %(paid)s yuan (%(n)s payments, execution %(execution)s), %(idle)s "
                        "(as of %(date)s).%(more)s"
                    ),
                    unit=unit_label(names, unit),
                    project=project,
                    title=aside(title),
                    number=number,
                    budget=yuan(budget),
                    paid=yuan(paid),
                    n=str(n),
                    execution=pct(execution),
                    idle=idle,
                    date=ctx.as_of.isoformat(),
                    more=more(n, len(vouchers)),
                ),
                vouchers=vouchers,
                indicators=[number],
            )
        )
    return found
