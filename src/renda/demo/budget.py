"""演示数据: three realistic budget years for the demo county, loaded through the import path.

Two closed years (:data:`CLOSED_YEARS`, whole, their indicators sized from their payments) and the
current one up to :data:`DEMO_UNTIL`, so that every year-on-year chart, report column and the
历年三公 chart have data. Each year is drawn as a county's (``realistic``, see
:mod:`renda.demo.budget_synth`): economic classes in a county's proportions (about 2.3 billion 元
a year); payees consistent with the class — wages to people through payroll and the social
security and housing-fund centres, utilities to the water, power and telecom companies,
transfers to persons, equipment to suppliers (never to a person), construction to a few large
contractors, the rest to a long tail of local companies; a 人大事务 line of about 7.6 million 元
(县人大常委会办公室, unit ``199``: staff, sessions, supervision, deputies' training and work); and
三公经费 in the hundreds of thousands (receptions and official cars of eight departments, a trip
abroad two years ago and last year, a car bought last year).

The files are generated deterministically (seeded by the demo seed) into a temporary directory,
made consistent the way a real year is, and imported exactly as the finance bureau's files would
be, so a second run reports every row unchanged. In the current year:

- payments fall on working days of the calendar (a date the generator put on a weekend or a
  public holiday moves to the nearest working day), and
- each indicator's amount is set from what was paid against it, so that execution follows time
  progress: most units close to it, three lagging behind (one far behind, red). The generator's
  adjustments keep their sign but stay within ±20%.

Then irregularities are planted for the warning rules (预警) to find — every one of the thirteen
rules fires on the demo year as of :data:`DEMO_UNTIL`. Their voucher numbers start with ``PZX``,
their indicators with ``ZBX``, their projects with ``PX``:

- ``PZX0001``: a payment with no indicator number, ``PZX0012`` one naming an indicator that does
  not exist (无预算支出 NO_INDICATOR);
- ``PZX0002``–``PZX0003``: 4,000,000 and 3,900,000 against indicator ``ZBX0001`` of 5,000,000
  (超预算支出 OVER_INDICATOR; both far above the unit's usual payments: 统计异常 OUTLIER);
- ``PZX0004``: 公务接待费 (30217) of 268,000 by a unit budgeted 150,000 for it
  (三公经费超预算 THREE_PUBLIC_OVER, and OVER_INDICATOR on ``ZBX0002``);
- ``PZX0005``: 480,000 of 劳务费 to a person (向个人大额支付 INDIVIDUAL_LARGE); ``PZX0016``,
  120,000 to a person under 30305 (生活补助, exempt), is not flagged as one;
- ``PZX0006``–``PZX0009``: four payments of about 298,000 to one company within 17 days,
  1,191,900 together (拆分支付 SPLIT_PAYMENT), against ``ZBX0004``, raised from 800,000 to
  1,400,000 during the year (预算调整幅度过大 BIG_ADJUSTMENT);
- ``PZX0011``: a payment on a public holiday (2026-10-01, 非工作日支付 NON_WORKDAY);
  ``PZX0017`` on Saturday 2026-10-10, an adjusted working day (调休), is not flagged;
- ``PZX0013``: one payment of 6,800,000 (大额支付 LARGE_PAYMENT);
- ``PZX0014``–``PZX0015``: 36,800.00 twice to one company three days apart (重复支付
  DUPLICATE_PAYMENT);
- ``PZX0018``–``PZX0020``: the only payments, in March and April, of project ``PX2026006``
  (2,000,000; 项目长期未执行 PROJECT_IDLE, and EXEC_LAG for the project);
- ``PZX0021``…: a small unit that pays four fifths of its year in October and November
  (年底突击花钱 YEAR_END_RUSH, fourth quarter).

At the end the warning rules are evaluated as of :data:`DEMO_UNTIL`, so the findings are there.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from renda.budget.models import Debt, Finding, ImportBatch, Indicator, Payment, Revenue
from renda.demo import budget_synth as synth
from renda.demo.county import DemoContext, register_demo_step

DEMO_YEAR = 2026
CLOSED_YEARS = (DEMO_YEAR - 2, DEMO_YEAR - 1)  # closed years before it: year-on-year comparisons
DEMO_UNTIL = dt.date(2026, 11, 20)  # the demo's payments run to here (a fixed date: deterministic)
DEMO_UNITS, DEMO_INDICATORS, DEMO_PAYMENTS = 100, 3000, 100_000
LAGGING_FACTORS = synth.LAGGING_FACTORS  # execution as a share of time progress, of the lagging units


def demo_size() -> tuple[int, int, int]:
    """Units, indicators and payments of the demo year: the full county, or a small one under
    the test runner (``settings.TESTING``) so that other modules' seed tests stay quick.
    ``RENDA_DEMO_BUDGET_SIZE = (units, indicators, payments)`` overrides both."""
    size = getattr(settings, "RENDA_DEMO_BUDGET_SIZE", None)
    if size:
        return tuple(size)  # type: ignore[return-value]
    if getattr(settings, "TESTING", False):
        return 30, 300, 2000
    return DEMO_UNITS, DEMO_INDICATORS, DEMO_PAYMENTS


PAYMENT_COLUMNS = [
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
INDICATOR_COLUMNS = synth.INDICATOR_COLUMNS


@dataclass
class YearFacts:
    """What the calibration learnt from the generated payments, for choosing where to plant."""

    payments_by_unit: Counter[str] = field(default_factory=Counter)
    econ_by_unit: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    lagging: list[str] = field(default_factory=list)


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _calibrate(directory: Path, plan: synth.Year, rng: random.Random, until: dt.date) -> YearFacts:
    """Move payments to working days and set each indicator's amount from its payments."""
    facts = YearFacts()
    header, payments = _read(directory / "payments.csv")
    at = {name: i for i, name in enumerate(header)}
    to_working = synth.working_day_map(plan.year, until)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for row in payments:
        day = dt.date.fromisoformat(row[at["pay_date"]])
        row[at["pay_date"]] = to_working.get(day, day).isoformat()
        paid[row[at["indicator_no"]]] += Decimal(row[at["amount"]])
        unit = row[at["unit_code"]]
        facts.payments_by_unit[unit] += 1
        facts.econ_by_unit[unit][row[at["econ_code"]]] += 1
    _write(directory / "payments.csv", header, payments)

    header, indicators = _read(directory / "indicators.csv")
    at = {name: i for i, name in enumerate(header)}
    per_unit = Counter(row[at["unit_code"]] for row in indicators)
    # Three lagging units among those of a handful of indicators (so a handful of projects lag).
    candidates = sorted(u for u, n in per_unit.items() if 4 <= n <= 20 and len(u) > 3) or sorted(per_unit)
    facts.lagging = rng.sample(candidates, k=min(len(LAGGING_FACTORS), len(candidates)))
    factor = synth.unit_factors(list(per_unit), rng)
    factor.update(zip(facts.lagging, LAGGING_FACTORS, strict=False))
    progress = synth.time_progress(until)
    for row in indicators:
        spent = paid.get(row[at["indicator_no"]], Decimal(0))
        if spent <= 0:
            continue  # an indicator nothing was paid against keeps the generator's amount
        execution = synth.execution_target(progress * factor[row[at["unit_code"]]], rng)
        adjusted = Decimal(row[at["adjusted_amount"]] or 0)  # the generator adjusted this one: keep the sign
        sign = 0 if adjusted == 0 else (1 if adjusted > 0 else -1)
        original, adjusted = synth.sized_amounts(spent, execution, sign, rng)
        row[at["original_amount"]] = f"{original:.2f}"
        row[at["adjusted_amount"]] = f"{adjusted:.2f}"
    _write(directory / "indicators.csv", header, indicators)
    return facts


