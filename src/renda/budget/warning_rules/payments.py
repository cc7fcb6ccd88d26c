# ruff: noqa: S608 - the SQL is built from model table names, fixed column names and validated integers;
# every value is a bound parameter.
"""Rules on single payments and on patterns of payments: 大额支付 (LARGE_PAYMENT), 拆分支付
(SPLIT_PAYMENT), 重复支付 (DUPLICATE_PAYMENT), 向个人大额支付 (INDIVIDUAL_LARGE), 非工作日支付
(NON_WORKDAY), 统计异常 (OUTLIER).

Patterns in time (30 days, 7 days) are window functions over the payments of one unit and
payee (who is paid: the name normalised, whatever the account) ordered by day number
(``RANGE … FOLLOWING``), which SQLite (3.28+) and PostgreSQL share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from renda.budget.models import ClassificationItem, Payment, Scheme, Severity
from renda.budget.warning_rules.base import (
    BUDGET_TYPE_LABELS,
    CAL,
    EVIDENCE_CAP,
    EVIDENCE_GROUPS,
    PAY,
    Context,
    Found,
    Shared,
    as_date,
    aside,
    day_number,
    is_postgres,
    like_any,
    masked_payee,
    money,
    more,
    num,
    payee_keys,
    payment_title,
    placeholders,
    rows,
    scan,
    unit_label,
    unit_names,
    weekday_of,
    yuan,
)
from renda.core.masking import mask_personal
from renda.core.models import CalendarDay
from renda.core.money import money_sql, money_sum_sql
from renda.core.words import Words, listing, say

WEEKDAYS = (
    gettext_noop("Monday"),
    gettext_noop("Tuesday"),
    gettext_noop("Wednesday"),
    gettext_noop("Thursday"),
    gettext_noop("Friday"),
    gettext_noop("Saturday"),
    gettext_noop("Sunday"),
)
PAYMENT_COLUMNS = "voucher_no, pay_date, unit_code, amount, payee_name, payee_type, purpose"


def _payment_finding(
    ctx: Context, row: Sequence[Any], names: dict[str, str], severity: str, why: Words
) -> Found:
    voucher, day, unit, amount, payee, payee_type, purpose = row[:7]
    day, amount = as_date(day), money(amount)
    assert day is not None
    return Found(
        key=str(voucher),
        severity=severity,
        unit_code=str(unit),
        subject=payment_title(names, str(unit), payee, payee_type, amount),
        amount=amount,
        message=say(
            gettext_noop(
                "%(unit)s: voucher %(voucher)s (%(day)s) paid %(payee)s %(amount)s yuan%(purpose)s; %(why)s"
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


def large_payment(ctx: Context) -> list[Found]:
    """大额支付: one payment at or above the threshold of its budget type."""
    thresholds: dict[str, Decimal] = ctx.params["threshold"]
    conditions, params = [], []
    for bt, limit in sorted(thresholds.items()):
        conditions.append("(budget_type = %s AND amount >= %s)")
        params += [int(bt), num(limit)]
    found_rows = rows(
        f"SELECT {PAYMENT_COLUMNS}, budget_type FROM {scan()} WHERE region_code = %s AND year = %s "
        f"AND pay_date <= %s AND ({' OR '.join(conditions)}) ORDER BY pay_date, voucher_no",
        [ctx.region, ctx.year, ctx.paid_until, *params],
    )
    names = unit_names(ctx.region, [r[2] for r in found_rows])
    found = []
    for row in found_rows:
        limit = thresholds[str(row[7])]
        if money(row[3]) < limit:
            continue
        found.append(
            _payment_finding(
                ctx,
                row,
                names,
                Severity.YELLOW,
                say(
                    gettext_noop(
                        "reaching the single large payment threshold of the %(budget_type)s, %(limit)s yuan."
                    ),
                    budget_type=say(BUDGET_TYPE_LABELS[row[7]]) if row[7] in BUDGET_TYPE_LABELS else "",
                    limit=yuan(limit),
                ),
            )
        )
    return found


def individual_large(ctx: Context) -> list[Found]:
    """向个人大额支付: a payment of at least ``threshold`` to a payee of type 个人 outside the
    economic codes of payments to individuals and families."""
    threshold: Decimal = ctx.params["threshold"]
    exempt: list[str] = ctx.params["exempt_econ_prefixes"]
    outside, outside_params = like_any("econ_code", exempt)
    found_rows = rows(
        f"SELECT {PAYMENT_COLUMNS}, econ_code FROM {scan()} WHERE region_code = %s AND year = %s "
        f"AND pay_date <= %s AND payee_type = %s AND amount >= %s AND NOT {outside} "
        f"ORDER BY pay_date, voucher_no",
        [
            ctx.region,
            ctx.year,
            ctx.paid_until,
            Payment.PayeeType.PERSON.value,
            num(threshold),
            *outside_params,
        ],
    )
    names = unit_names(ctx.region, [r[2] for r in found_rows])
    exempt_text = (
        say(
            gettext_noop(", not an economic class of aid to individuals and families (%(classes)s)"),
            classes=listing(exempt),
        )
        if exempt
        else ""
    )
    return [
        _payment_finding(
            ctx,
            row,
            names,
            Severity.YELLOW,
            say(
                gettext_noop(
                    "economic class %(econ)s%(exempt)s, reaching the threshold of large payments to "
                    "individuals, %(threshold)s yuan."
                ),
                econ=row[7] or say(gettext_noop("not given")),
                exempt=exempt_text,
                threshold=yuan(threshold),
            ),
        )
        for row in found_rows
        if money(row[3]) >= threshold
    ]


class Payees:
    """How a rule reads who is paid: ``source`` (the payments as ``p``, joined to the year's
    payee keys when some names need one) and ``key`` (the payee's normalised name: see
    :func:`payee_keys`). Made for a rule's evaluation, closed after it."""

    def __init__(self, ctx: Context) -> None:
        self.own = ctx.shared is None
        self.shared = Shared() if ctx.shared is None else ctx.shared
        self.keys = keys = payee_keys(ctx, self.shared)
        self.source = f"{scan('p')} LEFT JOIN {keys} m ON m.name = p.payee_name" if keys else scan("p")
        self.key = "COALESCE(m.k, p.payee_name)" if keys else "p.payee_name"

    def close(self) -> None:
        if self.own:
            self.shared.close()


