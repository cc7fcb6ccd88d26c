"""A deputy opens the budget analysis of a loaded year, reads a chart as a table, and clicks a bar
through to the 查询 whose total is the bar's value."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from playwright.sync_api import expect

from renda.accounts.models import Role
from renda.budget.models import Finding, Severity
from renda.budget.services.imports import budget_import, classification_ensure_baseline
from renda.demo import budget_synth as synth

from .conftest import nav_click

pytestmark = pytest.mark.django_db(transaction=True)

YEAR = 2025
CHARTS = (
    "department",
    "function",
    "monthly",
    "structure_function",
    "structure_econ",
    "three_public",
    "payees",
    "revenue",
    "debt",
    "findings",
)


@pytest.fixture
def loaded_year(tmp_path):
    """A synthetic county year (units, indicators, payments, revenue, debt) through the import,
    and four findings of the warning rules."""
    synth.write_year(tmp_path, year=YEAR, seed=4, units=20, indicators=200, payments=3000)
    classification_ensure_baseline(year=YEAR)
    for kind in ("units", "indicators", "payments", "revenue", "debt"):
        result = budget_import(actor=None, kind=kind, year=YEAR, source=tmp_path / f"{kind}.csv").result
        assert result.errors == [], result.errors[:3]
    as_of = dt.date(YEAR, 12, 31)
    Finding.objects.bulk_create(
        [
            Finding(
                year=YEAR,
                rule_code=rule,
                key=f"{rule}-{n}",
                severity=Severity.RED if rule == "NO_INDICATOR" else Severity.YELLOW,
                subject=f"{rule} {n}",
                message="测试发现",
                state=state,
                first_as_of=as_of,
                last_as_of=as_of,
            )
            for n, (rule, state) in enumerate(
                [
                    ("EXEC_LAG", Finding.State.NEW),
                    ("EXEC_LAG", Finding.State.VERIFYING),
                    ("NO_INDICATOR", Finding.State.INQUIRED),
                    ("LARGE_PAYMENT", Finding.State.FALSE_POSITIVE),
                ]
            )
        ]
    )
    return YEAR


# The pixel centre of a bar, from the chart's own layout of it.
BAR_CENTRE = """([key, series, index]) => {
  const chart = echarts.getInstanceByDom(document.getElementById("chart-" + key));
  const layout = chart.getModel().getSeriesByIndex(series).getData().getItemLayout(index);
  const box = document.getElementById("chart-" + key).getBoundingClientRect();
  return {x: box.left + layout.x + layout.width / 2, y: box.top + layout.y + layout.height / 2};
}"""


def test_deputy_reads_the_dashboards_and_drills_from_a_bar(page, shot, sign_in, make_user, loaded_year):
    deputy = make_user(Role.DEPUTY, real_name="李代表")
    sign_in(page, deputy)
    nav_click(page, re.compile("预算分析|Budget analysis"))
    expect(page.get_by_test_id("headline")).to_be_visible()

    for key in CHARTS:  # every chart drawn (a canvas), its table in the page but folded away
        chart = page.get_by_test_id(f"chart-{key}")
        expect(chart).to_have_attribute("data-drawn", "true")
        expect(chart.locator("canvas")).to_have_count(1)
        expect(page.get_by_test_id(f"table-{key}")).to_be_hidden()
    assert page.locator("#analysis-dashboards").get_attribute("data-locale") == "ZH"
    page.wait_for_timeout(800)  # the charts' entry animation
    shot(page, "dashboards")

    # issue 15.10: no axis label is cut to "…": a long name wraps onto lines and keeps every character
    cut = page.evaluate(
        """() => {
          const bad = [];
          const long = '示范县人力资源和社会保障局下属劳动保障监察大队和就业服务中心';
          if (window.rendaChartLabel(long, 14).replace(/\\n/g, '') !== long) bad.push('wrap ' + long);
          document.querySelectorAll('[data-testid^=chart-]').forEach(el => {
            const chart = echarts.getInstanceByDom(el);
            if (!chart) return;
            const option = chart.getOption();
            [...(option.xAxis || []), ...(option.yAxis || [])].forEach(axis => {
              if (axis.type !== 'category' || !axis.axisLabel || !axis.axisLabel.formatter) return;
              (axis.data || []).forEach(label => {
                const text = String(label && label.value !== undefined ? label.value : label);
                const shown = axis.axisLabel.formatter(text);
                if (shown.includes('…') || shown.replace(/\\s+/g, '') !== text.replace(/\\s+/g, '')) {
                  bad.push(el.dataset.testid + ': ' + text + ' → ' + shown);
                }
              });
            });
          });
          return bad;
        }"""
    )
    assert not cut, cut

    # the monthly chart as a table, and back
    page.get_by_test_id("toggle-monthly").click()
    expect(page.get_by_test_id("table-monthly")).to_be_visible()
    expect(page.get_by_test_id("chart-monthly")).to_be_hidden()
    expect(page.get_by_test_id("toggle-monthly")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-testid=table-monthly] tbody tr")).to_have_count(12)
    page.get_by_test_id("dashboard-monthly").scroll_into_view_if_needed()
    shot(page, "monthly-table")
    page.get_by_test_id("toggle-monthly").click()
    expect(page.get_by_test_id("chart-monthly")).to_be_visible()
    expect(page.get_by_test_id("table-monthly")).to_be_hidden()

    # the individual payees are masked for a deputy, in the chart's data as in the table
    charts = json.loads(page.locator("#analysis-charts").text_content())
    names = page.locator("[data-testid=payee-row] td:nth-child(2)").all_text_contents()
    kinds = page.locator("[data-testid=payee-row] td:nth-child(3)").all_text_contents()
    assert names and [n.strip() for n in names] == charts["payees"]["labels"]
    people = [n for n, k in zip(names, kinds, strict=True) if k.strip() in ("个人", "Individual payee")]
    assert all("*" in n for n in people)

    # click the bar of the month paid most: the 查询 it opens totals the bar's value
    amounts = [Decimal(v) if v is not None else Decimal(-1) for v in charts["monthly"]["amount"]]
    month = amounts.index(max(amounts))
    page.get_by_test_id("dashboard-monthly").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    centre = page.evaluate(BAR_CENTRE, ["monthly", 0, month])
    page.mouse.click(centre["x"], centre["y"])
    page.wait_for_url(re.compile(r"/budget/\?"))
    total = page.get_by_test_id("total-paid")
    expect(total).to_be_visible()
    assert Decimal(total.get_attribute("data-value")) == amounts[month]
    assert f"date_from={YEAR}-{month + 1:02d}-01" in page.url
    shot(page, "query-of-the-month")


# A chart's tooltip as shown: its formatter on the first data item (the same function ECharts calls).
TOOLTIP_TEXT = """(key) => {
  const chart = echarts.getInstanceByDom(document.getElementById("chart-" + key));
  const option = chart.getOption();
  const tooltip = option.tooltip[0];
  const series = chart.getModel().getSeriesByIndex(0);
  const data = series.getData();
  const index = [...Array(data.count()).keys()].find((i) => {
    const raw = data.getRawDataItem(i);
    return raw && raw.raw !== undefined && raw.raw !== null;
  }) || 0;
  const params = {
    dataIndex: index,
    name: data.getName(index),
    value: data.get(data.mapDimension('value'), index),
    data: data.getRawDataItem(index),
    seriesName: series.name,
  };
  const shown = tooltip.formatter(tooltip.trigger === "axis" ? [params] : params);
  return shown.replace(/<br>/g, "\\n");
}"""


def test_chart_tooltips_speak_the_reader_s_unit(page, shot, sign_in, make_user, loaded_year):
    from renda.budget.services.reading import reader_amount_unit_set

    deputy = make_user(Role.DEPUTY, real_name="王代表")
    reader_amount_unit_set(actor=deputy, unit="wan")
    sign_in(page, deputy)
    page.goto(f"/budget/analysis/?year={YEAR}")
    root = page.locator("#analysis-dashboards")
    assert root.get_attribute("data-divisor") == "10000"
    # the exact conversion of a decimal string, rounded half up on its digits (as the tables do)
    shown = page.evaluate("window.rendaChartAmount('123456789.5')")
    assert shown in ("12,345.68 万元", "12,345.68 10,000 yuan")
    assert page.evaluate("window.rendaChartAmount('49.99')").startswith("0.00 ")
    assert page.evaluate("window.rendaChartAmount('50')").startswith("0.01 ")
    charts = json.loads(page.locator("#analysis-charts").text_content())
    monthly = next(v for v in charts["monthly"]["amount"] if v is not None)
    wan = (Decimal(monthly) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for key in ("department", "monthly", "structure_function", "structure_econ", "three_public", "payees"):
        chart = page.get_by_test_id(f"chart-{key}")
        expect(chart).to_have_attribute("data-drawn", "true")
        text = page.evaluate(TOOLTIP_TEXT, key)
        assert "万元" in text or "10,000 yuan" in text, (key, text)
    assert f"{wan:,.2f}" in page.evaluate(TOOLTIP_TEXT, "monthly")
    # the axis of money is named in the unit too
    assert page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-monthly')).getOption().yAxis[0].name"
    ) in ("万元", "10,000 yuan")
    page.get_by_test_id("dashboard-monthly").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    box = page.get_by_test_id("chart-monthly").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a real tooltip
    page.wait_for_timeout(400)
    shot(page, "monthly-tooltip-in-wan")
