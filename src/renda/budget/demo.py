"""演示数据: a realistic budget year for the demo county, loaded through the import path.

The files are generated deterministically (:mod:`renda.budget.synth`, seeded by the demo seed)
into a temporary directory and imported exactly as the finance bureau's files would be, so a
second run reports every row unchanged. A handful of irregularities are planted for the
warning rules (issue 4) to find; their voucher numbers start with ``PZX``:

- ``PZX0001``: a payment with no indicator (无指标支付);
- ``PZX0002``–``PZX0003``: indicator ``ZB2026000001`` paid beyond its current amount (超指标支付);
- ``PZX0004``: 公务接待费 (30217, a 三公经费 code) far above the usual;
- ``PZX0005``: a large payment to an individual (大额个人支付);
- ``PZX0006``–``PZX0010``: five payments of 49,900 to one payee on one day (拆分支付);
- ``PZX0011``: a payment on a public holiday (2026-10-01, 节假日支付).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from django.conf import settings

from renda.budget import synth
from renda.budget.importer import import_path, new_batch
from renda.budget.models import Debt, ImportBatch, Indicator, Payment, Revenue
from renda.core.demo import DemoContext, register_demo_step

DEMO_YEAR = 2026
DEMO_UNTIL = dt.date(2026, 11, 20)  # the demo's payments run to here (a fixed date: deterministic)
DEMO_UNITS, DEMO_INDICATORS, DEMO_PAYMENTS = 100, 3000, 100_000


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


def _planted(plan: synth.Year) -> list[list[str]]:
    first = plan.indicators[0]  # number, unit, function, econ, budget type, project
    unit = first[1]
    base = {
        "unit_code": unit,
        "function_code": first[2],
        "econ_code": first[3],
        "budget_type": "1",
        "project_code": first[5],
        "payee_type": "单位",
        "pay_method": "直接支付",
    }

    def row(no: int, day: str, amount: str, **extra: str) -> dict[str, str]:
        return {
            **base,
            "voucher_no": f"PZX{no:04d}",
            "pay_date": day,
            "indicator_no": first[0],
            "payee_name": "示范县城关建设工程有限公司",
            "payee_account": "6222020000001234",
            "amount": amount,
            "purpose": "工程款",
            **extra,
        }

    rows = [
        row(1, "2026-03-16", "86000.00", indicator_no="", project_code="", purpose="无指标支付"),
        row(2, "2026-06-10", "4000000.00"),
        row(3, "2026-07-10", "3900000.00"),
        row(4, "2026-05-20", "268000.00", econ_code="30217", purpose="公务接待费"),
        row(
            5,
            "2026-08-05",
            "480000.00",
            payee_name="王某某",
            payee_account="6217000000005678",
            payee_type="个人",
            purpose="劳务费",
        ),
        *[
            row(
                n,
                "2026-09-18",
                "49900.00",
                payee_name="示范县河西信息技术有限公司",
                payee_account="6222020000009999",
                purpose="设备采购",
            )
            for n in range(6, 11)
        ],
        row(11, "2026-10-01", "152000.00", purpose="节日慰问品"),
    ]
    return [[r[c] for c in PAYMENT_COLUMNS] for r in rows]


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


@register_demo_step(order=300)
def budget_year(ctx: DemoContext) -> None:
    """The demo county's 2026 budget: units, indicators, payments, revenue and debt."""
    from renda.budget.services.imports import classification_ensure_baseline

    actor = ctx.users.get("budget")
    classification_ensure_baseline(year=DEMO_YEAR, actor=actor)
    with tempfile.TemporaryDirectory(prefix="renda-budget-demo-") as tmp:
        directory = Path(tmp)
        plan = synth.write_year(
            directory,
            year=DEMO_YEAR,
            seed=ctx.seed,
            units=DEMO_UNITS,
            indicators=DEMO_INDICATORS,
            payments=DEMO_PAYMENTS - 11,
            until=DEMO_UNTIL,
        )
        with (directory / "payments.csv").open("a", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(_planted(plan))
        for kind in ("units", "indicators", "payments", "revenue", "debt"):
            batch = new_batch(
                kind=kind,
                year=DEMO_YEAR,
                source=ImportBatch.Source.DEMO,
                actor=actor,
                file_name=f"{kind}.csv",
            )
            result = import_path(
                kind=kind,
                year=DEMO_YEAR,
                path=directory / f"{kind}.csv",
                batch=batch,
                actor=actor,
                track=False,
            )
            if result.errors:
                raise RuntimeError(f"demo budget {kind} rejected: {result.errors[:5]}")
    year = {"year": DEMO_YEAR}
    ctx.count("budget_indicators", Indicator.objects.filter(**year).count(), "预算指标 budget indicators")
    ctx.count("budget_payments", Payment.objects.filter(**year).count(), "国库支付 treasury payments")
    ctx.count("budget_revenue", Revenue.objects.filter(**year).count(), "收入月报 revenue rows")
    ctx.count("budget_debt", Debt.objects.filter(**year).count(), "债务月报 debt rows")