def _accounts(accounts: list[str]) -> list[str]:
    """The payee's accounts as a finding lists them: masked (personal data), in order paid."""
    return [mask_personal(a) for a in accounts]


def _several_accounts(accounts: list[str]) -> Words:
    """ "，分别付入 3 个收款账户（622*********1234、…）" for a payee paid into several accounts."""
    if len(accounts) < 2:
        return ""
    return say(
        gettext_noop(", into %(n)s payee accounts (%(accounts)s%(etc)s)"),
        n=str(len(accounts)),
        accounts=listing(_accounts(accounts[:5])),
        etc=say(gettext_noop(" and more")) if len(accounts) > 5 else "",
    )


def _add_account(accounts: list[str], account: Any) -> None:
    if account and account not in accounts:
        accounts.append(str(account))


def split_payment(ctx: Context) -> list[Found]:
    """拆分支付: at least ``min_payments`` payments by one unit to one payee within
    ``window_days`` days, each below the procurement threshold, together reaching it.

    A payee is who is paid: its name normalised (:func:`payee_keys`), whatever the accounts it
    was paid into (they are listed in the evidence). A window starts at each payment (the
    payments of the same unit and payee dated from it up to ``window_days`` days later);
    windows that qualify and overlap make one finding, keyed by its first voucher, so the same
    data gives the same finding on every run."""
    p = ctx.params
    minimum, window, threshold = p["min_payments"], int(p["window_days"]), p["procurement_threshold"]
    payees = Payees(ctx)
    try:
        covered = _split_covered(ctx, payees, minimum, window, threshold)
    finally:
        payees.close()
    # Group the covered payments into runs of overlapping windows (Python sees only these rows).
    runs: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for unit, key, payee, account, payee_type, voucher, day, _number, amount, cover in covered:
        partition = (unit, key)
        if current is None or current["partition"] != partition or cover > current["end"]:
            current = {
                "partition": partition,
                "payee": payee,
                "payee_type": payee_type,
                "end": cover + window,
                "vouchers": [],
                "days": [],
                "accounts": [],
                "total": Decimal(0),
            }
            runs.append(current)
        current["end"] = max(current["end"], cover + window)
        current["vouchers"].append(str(voucher))
        current["days"].append(as_date(day))
        _add_account(current["accounts"], account)
        current["total"] += money(amount)
    names = unit_names(ctx.region, [r["partition"][0] for r in runs])
    found = []
    for run in runs:
        unit = run["partition"][0]
        payee = masked_payee(run["payee"], run["payee_type"])
        n, first, last = len(run["vouchers"]), run["days"][0], run["days"][-1]
        found.append(
            Found(
                key=f"{unit}|{run['vouchers'][0]}",
                severity=Severity.RED,
                unit_code=str(unit),
                subject=[unit_names_or(names, unit), " → ", payee],
                amount=run["total"],
                message=say(
                    gettext_noop(
                        "%(unit)s paid %(payee)s %(n)s times from %(first)s to %(last)s%(accounts)s, each "
                        "under the procurement limit of %(threshold)s yuan, together reaching it within "
                        "%(window)s days (%(total)s yuan in all): a payment split to avoid procurement is "
                        "suspected.%(more)s"
                    ),
                    unit=unit_label(names, unit),
                    first=first.isoformat(),
                    last=last.isoformat(),
                    payee=payee,
                    n=str(n),
                    accounts=_several_accounts(run["accounts"]),
                    threshold=yuan(threshold),
                    window=str(window),
                    total=yuan(run["total"]),
                    more=more(n, min(n, EVIDENCE_CAP)),
                ),
                vouchers=run["vouchers"],
                accounts=_accounts(run["accounts"]),
            )
        )
    return found