def _pick(plan: synth.Year, preferred: tuple[str, ...], taken: set[str]) -> tuple[str, str]:
    """A department (code, name) whose name holds one of ``preferred``, else the first free one."""
    departments = [(code, name) for code, name, parent in plan.units if not parent and code not in taken]
    for word in preferred:
        for code, name in departments:
            if word in name:
                return code, name
    return departments[0] if departments else (plan.units[0][0], plan.units[0][1])


def _planted(plan: synth.Year, facts: YearFacts) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """The planted units, indicators and payments (see the module's docstring)."""
    functions = {unit: function for _no, unit, function, *_rest in reversed(plan.indicators)}
    busiest = [unit for unit, _n in facts.payments_by_unit.most_common() if unit not in facts.lagging]
    big, second = busiest[0], busiest[1]
    big_econ = facts.econ_by_unit[big].most_common(1)[0][0]
    taken = {big, second, *facts.lagging}
    builder = _pick(plan, ("住房和城乡建设局", "交通运输局", "水利局"), taken)
    taken.add(builder[0])
    roads = _pick(plan, ("交通运输局", "农业农村局", "自然资源局"), taken)
    head_code, head_name, _parent = plan.units[0]
    service, info, rush = f"{head_code}901", f"{head_code}902", f"{head_code}903"
    y = plan.year
    units = [
        [service, f"{head_name}机关服务中心", head_code, "事业单位"],
        [info, f"{head_name}信息中心", head_code, "事业单位"],
        [rush, f"{head_name}后勤服务中心", head_code, "事业单位"],
    ]
    head_function = functions.get(head_code) or plan.indicators[0][2]

    def indicator(no, unit, econ, project, title, original, adjusted="0", issued=f"{y}-01-20", function=""):
        return [
            f"ZBX{no:04d}",
            unit,
            function or functions.get(unit) or head_function,
            econ,
            "1",
            project,
            title,
            "一般公共预算拨款",
            f"{Decimal(original):.2f}",
            f"{Decimal(adjusted):.2f}",
            issued,
        ]

    indicators = [
        indicator(1, big, big_econ, f"PX{y}001", "应急维修工程", 5_000_000),
        indicator(2, service, "30217", "", "", 150_000, function=head_function),
        indicator(3, builder[0], "31005", f"PX{y}003", "城区道路改造工程", 8_000_000),
        indicator(
            4, info, "31002", f"PX{y}004", "教育信息化设备购置", 800_000, 600_000, function=head_function
        ),
        indicator(5, second, "30226", f"PX{y}005", "专家咨询及劳务", 750_000),
        indicator(6, roads[0], "31005", f"PX{y}006", "乡村道路养护项目", 2_000_000, issued=f"{y}-02-10"),
        indicator(7, rush, "30201", f"PX{y}007", "后勤保障经费", 1_250_000, function=head_function),
    ]
    by_no = {row[0]: row for row in indicators}

    def payment(
        no, day, amount, indicator_no, payee, account, *, unit="", econ="", payee_type="单位", purpose=""
    ):
        source = by_no.get(indicator_no)
        unit = unit or (source[1] if source else big)
        return [
            f"PZX{no:04d}",
            day,
            unit,
            source[2] if source else functions.get(unit, head_function),
            econ or (source[3] if source else big_econ),
            "1",
            source[5] if source else "",
            indicator_no,
            payee,
            account,
            payee_type,
            f"{Decimal(amount):.2f}",
            "直接支付",
            purpose,
        ]

    builder_co, builder_acct = "示范县城关建设工程有限公司", "6222020000001234"
    it_co, it_acct = "示范县河西信息技术有限公司", "6222020000009999"
    payments = [
        payment(1, f"{y}-03-16", "46000", "", builder_co, builder_acct, unit=big, purpose="维修材料款"),
        payment(2, f"{y}-06-10", "4000000", "ZBX0001", builder_co, builder_acct, purpose="工程款"),
        payment(3, f"{y}-07-10", "3900000", "ZBX0001", builder_co, builder_acct, purpose="工程款"),
        payment(
            4, f"{y}-05-20", "268000", "ZBX0002", "示范县迎宾馆", "6222020000004321", purpose="公务接待费"
        ),
        payment(
            5,
            f"{y}-08-05",
            "480000",
            "ZBX0005",
            "王某某",
            "6217000000005678",
            payee_type="个人",
            purpose="劳务费",
        ),
        payment(6, f"{y}-09-07", "298000", "ZBX0004", it_co, it_acct, purpose="设备采购"),
        payment(7, f"{y}-09-11", "296500", "ZBX0004", it_co, it_acct, purpose="设备采购"),
        payment(8, f"{y}-09-16", "299800", "ZBX0004", it_co, it_acct, purpose="设备采购"),
        payment(9, f"{y}-09-24", "297600", "ZBX0004", it_co, it_acct, purpose="设备采购"),
        payment(
            11,
            f"{y}-10-01",
            "32000",
            "ZBX0001",
            "示范县东关百货有限公司",
            "6222020000002468",
            purpose="节日值班物资",
        ),
        payment(
            12,
            f"{y}-04-22",
            "28500",
            f"ZB{y}999999",
            "示范县北塬印务有限公司",
            "6222020000001357",
            unit=second,
            purpose="印刷费",
        ),
        payment(13, f"{y}-08-18", "6800000", "ZBX0003", builder_co, builder_acct, purpose="道路工程进度款"),
        payment(
            14,
            f"{y}-04-13",
            "36800",
            "ZBX0005",
            "示范县东关物业服务有限公司",
            "6222020000007777",
            purpose="物业费",
        ),
        payment(
            15,
            f"{y}-04-16",
            "36800",
            "ZBX0005",
            "示范县东关物业服务有限公司",
            "6222020000007777",
            purpose="物业费",
        ),
        payment(
            16,
            f"{y}-06-24",
            "120000",
            "ZBX0005",
            "李某某",
            "6217000000008642",
            econ="30305",
            payee_type="个人",
            purpose="生活补助",
        ),
        payment(
            17,
            f"{y}-10-10",
            "23500",
            "ZBX0001",
            "示范县东关百货有限公司",
            "6222020000002468",
            purpose="调休日采购",
        ),
        payment(18, f"{y}-03-12", "48000", "ZBX0006", builder_co, builder_acct, purpose="前期勘察费"),
        payment(19, f"{y}-04-15", "45000", "ZBX0006", builder_co, builder_acct, purpose="设计费"),
        payment(20, f"{y}-04-28", "39000", "ZBX0006", builder_co, builder_acct, purpose="设计费"),
    ]
    # The small unit's year: four payments by September, twenty-one in October and November.
    suppliers = [
        ("示范县南川办公用品有限公司", "6222020000003001"),
        ("示范县北塬印务有限公司", "6222020000003002"),
        ("示范县东关汽车服务有限公司", "6222020000003003"),
    ]
    early = [f"{y}-02-11", f"{y}-05-13", f"{y}-07-08", f"{y}-09-09"]
    late_days = [
        dt.date(y, 10, 12) + dt.timedelta(days=n)
        for n in range(0, 38)
        if (dt.date(y, 10, 12) + dt.timedelta(days=n)).weekday() < 5
    ][:21]
    number = 21
    for k, day in enumerate([*early, *(d.isoformat() for d in late_days)]):
        name, account = suppliers[k % len(suppliers)]
        amount = 41_000 + (k * 733) % 4000  # all different: no duplicate payments
        payments.append(payment(number, day, str(amount), "ZBX0007", name, account, purpose="后勤保障"))
        number += 1
    return units, indicators, payments


