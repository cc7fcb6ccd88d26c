# ruff: noqa: S608 - the SQL is built from model table names, fixed column names and validated integers;
# every value is a bound parameter.
"""Rules on payments against the budget: 无预算支出 (NO_INDICATOR), 超预算支出
(OVER_INDICATOR), 三公经费超预算 (THREE_PUBLIC_OVER), 预算调整幅度过大 (BIG_ADJUSTMENT)."""

from __future__ import annotations

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
    chunks,
    indicator_title,
    like_any,
    masked_payee,
    money,
    more,
    num,
    paid_by_indicator,
    paid_source,
    payment_title,
    pct,
    placeholders,
    project_aside,
    project_names,
    rows,
    share,
    top_per_group,
    unit_label,
    unit_names,
    yuan,
)
from renda.core.money import money_sum_sql
from renda.core.words import listing, say


def no_indicator(ctx: Context) -> list[Found]:
    """无预算支出: a payment whose indicator number is empty or matches no indicator of the year.

    The indicator numbers the payments use are few (the per-indicator sums, :func:`paid_by_indicator`);
    only the payments carrying an unmatched number are read (index on the indicator number)."""
    source, source_params = paid_by_indicator(ctx)
    unmatched = [
        number
        for (number,) in rows(
            f"SELECT x.indicator_no FROM {source} x WHERE x.indicator_no = '' OR NOT EXISTS "
            f"(SELECT 1 FROM {IND} i WHERE i.region_code = %s AND i.year = %s "
            f"AND i.indicator_no = x.indicator_no)",
            [*source_params, ctx.region, ctx.year],
        )
    ]
    found_rows = []
    for part in chunks(unmatched):
        found_rows += rows(
            f"SELECT voucher_no, pay_date, unit_code, indicator_no, amount, payee_name, payee_type, purpose "
            f"FROM {PAY} WHERE region_code = %s AND year = %s AND pay_date <= %s "
            f"AND indicator_no IN ({placeholders(part)})",
            [ctx.region, ctx.year, ctx.paid_until, *part],
        )
    found_rows.sort(key=lambda r: (str(r[1]), r[0]))
    names = unit_names(ctx.region, [r[2] for r in found_rows])
    found = []
    for voucher, day, unit, indicator, amount, payee, payee_type, purpose in found_rows:
        day, amount = as_date(day), money(amount)
        assert day is not None
        why = (
            say(gettext_noop("no indicator number given"))
            if not indicator
            else say(
                gettext_noop("the indicator number %(number)s is not a budget indicator of %(year)s"),
                number=indicator,
                year=str(ctx.year),
            )
        )
        found.append(
            Found(
                key=str(voucher),
                severity=Severity.RED,
                unit_code=str(unit),
                subject=say(
                    gettext_noop("%(title)s (no budget indicator)"),
                    title=payment_title(names, str(unit), payee, payee_type, amount),
                ),
                amount=amount,
                message=say(
                    gettext_noop(
                        "%(unit)s: voucher %(voucher)s (%(day)s) paid %(payee)s %(amount)s yuan%(purpose)s; "
                        "%(why)s: spending without a budget."
                    ),
                    unit=unit_label(names, unit),
                    voucher=str(voucher),
                    day=day.isoformat(),
                    payee=masked_payee(payee, payee_type),
                    amount=yuan(amount),
                    purpose=aside(purpose),
                    why=why,
                ),
                vouchers=[str(voucher)],
            )
        )
    return found


def over_indicator(ctx: Context) -> list[Found]:
    """超预算支出: the payments charged to an indicator exceed its current amount."""
    source, source_params = paid_by_indicator(ctx)
    found_rows = rows(
        f"SELECT i.indicator_no, i.unit_code, i.project_code, i.current_amount, a.paid, a.n FROM {source} a "
        f"JOIN {IND} i ON i.region_code = %s AND i.year = %s AND i.indicator_no = a.indicator_no "
        f"WHERE ROUND(a.paid, 2) > i.current_amount ORDER BY i.indicator_no",
        [*source_params, ctx.region, ctx.year],
    )
    hits = []
    for number, unit, project, budget, paid, n in found_rows:
        budget, paid = money(budget), money(paid)
        if paid > budget:
            hits.append((str(number), str(unit), str(project), budget, paid, n))
    if not hits:
        return []
    names = unit_names(ctx.region, [h[1] for h in hits])
    projects = project_names(ctx.region, ctx.year, [h[2] for h in hits])
    evidence = top_per_group(
        table=PAY,
        group="indicator_no",
        item="voucher_no",
        order="pay_date DESC, voucher_no DESC",
        where="region_code = %s AND year = %s AND pay_date <= %s",
        params=[ctx.region, ctx.year, ctx.paid_until],
        groups=[h[0] for h in sorted(hits, key=lambda h: h[3] - h[4])],
    )
    found = []
    for number, unit, project, budget, paid, n in hits:
        title = projects.get(project, "")
        vouchers = evidence.get(number, [])
        rate = (
            say(gettext_noop(", %(share)s of the indicator"), share=pct(share(paid, budget)))
            if budget > 0
            else ""
        )
        found.append(
            Found(
                key=number,
                severity=Severity.RED,
                unit_code=unit,
                subject=indicator_title(
                    names, unit, title or project, say(gettext_noop("paid over the indicator")), paid - budget
                ),
                amount=paid - budget,
                message=say(
                    gettext_noop(
                        "%(unit)s: indicator %(number)s%(project)s stands at %(budget)s yuan; "
                        "by %(date)s %(paid)s yuan were paid (%(n)s payments%(rate)s), "
                        "%(over)s yuan over.%(more)s"
                    ),
                    unit=unit_label(names, unit),
                    number=number,
                    project=project_aside(title or project) if project else "",
                    budget=yuan(budget),
                    date=ctx.as_of.isoformat(),
                    paid=yuan(paid),
                    n=str(n),
                    rate=rate,
                    over=yuan(paid - budget),
                    more=more(n, len(vouchers)),
                ),
                vouchers=vouchers,
                indicators=[number],
            )
        )
    return found