def _split_covered(
    ctx: Context, payees: Payees, minimum: int, window: int, threshold: Decimal
) -> list[tuple[Any, ...]]:
    """The payments of SPLIT_PAYMENT's qualifying windows, each with the latest start of a
    qualifying window that covers it, ordered by unit, payee and day."""
    d = day_number("p.pay_date")
    part = "PARTITION BY unit_code, payee ORDER BY d"
    key = payees.key
    below = "p.region_code = %s AND p.year = %s AND p.pay_date <= %s AND p.amount < %s AND p.amount > 0"
    below += f" AND {key} <> ''"
    below_params = [ctx.region, ctx.year, ctx.paid_until, num(threshold)]
    # Only a unit and payee with enough such payments in the year, together reaching the
    # threshold, can hold a window that does: the windows are computed for those alone. The
    # grouping is computed once (MATERIALIZED: PostgreSQL would otherwise repeat it in every
    # parallel worker of the join); on PostgreSQL it groups a 64-bit hash of unit and payee, a
    # narrow key for millions of pairs (a collision only lets another pair's windows be computed).
    if is_postgres():
        # The payments are then picked by unit first, so that only those of the units concerned
        # look their payee's key up (as on SQLite below).
        pair = f"p.unit_code, hashtextextended(p.unit_code || '|' || {key}, 0)"
        pairs = f"p.unit_code AS u, hashtextextended(p.unit_code || '|' || {key}, 0) AS h"
        match = (
            f"p.unit_code IN (SELECT u FROM r) AND hashtextextended(p.unit_code || '|' || {key}, 0) "
            f"IN (SELECT h FROM r)"
        )
    else:
        # SQLite sorts to group. The payments are then picked by unit first, so that only those
        # of the units concerned look their payee's key up.
        pair = f"p.unit_code, {key}"
        pairs = f"p.unit_code AS u, {key} AS k"
        match = f"p.unit_code IN (SELECT u FROM r) AND ({pair}) IN (SELECT u, k FROM r)"
    # the window's total, exact: integer fen on SQLite (see renda.core.money), in yuan
    window_total = (
        f"SUM({money_sql('amount')}) OVER ({part} RANGE BETWEEN CURRENT ROW AND {window} FOLLOWING)"
    )
    if not is_postgres():
        window_total = f"({window_total}) / 100.0"
    return rows(
        f"WITH r AS MATERIALIZED (SELECT {pairs} FROM {payees.source} WHERE {below} GROUP BY {pair} "
        f"HAVING COUNT(*) >= %s AND {money_sum_sql('p.amount', yuan=True)} >= %s), "
        f"b AS (SELECT p.voucher_no, p.unit_code, {key} AS payee, p.payee_name, p.payee_account, "
        f"p.payee_type, p.amount, p.pay_date, {d} AS d FROM {payees.source} WHERE {below} AND {match}), "
        f"w AS (SELECT b.*, COUNT(*) OVER ({part} RANGE BETWEEN CURRENT ROW AND {window} FOLLOWING) AS n, "
        f"{window_total} AS total FROM b), "
        f"q AS (SELECT w.*, CASE WHEN n >= %s AND ROUND(total, 2) >= %s THEN d END AS qd FROM w), "
        f"c AS (SELECT q.*, MAX(qd) OVER ({part} RANGE BETWEEN {window} PRECEDING AND CURRENT ROW) AS cover "
        f"FROM q) "
        f"SELECT unit_code, payee, payee_name, payee_account, payee_type, voucher_no, pay_date, d, amount, "
        f"cover FROM c WHERE cover IS NOT NULL ORDER BY unit_code, payee, d, voucher_no",
        [*below_params, minimum, num(threshold), *below_params, minimum, num(threshold)],
    )