def _import_year(actor: object, year: int, directory: Path) -> None:
    """A year's five files, imported as the finance bureau's would be."""
    from renda.budget.services.imports import budget_import

    for kind in ("units", "indicators", "payments", "revenue", "debt"):
        result = budget_import(
            actor=actor,
            kind=kind,
            year=year,
            source=directory / f"{kind}.csv",
            origin=ImportBatch.Source.DEMO,
        ).result
        assert result is not None
        if result.errors:
            raise RuntimeError(f"demo budget {year} {kind} rejected: {result.errors[:5]}")


@register_demo_step(order=300)
def budget_year(ctx: DemoContext) -> None:
    """The demo county's 2026 budget: units, indicators, payments, revenue and debt; then the
    warning rules, evaluated as of the demo's last payment day."""
    from renda.budget.services.imports import classification_ensure_baseline
    from renda.budget.services.warnings import warnings_evaluate

    actor = ctx.users.get("budget")
    units, indicators, payments = demo_size()
    # the two closed years before the demo's, whole (their indicators sized from their payments)
    for closed in CLOSED_YEARS:
        classification_ensure_baseline(year=closed, actor=actor)
        with tempfile.TemporaryDirectory(prefix="renda-budget-demo-") as tmp:
            directory = Path(tmp)
            synth.write_year(
                directory,
                year=closed,
                seed=ctx.seed,
                units=units,
                indicators=indicators,
                payments=payments,
                realistic=True,
                demo_year=DEMO_YEAR,
            )
            _import_year(actor, closed, directory)
    classification_ensure_baseline(year=DEMO_YEAR, actor=actor)
    with tempfile.TemporaryDirectory(prefix="renda-budget-demo-") as tmp:
        directory = Path(tmp)
        plan = synth.write_year(
            directory,
            year=DEMO_YEAR,
            seed=ctx.seed,
            units=units,
            indicators=indicators,
            payments=payments,
            until=DEMO_UNTIL,
            sized=False,  # sized below as of DEMO_UNTIL, with the demo's lagging units
            realistic=True,
            demo_year=DEMO_YEAR,
        )
        facts = _calibrate(directory, plan, ctx.rng("budget-calibration"), DEMO_UNTIL)
        planted_units, planted_indicators, planted_payments = _planted(plan, facts)
        for name, rows in (
            ("units.csv", planted_units),
            ("indicators.csv", planted_indicators),
            ("payments.csv", planted_payments),
        ):
            with (directory / name).open("a", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows(rows)
        _import_year(actor, DEMO_YEAR, directory)
    year = {"year": DEMO_YEAR}
    ctx.count("budget_indicators", Indicator.objects.filter(**year).count(), "预算指标 budget indicators")
    ctx.count("budget_payments", Payment.objects.filter(**year).count(), "国库支付 treasury payments")
    ctx.count("budget_revenue", Revenue.objects.filter(**year).count(), "收入月报 revenue rows")
    ctx.count("budget_debt", Debt.objects.filter(**year).count(), "债务月报 debt rows")
    run = warnings_evaluate(actor=None, year=DEMO_YEAR, as_of=DEMO_UNTIL)
    seconds = sum(r["seconds"] for r in run.per_rule.values())
    ctx.count(
        "budget_findings",
        Finding.objects.filter(**year, active=True).count(),
        f"预警发现 warning findings ({len(run.per_rule)} 条规则 rules, {math.ceil(seconds)} s)",
    )
