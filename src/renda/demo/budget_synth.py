"""Deterministic synthetic budget years, written as data-interface CSV files.

Used by the demo county (:mod:`renda.demo.budget`), the scale benchmark
(``benchmarks/budget_scale.py``) and the tests. Everything comes from one ``random.Random``
seeded by the caller, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

from renda.budget.services.imports import BASELINE_DIR
from renda.demo.county import DEPARTMENTS

DEPARTMENT_NAMES = [
    "教育局",
    "卫生健康局",
    "民政局",
    "人力资源和社会保障局",
    "农业农村局",
    "水利局",
    "交通运输局",
    "住房和城乡建设局",
    "自然资源局",
    "生态环境局",
    "公安局",
    "司法局",
    "财政局",
    "发展和改革局",
    "文化和旅游局",
    "市场监督管理局",
    "应急管理局",
    "退役军人事务局",
    "林业局",
    "统计局",
]
SUB_UNIT_SUFFIXES = ["机关", "第一中心", "第二中心", "服务站", "事务所", "监测站", "执法大队", "学校"]
PAYEE_COMPANIES = [
    "建设工程有限公司",
    "信息技术有限公司",
    "物业服务有限公司",
    "医药有限公司",
    "印务有限公司",
    "餐饮管理有限公司",
    "汽车服务有限公司",
    "办公用品有限公司",
    "电力公司",
    "通信分公司",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
BUDGET_SHARE = [(1, 0.78), (2, 0.12), (3, 0.02), (4, 0.08)]
HUNDRED = Decimal(100)
INDICATOR_COLUMNS = [
    "indicator_no",
    "unit_code",
    "function_code",
    "econ_code",
    "budget_type",
    "project_code",
    "project_name",
    "fund_source",
    "original_amount",
    "adjusted_amount",
    "issued_date",
]
# The irregularities a sized year keeps (see :func:`size_indicators`): the share of units whose
# execution lags, and their execution as a share of time progress; the share of the generator's
# adjusted indicators whose adjustment stays large; the share of paid indicators paid over.
LAGGING_UNIT_SHARE, LAGGING_FACTORS = 0.005, (0.55, 0.70, 0.78)
BIG_ADJUSTMENT_SHARE = 0.01
OVER_PAID_SHARE = 0.001


def _codes(name: str, levels: set[str]) -> list[str]:
    with (BASELINE_DIR / name).open(encoding="utf-8") as f:
        return [row["code"] for row in csv.DictReader(f) if row["level"] in levels]


@dataclass
class Year:
    """What was generated, for callers that plant irregularities or check totals."""

    year: int
    units: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, parent
    indicators: list[tuple[str, str, str, str, int, str]] = field(default_factory=list)
    # indicator_no, unit, function, econ, budget type, project
    lagging: list[str] = field(default_factory=list)  # units sized to lag time progress


def _budget_type(rng: random.Random) -> int:
    x, acc = rng.random(), 0.0
    for code, share in BUDGET_SHARE:
        acc += share
        if x < acc:
            return code
    return 1


def department_name(base: str) -> str:
    """A department's budget-unit name, the same as its organisation's in the demo county (县教育局 in
    代表建议, 网上家站 and 预算联网监督 alike): one source, :data:`renda.demo.county.DEPARTMENTS`."""
    for _code, name, _short, _head in DEPARTMENTS:
        if name.endswith(base) and len(name) - len(base) <= 1:
            return name
    return f"县{base}"


def write_units(path: Path, rng: random.Random, n_units: int, plan: Year) -> None:
    departments = max(1, min(len(DEPARTMENT_NAMES) * 10, n_units // 5))
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit_code", "unit_name", "parent_code", "unit_kind"])
        made = 0
        for d in range(departments):
            if made >= n_units:
                break
            code = f"{101 + d:03d}"
            base = DEPARTMENT_NAMES[d % len(DEPARTMENT_NAMES)]
            name = department_name(base) + (
                f"（{d // len(DEPARTMENT_NAMES) + 1}）" if d >= len(DEPARTMENT_NAMES) else ""
            )
            w.writerow([code, name, "", "行政单位"])
            plan.units.append((code, name, ""))
            made += 1
        d = 0
        while made < n_units:
            parent = plan.units[d % departments]
            k = sum(1 for u in plan.units if u[2] == parent[0]) + 1
            code = f"{parent[0]}{k:03d}"
            name = parent[1] + SUB_UNIT_SUFFIXES[(k - 1) % len(SUB_UNIT_SUFFIXES)] + (f"{k}" if k > 8 else "")
            w.writerow([code, name, parent[0], "事业单位" if k > 1 else "行政单位"])
            plan.units.append((code, name, parent[0]))
            made += 1
            d += 1


def draw_indicators(rng: random.Random, n: int, plan: Year, *, realistic: bool = False) -> list[list[str]]:
    """``n`` indicator rows (:data:`INDICATOR_COLUMNS`), with the generator's amounts: drawn
    without regard to what is paid against them (:func:`size_indicators` sets them from that).
    ``realistic``: economic codes in a county's proportions (:func:`realistic_econ_codes`)."""
    functions = _codes("function-classification.csv", {"2", "3"})
    if realistic:  # (人大事务 is the congress's own line: see extra_lines)
        functions = [f for f in functions if not f.startswith("20101")]
    econs = (
        realistic_econ_codes(rng) if realistic else _codes("economic-classification-department.csv", {"2"})
    )
    leaves = [u for u in plan.units]
    out: list[list[str]] = []
    # A department spends under a few functional codes of its own (教育局 under 205…), its
    # units under those: the realistic shape that keeps the monthly summary small.
    own: dict[str, list[str]] = {}
    for code, _name, parent in plan.units:
        if not parent:
            own[code] = rng.sample(functions, k=min(len(functions), rng.randint(3, 8)))
    for i in range(n):
        unit = leaves[int(len(leaves) * rng.random() ** 1.5)]  # skew: a few units hold much
        function = rng.choice(own[unit[2] or unit[0]])
        econ = rng.choice(econs)
        bt = _budget_type(rng)
        project = f"P{plan.year}{i // 3:05d}"
        original = rng.randint(5, 4000) * 1000 + rng.randint(0, 99) * 10
        adjusted = 0 if rng.random() < 0.8 else rng.randint(-original // 4000, original // 2000) * 1000
        issued = dt.date(plan.year, 1, 1) + dt.timedelta(days=rng.randint(0, 90))
        number = f"ZB{plan.year}{i + 1:06d}"
        out.append(
            [
                number,
                unit[0],
                function,
                econ,
                str(bt),
                project,
                f"{unit[1]}项目{i // 3 + 1}",
                "一般公共预算拨款" if bt == 1 else "其他资金",
                f"{original}.00",
                f"{adjusted}.00",
                issued.isoformat(),
            ]
        )
        plan.indicators.append((number, unit[0], function, econ, bt, project))
    return out


def write_indicators(path: Path, rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(INDICATOR_COLUMNS)
        w.writerows(rows)


# --- sizing the indicators from their payments (shared with the demo's calibration) ---------------


def time_progress(until: dt.date) -> float:
    """The share of ``until``'s year elapsed by the end of ``until``."""
    start = dt.date(until.year, 1, 1)
    days = (dt.date(until.year, 12, 31) - start).days + 1
    return ((until - start).days + 1) / days


def unit_factors(units: Sequence[str], rng: random.Random) -> dict[str, float]:
    """Each unit's pace: its execution as a share of time progress, 0.94–1.06 (most units close
    to time progress)."""
    return {unit: rng.uniform(0.94, 1.06) for unit in sorted(units)}


def execution_target(target: float, rng: random.Random) -> float:
    """One indicator's execution (paid over current amount): ``target`` give or take 8%, under
    98.5% (an indicator paid in full is rare)."""
    return min(0.985, target * rng.uniform(0.92, 1.08))


def sized_amounts(
    spent: Decimal,
    execution: float,
    adjusted_sign: int,
    rng: random.Random,
    change: tuple[float, float] = (0.03, 0.16),
) -> tuple[Decimal, Decimal]:
    """(original, adjustment) of an indicator that ``spent`` was paid against, ``execution`` of its
    current amount (rounded up to 100 yuan). An adjusted indicator (``adjusted_sign`` ±1; 0 for
    none) changed by a share in ``change`` of its current amount, to the thousand yuan."""
    current = (spent / Decimal(str(execution)) / HUNDRED).to_integral_value(ROUND_CEILING) * HUNDRED
    adjusted = Decimal(0)
    if adjusted_sign:
        adjusted = (
            current * Decimal(str(adjusted_sign * rng.uniform(*change))) / 1000
        ).to_integral_value() * 1000
    return current - adjusted, adjusted


def size_indicators(
    rows: Sequence[list[str]],
    paid_cents: Sequence[int],
    rng: random.Random,
    plan: Year,
    until: dt.date,
) -> None:
    """Set each indicator's amounts (in place) from what was paid against it up to ``until``, the
    last day of the payments, as the demo's calibration does: execution follows time progress,
    most units close to it. The generator's adjustments keep their sign but stay within ±16%.
    A realistic handful of irregularities is kept for the warning rules: a few units lag
    (:data:`LAGGING_UNIT_SHARE`), a few adjustments stay large (:data:`BIG_ADJUSTMENT_SHARE`), a
    few indicators are paid over (:data:`OVER_PAID_SHARE`), and an indicator nothing was paid
    against keeps the generator's amount (idle)."""
    units = sorted({row[1] for row in rows})
    factor = unit_factors(units, rng)
    candidates = [u for u in units if len(u) > 3] or units  # units under a department
    k = min(len(candidates), max(1, round(len(units) * LAGGING_UNIT_SHARE)))
    plan.lagging = rng.sample(candidates, k=k)
    for n, unit in enumerate(plan.lagging):
        factor[unit] = LAGGING_FACTORS[n % len(LAGGING_FACTORS)]
    progress = time_progress(until)
    for row, cents in zip(rows, paid_cents, strict=True):
        if cents <= 0:
            continue  # nothing was paid against it: the generator's amount (an idle indicator)
        spent = Decimal(cents) / HUNDRED
        adjusted = Decimal(row[9])
        sign = 0 if adjusted == 0 else (1 if adjusted > 0 else -1)
        change = (0.03, 0.16)
        if sign and rng.random() < BIG_ADJUSTMENT_SHARE:
            sign, change = 1, (0.5, 0.8)  # 追加 of more than half again: a large adjustment
        if rng.random() < OVER_PAID_SHARE:
            execution = rng.uniform(1.02, 1.2)  # paid over its indicator
        else:
            execution = execution_target(progress * factor[row[1]], rng)
        original, adjusted = sized_amounts(spent, execution, sign, rng, change)
        row[8], row[9] = f"{original:.2f}", f"{adjusted:.2f}"


def payee(rng: random.Random) -> tuple[str, str, str]:
    if rng.random() < 0.25:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        return name, f"62{rng.randint(10**15, 10**16 - 1)}", "个人"
    name = "示范县" + rng.choice(["城关", "东关", "北塬", "南川", "河西"]) + rng.choice(PAYEE_COMPANIES)
    return name, f"{rng.randint(10**15, 10**16 - 1)}", "单位"


def working_day_map(year: int, until: dt.date) -> dict[dt.date, dt.date]:
    """工作日映射: every day of the year up to ``until`` → itself when a working day, else the nearest
    working day (the earlier one on a tie) within the year and not after ``until``."""
    from renda.core.calendar import WorkingCalendar  # the working-day calendar in the database

    start = dt.date(year, 1, 1)
    calendar = WorkingCalendar(start, until)
    days = [start + dt.timedelta(days=n) for n in range((until - start).days + 1)]
    working = [d for d in days if calendar.is_working_day(d)]
    mapping: dict[dt.date, dt.date] = {}
    for day in days:
        at = bisect.bisect_left(working, day)
        if at < len(working) and working[at] == day:
            mapping[day] = day
            continue
        before = working[at - 1] if at > 0 else None
        after = working[at] if at < len(working) else None
        if before is None or (after is not None and (after - day) < (day - before)):
            mapping[day] = after  # type: ignore[assignment]
        else:
            mapping[day] = before
    return mapping


def write_payments(
    path: Path,
    rng: random.Random,
    n: int,
    plan: Year,
    *,
    start: int = 0,
    until: dt.date | None = None,
    realistic: bool = False,
) -> list[int]:
    """``n`` payments against the indicators, skewed (a few lines take most payments), to year end
    (or ``until``). Returns what was paid against each indicator of ``plan`` (fen, in its order):
    the payments are written as they are drawn, never held. ``realistic``: each payment's payee
    and amount follow its economic class (:class:`Payees`)."""
    indicators = plan.indicators
    payees = [payee(rng) for _ in range(max(50, min(5000, n // 20)))]
    county = Payees.draw(rng) if realistic else None
    purposes = [
        "办公费",
        "差旅费",
        "工程款",
        "设备采购",
        "劳务费",
        "会议费",
        "培训费",
        "维修费",
        "物业费",
        "工资",
    ]
    last_day = ((until or dt.date(plan.year, 12, 31)) - dt.date(plan.year, 1, 1)).days
    # the treasury pays on working days: a drawn weekend or holiday moves to the nearest one
    to_working = working_day_map(plan.year, until or dt.date(plan.year, 12, 31))
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "voucher_no",
                "pay_date",
                "unit_code",
                "function_code",
                "econ_code",
                "budget_type",
                "project_code",
                "indicator_no",
                "payee_name",
                "payee_account",
                "payee_type",
                "amount",
                "pay_method",
                "purpose",
            ]
        )
        rand, n_ind, n_payees = rng.random, len(indicators), len(payees)
        paid = [0] * n_ind
        for i in range(start, start + n):
            at = int(n_ind * rand() ** 2)
            ind = indicators[at]
            p = payees[int(n_payees * rand() ** 1.3)]
            day = dt.date(plan.year, 1, 1) + dt.timedelta(days=min(last_day, int(last_day * rand() ** 0.8)))
            day = to_working[day]
            cents = int(rand() * 5_000_000) + 1000
            purpose = purposes[i % len(purposes)]
            if county is not None:
                name, account, payee_type, cents, purpose = county.for_econ(ind[3], rng)
                p = (name, account, payee_type)
            paid[at] += cents
            w.writerow(
                [
                    f"PZ{plan.year}{i + 1:08d}",
                    day.isoformat(),
                    ind[1],
                    ind[2],
                    ind[3],
                    ind[4],
                    ind[5],
                    ind[0],
                    p[0],
                    p[1],
                    p[2],
                    f"{cents // 100}.{cents % 100:02d}",
                    "直接支付" if rand() < 0.6 else "授权支付",
                    purpose,
                ]
            )
    return paid


def revenue_budget_share(year: int, item_code: str) -> float:
    """The share of its annual budget an item has received by the end of November: 0.80–0.95,
    fixed per year and item (from a checksum, so that it draws nothing from the generator)."""
    return 0.80 + 0.15 * (zlib.crc32(f"{year}:{item_code}".encode()) % 1001) / 1000


def write_revenue(path: Path, rng: random.Random, plan: Year, months: int = 12) -> None:
    """Monthly revenue by item, each row with the item's annual budget (年度预算数), set so that
    the revenue received January–November is 80–95% of it (December then brings it near 100%)."""
    items = [
        ("1010101", "国内增值税", 1),
        ("1010401", "企业所得税", 1),
        ("1010601", "个人所得税", 1),
        ("1011001", "城市维护建设税", 1),
        ("1030101", "行政事业性收费收入", 1),
        ("1030401", "罚没收入", 1),
        ("1030148", "国有土地使用权出让收入", 2),
        ("1030601", "利润收入", 3),
        ("1100201", "企业职工基本养老保险费收入", 4),
    ]
    amounts = [[rng.randint(200, 9000) * 1000 for _item in items] for _month in range(months)]
    budgets = []
    through = min(months, 11)  # the months up to November the file has
    for i, (code, _name, _bt) in enumerate(items):
        received = sum(amounts[m][i] for m in range(through))
        expected_by_november = received * 11 / through  # the pace so far, carried to November
        budget = expected_by_november / revenue_budget_share(plan.year, code)
        budgets.append(int(budget / 10_000 + 0.5) * 10_000)  # a round figure, like a budget
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["month", "item_code", "item_name", "budget_type", "amount", "budget_amount"])
        for month in range(1, months + 1):
            for i, (code, name, bt) in enumerate(items):
                w.writerow(
                    [
                        f"{plan.year}-{month:02d}",
                        code,
                        name,
                        bt,
                        f"{amounts[month - 1][i]}.00",
                        f"{budgets[i]}.00",
                    ]
                )


def write_debt(path: Path, rng: random.Random, plan: Year, months: int = 12) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["month", "debt_type", "limit_amount", "balance"])
        balances = {"一般债务": 1_850_000_000, "专项债务": 2_600_000_000}
        limits = {"一般债务": 2_100_000_000, "专项债务": 3_000_000_000}
        for month in range(1, months + 1):
            for kind in ("一般债务", "专项债务"):
                balances[kind] += rng.randint(-20, 40) * 1_000_000
                w.writerow([f"{plan.year}-{month:02d}", kind, f"{limits[kind]}.00", f"{balances[kind]}.00"])


def write_year(
    directory: Path,
    *,
    year: int,
    seed: int,
    units: int,
    indicators: int,
    payments: int,
    until: dt.date | None = None,
    sized: bool = True,
    realistic: bool = False,
    demo_year: int | None = None,
) -> Year:
    """Write units.csv, indicators.csv, payments.csv, revenue.csv and debt.csv into ``directory``.

    With ``sized`` (the default) each indicator's amount is set from what was paid against it
    (:func:`size_indicators`, from its own generator seeded alike, so that the other files are
    the same either way); without, the generator's amounts stay, drawn without regard to the
    payments (the demo sizes them itself, as of its own date). ``realistic`` (the demo): classes,
    payees and amounts as a county's (:class:`Payees`), with the congress's 人大事务 line and the
    three public expenses added (:func:`extra_lines`; ``demo_year`` places the one-off ones)."""
    rng = random.Random(f"{seed}:{year}")
    plan = Year(year)
    months = until.month if until else 12
    write_units(directory / "units.csv", rng, units, plan)
    rows = draw_indicators(rng, indicators, plan, realistic=realistic)
    paid = write_payments(directory / "payments.csv", rng, payments, plan, until=until, realistic=realistic)
    if sized:
        sizing = random.Random(f"{seed}:{year}:sizing")
        size_indicators(rows, paid, sizing, plan, until or dt.date(year, 12, 31))
    if realistic:
        extra = random.Random(f"{seed}:{year}:extra")
        more_units, more_indicators, more_payments = extra_lines(
            plan, extra, until or dt.date(year, 12, 31), demo_year or year
        )
        rows += more_indicators
        for name, more in (("units.csv", more_units), ("payments.csv", more_payments)):
            with (directory / name).open("a", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows(more)
    write_indicators(directory / "indicators.csv", rows)
    write_revenue(directory / "revenue.csv", rng, plan, months)
    write_debt(directory / "debt.csv", rng, plan, months)
    return plan


# --- a county a finance bureau would recognise (the demo; ``realistic=True``) -----------------------
#
# The benchmarks keep the plain generator above (any econ code, any payee): its shape is what their
# figures were measured on. The demo's years draw instead:
# - economic classes in a county's proportions (wages, goods and services, transfers to persons,
#   capital), without the three public expenses (三公经费), which are added as a few small lines;
# - payees consistent with the class: wages to people (payroll) and the social-security and
#   housing-fund centres, utilities to the water, power and telecom companies, transfers to
#   persons, equipment to suppliers, construction to a few large contractors — never equipment
#   bought from an individual — and the rest to a long tail of local companies;
# - a 人大事务 line (县人大常委会办公室) of the size a county congress spends.

THREE_PUBLIC = frozenset({"30212", "30217", "30231", "30913", "31013"})
CLASS_SHARES = (("301", 0.40), ("302", 0.37), ("303", 0.15), ("310", 0.05), ("309", 0.03))
INSTITUTIONS = {
    "30108": ("示范县社会保险事业管理中心", "6222020000010001"),
    "30109": ("示范县社会保险事业管理中心", "6222020000010001"),
    "30110": ("示范县医疗保障事务中心", "6222020000010002"),
    "30113": ("示范县住房公积金管理中心", "6222020000010003"),
}
UTILITIES = {
    "30205": [("示范县自来水有限公司", "6222020000020001")],
    "30206": [("国网示范县供电公司", "6222020000020002")],
    "30207": [("中国电信示范县分公司", "6222020000020003"), ("中国移动示范县分公司", "6222020000020004")],
}
PERSON_CODES = ("301", "303", "30211", "30226", "30229")  # paid to people (prefixes)
CAPITAL_WORKS = ("30901", "30905", "30906", "30999", "31001", "31005", "31006", "31099")
EQUIPMENT = ("30902", "31002", "31003", "31007")
PLACES = ["城关", "东关", "北塬", "南川", "河西", "西街", "新区", "高陵", "泾河", "柳林"]
MIDDLES = "华 鑫 恒 瑞 博 宏 盛 安 永 兴 裕 泰 达 信 诚 德 丰 和 顺 通".split()
TRADES = [
    "建材有限公司",
    "印务有限公司",
    "餐饮管理有限公司",
    "办公用品有限公司",
    "物业服务有限公司",
    "汽车服务有限公司",
    "文化传媒有限公司",
    "会务服务有限公司",
    "医药有限公司",
    "农资有限公司",
    "劳务服务有限公司",
    "环境工程有限公司",
]
CONTRACTORS = [
    ("示范县城建集团有限公司", "6222020000030001"),
    ("示范县交通建设工程有限公司", "6222020000030002"),
    ("示范县水利水电工程有限公司", "6222020000030003"),
    ("示范县城关建设工程有限公司", "6222020000001234"),
    ("示范县恒达市政工程有限公司", "6222020000030005"),
    ("示范县永兴路桥工程有限公司", "6222020000030006"),
]
SUPPLIERS = [
    ("示范县河西信息技术有限公司", "6222020000009999"),
    ("示范县华信电子设备有限公司", "6222020000040002"),
    ("示范县博瑞办公设备有限公司", "6222020000040003"),
    ("示范县安达医疗器械有限公司", "6222020000040004"),
    ("示范县鑫达家具有限公司", "6222020000040005"),
    ("示范县宏盛仪器设备有限公司", "6222020000040006"),
    ("示范县泰和网络科技有限公司", "6222020000040007"),
    ("示范县德丰农机有限公司", "6222020000040008"),
]


def _weighted(rng: random.Random, items: Sequence, skew: float) -> int:
    """An index into ``items``, the first ones more likely (a long tail: ``skew`` > 1)."""
    return min(len(items) - 1, int(len(items) * rng.random() ** skew))


def _amount(rng: random.Random, low: float, high: float) -> int:
    """Fen, uniform between ``low`` and ``high`` yuan (a class's payments alike in size: the
    statistical outlier rule looks for payments far above their unit and class's usual)."""
    return int(rng.uniform(low, high) * 100)


@dataclass
class Payees:
    """The county's payees by kind, drawn once per year from the year's generator."""

    people: list[tuple[str, str]]
    companies: list[tuple[str, str]]

    @classmethod
    def draw(cls, rng: random.Random, people: int = 2500, companies: int = 700) -> Payees:
        names: set[str] = set()
        persons: list[tuple[str, str]] = []
        while len(persons) < people:
            name = (
                rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            )
            if name in names:
                continue
            names.add(name)
            persons.append((name, f"62{rng.randint(10**15, 10**16 - 1)}"))
        firms: list[tuple[str, str]] = []
        while len(firms) < companies:
            name = (
                "示范县" + rng.choice(PLACES) + rng.choice(MIDDLES) + rng.choice(MIDDLES) + rng.choice(TRADES)
            )
            if name in names:
                continue
            names.add(name)
            firms.append((name, f"{rng.randint(10**15, 10**16 - 1)}"))
        return cls(persons, firms)

    def for_econ(self, econ: str, rng: random.Random) -> tuple[str, str, str, int, str]:
        """(payee, account, 单位/个人, fen, purpose) of one payment of class ``econ``."""
        if econ in INSTITUTIONS:
            name, account = INSTITUTIONS[econ]
            return name, account, "单位", _amount(rng, 6_000, 20_000), "单位缴费"
        if econ in UTILITIES:
            name, account = rng.choice(UTILITIES[econ])
            return name, account, "单位", _amount(rng, 800, 40_000), "水电通信费"
        if econ.startswith(("301",)):
            name, account = self.people[rng.randrange(len(self.people))]
            return name, account, "个人", _amount(rng, 3_500, 15_000), "工资（银行代发）"
        if econ.startswith(PERSON_CODES):
            name, account = self.people[_weighted(rng, self.people, 1.4)]
            high = {"30211": 6_000, "30226": 20_000, "30229": 3_000}.get(econ, 5_000)
            purpose = {"30211": "差旅费报销", "30226": "劳务费", "30229": "福利费"}.get(econ, "补助")
            return name, account, "个人", _amount(rng, 300, high), purpose
        if econ in CAPITAL_WORKS:
            name, account = CONTRACTORS[_weighted(rng, CONTRACTORS, 1.4)]
            return name, account, "单位", _amount(rng, 20_000, 200_000), "工程款"
        if econ in EQUIPMENT:
            name, account = SUPPLIERS[_weighted(rng, SUPPLIERS, 1.3)]
            return name, account, "单位", _amount(rng, 3_000, 150_000), "设备购置"
        name, account = self.companies[_weighted(rng, self.companies, 2.5)]
        return name, account, "单位", _amount(rng, 500, 50_000), "商品和服务支出"


def realistic_econ_codes(rng: random.Random) -> list[str]:
    """A list to draw economic codes from uniformly: each class in its share (:data:`CLASS_SHARES`),
    codes within a class alike, none of the three public expenses."""
    econs = [c for c in _codes("economic-classification-department.csv", {"2"}) if c not in THREE_PUBLIC]
    pool: list[str] = []
    for prefix, share in CLASS_SHARES:
        # wages paid to people weigh more than the contributions; equipment more than works
        codes = [c for c in econs if c.startswith(prefix)]
        codes += [c for c in codes if (c.startswith("301") and c not in INSTITUTIONS) or c in EQUIPMENT] * 2
        pool += [codes[n % len(codes)] for n in range(round(share * 1000))]
    rng.shuffle(pool)
    return pool


CONGRESS_UNIT = ("199", "示范县人大常委会办公室")
CONGRESS_COMPANIES = [
    ("示范县会务服务有限公司", "6222020000050001"),
    ("示范县北塬印务有限公司", "6222020000001357"),
    ("示范县西街华泰文化传媒有限公司", "6222020000050003"),
]
# 人大事务 (20101): the lines of a county congress's year — function, econ, annual amount (yuan),
# payments a month
CONGRESS_LINES = (
    ("2010101", "30101", 2_460_000, 6),
    ("2010101", "30102", 910_000, 6),
    ("2010101", "30108", 350_000, 1),
    ("2010101", "30113", 300_000, 1),
    ("2010101", "30201", 240_000, 3),
    ("2010101", "30206", 84_000, 1),
    ("2010101", "30207", 52_000, 1),
    ("2010104", "30215", 1_180_000, 2),
    ("2010106", "30227", 600_000, 1),
    ("2010107", "30216", 780_000, 2),
    ("2010108", "30299", 690_000, 3),
    ("2010108", "30211", 210_000, 4),
    ("2010102", "31002", 300_000, 1),
    ("2010102", "30217", 38_000, 2),
    ("2010102", "30231", 64_000, 2),
)
# 三公经费 of the other departments: (econ, annual amount per department, payees, payments a month)
THREE_PUBLIC_LINES = (
    ("30217", 36_000, ("示范县迎宾馆", "示范县城关华盛餐饮管理有限公司"), 3),
    ("30231", 44_000, ("示范县东关汽车服务有限公司", "中国石化示范县分公司"), 3),
)
# once a year, a trip abroad or a car: (year offset from the demo's year, econ, amount, payee)
THREE_PUBLIC_ONCE = (
    (-2, "30212", 38_600, "示范县国际旅行社有限公司"),
    (-1, "30212", 26_400, "示范县国际旅行社有限公司"),
    (-1, "31013", 186_000, "示范县恒通汽车销售有限公司"),
)


def extra_lines(plan: Year, rng: random.Random, until: dt.date, demo_year: int) -> tuple[list, list, list]:
    """The congress's unit, indicators and payments, and the three public expenses of eight
    departments: units, indicator rows (:data:`INDICATOR_COLUMNS`) and payment rows, paid by month
    up to ``until`` at about the pace of the year."""
    year = plan.year
    units = [[CONGRESS_UNIT[0], CONGRESS_UNIT[1], "", "行政单位"]]
    lines: list[tuple[str, str, str, int, int, tuple[str, ...]]] = [
        (CONGRESS_UNIT[0], function, econ, amount, per_month, ())
        for function, econ, amount, per_month in CONGRESS_LINES
    ]
    departments = [(code, name) for code, name, parent in plan.units if not parent][:8]
    own: dict[str, str] = {}
    for _no, unit, function, *_rest in plan.indicators:
        own.setdefault(unit, function)
    for code, _name in departments:
        for econ, amount, payees, per_month in THREE_PUBLIC_LINES:
            lines.append(
                (code, own.get(code, "2010301"), econ, int(amount * rng.uniform(0.7, 1.3)), per_month, payees)
            )
    indicators, payments = [], []
    people = Payees.draw(random.Random(f"congress:{year}"), people=60, companies=0).people
    vendors = Payees([], CONGRESS_COMPANIES)
    to_working = working_day_map(year, until)
    months = until.month if until.year == year else 12
    number = 0
    for n, (unit, function, econ, amount, per_month, named) in enumerate(lines, start=1):
        indicator_no = f"ZB{year}R{n:04d}"
        indicators.append(
            [
                indicator_no,
                unit,
                function,
                econ,
                "1",
                "",
                "",
                "一般公共预算拨款",
                f"{amount}.00",
                "0.00",
                f"{year}-01-15",
            ]
        )
        monthly = amount / 12 * rng.uniform(0.85, 1.0)
        for month in range(1, months + 1):
            for k in range(per_month):
                day = min(28, 3 + k * 5 + rng.randrange(4))
                if dt.date(year, month, day) > until:
                    continue
                cents = int(monthly / per_month * rng.uniform(0.6, 1.4) * 100)
                if econ.startswith("301") and econ not in INSTITUTIONS:
                    name, account = people[rng.randrange(len(people))]
                    payee_type, purpose = "个人", "工资（银行代发）"
                elif econ in ("30211", "30226"):
                    name, account = people[rng.randrange(len(people))]
                    payee_type, purpose = "个人", "差旅费报销" if econ == "30211" else "劳务费"
                else:
                    name, account, payee_type, _fen, purpose = vendors.for_econ(econ, rng)
                    if named:
                        name = named[rng.randrange(len(named))]
                        account = f"62220200000{60000 + zlib.crc32(name.encode()) % 10000:05d}"
                number += 1
                paid_on = to_working.get(dt.date(year, month, day), dt.date(year, month, day))
                payments.append([
                    f"PZ{year}R{number:06d}", paid_on.isoformat(), unit, function, econ, "1", "",
                    indicator_no, name, account, payee_type, f"{cents // 100}.{cents % 100:02d}",
                    "直接支付", purpose,
                ])  # fmt: skip
    for offset, econ, amount, name in THREE_PUBLIC_ONCE:
        if year != demo_year + offset or not departments or dt.date(year, 6, 16) > until:
            continue
        unit = departments[0][0]
        indicator_no = f"ZB{year}R9{len(indicators):03d}"
        indicators.append(
            [
                indicator_no,
                unit,
                own.get(unit, "2010301"),
                econ,
                "1",
                "",
                "",
                "一般公共预算拨款",
                f"{amount}.00",
                "0.00",
                f"{year}-03-01",
            ]
        )
        number += 1
        function = own.get(unit, "2010301")
        account = f"62220200000{70000 + number % 10000:05d}"
        payments.append([
            f"PZ{year}R{number:06d}", f"{year}-06-16", unit, function, econ, "1", "", indicator_no,
            name, account, "单位", f"{amount}.00", "直接支付", "三公经费",
        ])  # fmt: skip
    return units, indicators, payments