def unit_names_or(names: dict[str, str], code: str) -> str:
    return names.get(code, code)


def duplicate_payment(ctx: Context) -> list[Found]:
    """重复支付: payments by one unit to one payee of the same amount within ``window_days`` days
    of each other, under different vouchers. A payee is who is paid, whatever the account (see
    :func:`split_payment`): the same amount paid twice into two accounts of one company is a
    duplicate too."""
    window = int(ctx.params["window_days"])
    d = day_number("p.pay_date")
    scope = "p.region_code = %s AND p.year = %s AND p.pay_date <= %s AND p.amount > 0"
    scope_params = [ctx.region, ctx.year, ctx.paid_until]
    payees = Payees(ctx)
    key = payees.key
    # Only payments whose unit, payee and amount recur at all are ordered in time (the grouping
    # computed once: see split_payment). SQLite sorts to group: there by unit and amount only, a
    # narrower key that sorts faster and lets through hardly more (an amount recurs in a unit
    # to other payees rarely); the windows are still the payee's own. So does PostgreSQL when
    # some names need their key looked up: then only the payments let through look it up.
    if is_postgres() and payees.keys is None:
        recur = "p.unit_code, p.payee_name, p.amount"
    else:
        recur = "p.unit_code, p.amount"
    recur_source = scan("p")
    try:
        near = rows(
            f"WITH r AS MATERIALIZED (SELECT {recur} FROM {recur_source} "
            f"WHERE {scope} GROUP BY {recur} HAVING COUNT(*) > 1) "
            f"SELECT unit_code, payee, payee_name, payee_account, payee_type, amount, voucher_no, pay_date, "
            f"d FROM (SELECT unit_code, payee, payee_name, payee_account, payee_type, amount, voucher_no, "
            f"pay_date, d, LAG(d) OVER w AS prev_d, LEAD(d) OVER w AS next_d FROM "
            f"(SELECT p.unit_code, {key} AS payee, p.payee_name, p.payee_account, p.payee_type, p.amount, "
            f"p.voucher_no, p.pay_date, {d} AS d "
            f"FROM {payees.source} WHERE {scope} AND ({recur}) IN (SELECT * FROM r)) y "
            f"WINDOW w AS (PARTITION BY unit_code, payee, amount ORDER BY d, voucher_no)) x "
            f"WHERE (prev_d IS NOT NULL AND d - prev_d <= %s) OR (next_d IS NOT NULL AND next_d - d <= %s) "
            f"ORDER BY unit_code, payee, amount, d, voucher_no",
            [*scope_params, *scope_params, window, window],
        )
    finally:
        payees.close()
    groups: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for unit, key_, payee, account, payee_type, amount, voucher, day, number in near:
        partition = (unit, key_, amount)
        if current is None or current["partition"] != partition or number - current["last"] > window:
            current = {
                "partition": partition,
                "payee": payee,
                "payee_type": payee_type,
                "vouchers": [],
                "days": [],
                "accounts": [],
            }
            groups.append(current)
        current["last"] = number
        current["vouchers"].append(str(voucher))
        current["days"].append(as_date(day))
        _add_account(current["accounts"], account)
    names = unit_names(ctx.region, [g["partition"][0] for g in groups])
    found = []
    for group in groups:
        unit, _key, amount = group["partition"]
        payee = masked_payee(group["payee"], group["payee_type"])
        amount, n = money(amount), len(group["vouchers"])
        days = listing(sorted({day.isoformat() for day in group["days"]}))
        shown = group["vouchers"][:10]
        found.append(
            Found(
                key=f"{unit}|{group['vouchers'][0]}",
                severity=Severity.YELLOW,
                unit_code=str(unit),
                subject=[unit_names_or(names, unit), " → ", payee],
                amount=amount * (n - 1),
                message=say(
                    gettext_noop(
                        "%(unit)s paid %(payee)s the same amount of %(amount)s yuan %(n)s times on %(days)s "
                        "(vouchers %(vouchers)s%(etc)s)%(accounts)s, no more than %(window)s days apart: "
                        "%(duplicate)s yuan paid twice is suspected."
                    ),
                    unit=unit_label(names, unit),
                    days=days,
                    payee=payee,
                    amount=yuan(amount),
                    n=str(n),
                    vouchers=listing(shown),
                    etc=say(gettext_noop(" and more")) if n > len(shown) else "",
                    accounts=_several_accounts(group["accounts"]),
                    window=str(window),
                    duplicate=yuan(amount * (n - 1)),
                ),
                vouchers=group["vouchers"],
                accounts=_accounts(group["accounts"]),
            )
        )
    return found