def three_public_over(ctx: Context) -> list[Found]:
    """三公经费超预算: a unit's payments in the three-public-expense economic codes exceed the
    indicators budgeted in those codes."""
    codes: list[str] = ctx.params["econ_codes"]
    if not codes:
        return []
    match, match_params = like_any("econ_code", codes)
    source, source_params = paid_source(ctx, ["unit_code"], match, match_params)
    found_rows = rows(
        f"SELECT a.unit_code, a.paid, COALESCE(b.budget, 0) FROM "
        f"(SELECT unit_code, {money_sum_sql('amount', yuan=True)} AS paid "
        f"FROM {source} s GROUP BY unit_code) a "
        f"LEFT JOIN (SELECT unit_code, {money_sum_sql('current_amount', yuan=True)} AS budget "
        f"FROM {IND} WHERE region_code = %s "
        f"AND year = %s AND {match} GROUP BY unit_code) b ON b.unit_code = a.unit_code "
        f"WHERE ROUND(a.paid, 2) > COALESCE(b.budget, 0) ORDER BY a.unit_code",
        [*source_params, ctx.region, ctx.year, *match_params],
    )
    hits = []
    for unit, paid, budget in found_rows:
        paid, budget = money(paid), money(budget)
        if paid > budget:
            hits.append((str(unit), paid, budget))
    if not hits:
        return []
    units = [h[0] for h in sorted(hits, key=lambda h: h[2] - h[1])]
    names = unit_names(ctx.region, units)
    vouchers = top_per_group(
        table=PAY,
        group="unit_code",
        item="voucher_no",
        order="amount DESC, voucher_no",
        where=f"region_code = %s AND year = %s AND pay_date <= %s AND {match}",
        params=[ctx.region, ctx.year, ctx.paid_until, *match_params],
        groups=units,
    )
    indicators = top_per_group(
        table=IND,
        group="unit_code",
        item="indicator_no",
        order="current_amount DESC, indicator_no",
        where=f"region_code = %s AND year = %s AND {match}",
        params=[ctx.region, ctx.year, *match_params],
        groups=units,
    )
    found = []
    for unit, paid, budget in hits:
        budgeted = (
            say(gettext_noop("the “three public” indicators are %(budget)s yuan"), budget=yuan(budget))
            if budget
            else say(gettext_noop("no “three public” indicator was set"))
        )
        found.append(
            Found(
                key=f"unit:{unit}",
                severity=Severity.RED,
                unit_code=unit,
                subject=names.get(unit, unit),
                amount=paid - budget,
                message=say(
                    gettext_noop(
                        "%(unit)s: by %(date)s paid %(paid)s yuan of “three public” expenses (economic "
                        "classes %(codes)s); %(budgeted)s: %(over)s yuan over."
                    ),
                    unit=unit_label(names, unit),
                    date=ctx.as_of.isoformat(),
                    codes=listing(codes),
                    paid=yuan(paid),
                    budgeted=budgeted,
                    over=yuan(paid - budget),
                ),
                vouchers=vouchers.get(unit, []),
                indicators=indicators.get(unit, []),
            )
        )
    return found


def big_adjustment(ctx: Context) -> list[Found]:
    """预算调整幅度过大: an indicator's current amount differs from its original amount by more
    than ``max_change`` percent (indicators without an original amount are not measured)."""
    limit: Decimal = ctx.params["max_change"]
    found_rows = rows(
        f"SELECT indicator_no, unit_code, project_code, original_amount, current_amount FROM {IND} "
        f"WHERE region_code = %s AND year = %s AND original_amount > 0 "
        f"AND ABS(current_amount - original_amount) * 100 > original_amount * %s ORDER BY indicator_no",
        [ctx.region, ctx.year, num(limit - Decimal("0.001"))],
    )
    hits = []
    for number, unit, project, original, current in found_rows:
        original, current = money(original), money(current)
        change = share(current - original, original)
        if abs(change) > limit:
            hits.append((str(number), str(unit), str(project), original, current, change))
    names = unit_names(ctx.region, [h[1] for h in hits])
    projects = project_names(ctx.region, ctx.year, [h[2] for h in hits])
    found = []
    for number, unit, project, original, current, change in hits:
        title = projects.get(project, "")
        verb = say(gettext_noop("raised by")) if current > original else say(gettext_noop("cut by"))
        found.append(
            Found(
                key=number,
                severity=Severity.YELLOW,
                unit_code=unit,
                subject=indicator_title(names, unit, title or project, verb, abs(current - original)),
                amount=abs(current - original),
                message=say(
                    gettext_noop(
                        "%(unit)s: indicator %(number)s%(project)s, %(original)s yuan at the start of the "
                        "year, %(current)s yuan after adjustment: %(verb)s %(change)s yuan "
                        "(%(sign)s%(share)s), more than the %(limit)s allowed."
                    ),
                    unit=unit_label(names, unit),
                    number=number,
                    project=project_aside(title or project) if project else "",
                    original=yuan(original),
                    current=yuan(current),
                    verb=verb,
                    change=yuan(abs(current - original)),
                    sign="+" if change > 0 else "-",
                    share=pct(abs(change)),
                    limit=pct(limit),
                ),
                indicators=[number],
            )
        )
    return found