def non_workday(ctx: Context) -> list[Found]:
    """非工作日支付: payments dated on a day that is not a working day of the calendar (a public
    holiday, or a Saturday or Sunday that is not an adjusted working day), one finding per unit
    and day. The year's payment days are few: they are checked against the calendar first, then
    only the payments of the days off are read."""
    days = rows(
        f"SELECT x.day, c.kind, c.name FROM (SELECT DISTINCT pay_date AS day FROM {PAY} "
        f"WHERE region_code = %s "
        f"AND year = %s AND pay_date <= %s) x LEFT JOIN {CAL} c ON c.date = x.day "
        f"WHERE c.kind = %s OR (c.kind IS NULL AND {weekday_of('x.day')} IN (0, 6)) ORDER BY x.day",
        [ctx.region, ctx.year, ctx.paid_until, CalendarDay.Kind.HOLIDAY.value],
    )
    if not days:
        return []
    festival = {as_date(day): (name or "") for day, _kind, name in days}
    off_days = sorted(d for d in festival if d is not None)
    groups: dict[tuple[str, dt.date], dict[str, Any]] = {}
    for start in range(0, len(off_days), 200):
        part = off_days[start : start + 200]
        for unit, day, n, total in rows(
            f"SELECT unit_code, pay_date, COUNT(*), {money_sum_sql('amount', yuan=True)} "
            f"FROM {PAY} WHERE region_code = %s "
            f"AND year = %s AND pay_date IN ({placeholders(part)}) GROUP BY unit_code, pay_date",
            [ctx.region, ctx.year, *part],
        ):
            paid_on = as_date(day)
            assert paid_on is not None
            groups[(str(unit), paid_on)] = {"n": n, "total": money(total), "vouchers": []}
    # The vouchers of each unit and day (of the largest, in a flood), the largest payment first.
    largest = sorted(groups, key=lambda g: -groups[g]["total"])[:EVIDENCE_GROUPS]
    for start in range(0, len(largest), 500):
        pairs = largest[start : start + 500]
        for unit, day, voucher in rows(
            f"SELECT unit_code, pay_date, voucher_no FROM (SELECT unit_code, pay_date, voucher_no, "
            f"ROW_NUMBER() OVER (PARTITION BY unit_code, pay_date ORDER BY amount DESC, voucher_no) AS rn "
            f"FROM {PAY} WHERE region_code = %s AND year = %s "
            f"AND pay_date IN ({placeholders(sorted({d for _u, d in pairs}))}) "
            f"AND (unit_code, pay_date) IN (VALUES {', '.join(['(%s, %s)'] * len(pairs))})) r "
            f"WHERE rn <= %s ORDER BY unit_code, pay_date, rn",
            [
                ctx.region,
                ctx.year,
                *sorted({d for _u, d in pairs}),
                *[v for pair in pairs for v in pair],
                EVIDENCE_CAP,
            ],
        ):
            paid_on = as_date(day)
            assert paid_on is not None
            groups[(str(unit), paid_on)]["vouchers"].append(str(voucher))
    names = unit_names(ctx.region, [unit for unit, _day in groups])
    found = []
    for (unit, day), group in sorted(groups.items()):
        name = festival.get(day, "")
        kind = (
            say(gettext_noop("the %(festival)s holiday"), festival={"festival": name})
            if name
            else say(gettext_noop("Weekend"))
        )
        weekday = say(WEEKDAYS[day.weekday()])
        found.append(
            Found(
                key=f"{unit}|{day.isoformat()}",
                severity=Severity.YELLOW,
                unit_code=unit,
                subject=f"{names.get(unit, unit)} {day.isoformat()}",
                amount=group["total"],
                message=say(
                    gettext_noop(
                        "%(unit)s made %(n)s payments on %(day)s (%(weekday)s, %(kind)s, not a working day), "
                        "%(total)s yuan in all.%(more)s"
                    ),
                    unit=unit_label(names, unit),
                    day=day.isoformat(),
                    weekday=weekday,
                    kind=kind,
                    n=str(group["n"]),
                    total=yuan(group["total"]),
                    more=more(group["n"], len(group["vouchers"])),
                ),
                vouchers=group["vouchers"],
            )
        )
    return found


def outlier(ctx: Context) -> list[Found]:
    """统计异常: a payment above the mean plus ``sigmas`` standard deviations of the payments of
    its unit and economic class (类, the first three digits), in groups of at least
    ``min_group`` payments.

    SQLite has no STDDEV: the variance is AVG(x²) − AVG(x)², in double precision (a statistical
    signal needs no fen, and PostgreSQL's numeric arithmetic would cost seconds at scale); the
    line (mean + k·σ, SQRT is Django's on SQLite) is worked out once per group, so each payment
    is only compared with it."""
    sigmas: Decimal = ctx.params["sigmas"]
    min_group: int = ctx.params["min_group"]
    scope = "region_code = %s AND year = %s AND pay_date <= %s AND econ_code <> ''"
    scope_params = [ctx.region, ctx.year, ctx.paid_until]
    x = "CAST(amount AS DOUBLE PRECISION)"
    # The groups' lines are a small temporary table indexed on (unit, class): each payment looks
    # its group up there. The lowest line of all groups bounds the payments worth looking up:
    # most payments are below it, and the scan drops them first. (In one statement, with the
    # groups a CTE that the bound reads too, SQLite compared each payment left after the bound
    # with every group: seconds at 10^6 payments.)
    groups = Shared()
    try:
        g = groups.table(
            "outlier_groups",
            f"SELECT unit_code, cls, n, m, SQRT(m2 - m * m) AS sd, m + %s * SQRT(m2 - m * m) AS line FROM "
            f"(SELECT unit_code, SUBSTR(econ_code, 1, 3) AS cls, COUNT(*) AS n, AVG({x}) AS m, "
            f"AVG({x} * {x}) AS m2 FROM {scan()} WHERE {scope} GROUP BY unit_code, SUBSTR(econ_code, 1, 3) "
            f"HAVING COUNT(*) >= %s) s WHERE m2 - m * m > 0",
            [float(sigmas), *scope_params, min_group],
            "unit_code, cls",
        )
        ((lowest,),) = rows(f"SELECT MIN(line) FROM {g}")
        if lowest is None:
            return []
        # CROSS JOIN (with the join condition in WHERE) makes SQLite loop over the payments and
        # search the groups' index; PostgreSQL plans it as any inner join.
        found_rows = rows(
            f"SELECT p.voucher_no, p.pay_date, p.unit_code, p.amount, p.payee_name, p.payee_type, p.purpose, "
            f"g.cls, g.n, g.m, g.sd FROM {scan('p')} CROSS JOIN {g} g "
            f"WHERE g.unit_code = p.unit_code AND g.cls = SUBSTR(p.econ_code, 1, 3) "
            f"AND p.region_code = %s AND p.year = %s AND p.pay_date <= %s AND p.econ_code <> '' "
            f"AND p.amount > %s AND p.amount > g.line "
            f"ORDER BY p.unit_code, p.pay_date, p.voucher_no",
            [*scope_params, float(lowest)],
        )
    finally:
        groups.close()
    names = unit_names(ctx.region, [r[2] for r in found_rows])
    classes = dict(
        ClassificationItem.objects.filter(
            year=ctx.year, scheme__in=[Scheme.ECON_DEPT, Scheme.ECON_GOV], code__in={r[7] for r in found_rows}
        ).values_list("code", "name")
    )
    found = []
    for row in found_rows:
        cls, n, mean, sd = row[7], row[8], float(row[9]), float(row[10])
        amount = float(row[3])
        z = (amount - mean) / sd if sd else 0.0
        label = f"{cls} {classes[cls]}" if cls in classes else str(cls)
        found.append(
            _payment_finding(
                ctx,
                row,
                names,
                Severity.YELLOW,
                say(
                    gettext_noop(
                        "%(z)s standard deviations above the mean of %(mean)s yuan of the unit's "
                        "%(n)s payments of the economic class “%(label)s” (standard deviation %(sd)s yuan, "
                        "the line is drawn at %(sigmas)s). This is a statistical signal to look at, "
                        "not a finding of a breach."
                    ),
                    label=label,
                    n=str(n),
                    mean=yuan(Decimal(str(round(mean, 2)))),
                    z=f"{z:.1f}",
                    sd=yuan(Decimal(str(round(sd, 2)))),
                    sigmas=str(sigmas),
                ),
            )
        )
    return found
