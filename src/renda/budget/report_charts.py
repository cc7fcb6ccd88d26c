"""图表: the charts of the budget execution report, drawn with matplotlib as SVG for the PDF.

WeasyPrint renders SVG images; matplotlib's SVG backend writes every glyph as a path
(``svg.fonttype = "path"``), so the Chinese labels need no font at PDF time: they are drawn with
the Noto CJK font that the set-up installs (``fonts-noto-cjk``) when the chart is made.

Matplotlib keeps a font cache; it is placed in the data directory (``<data dir>/matplotlib``)
unless ``MPLCONFIGDIR`` says otherwise, so a worker does not rebuild it on every start.
"""

from __future__ import annotations

import base64
import io
import os
import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings

FONT_FAMILY = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "DejaVu Sans"]
THIS_YEAR = "#a61b1b"
LAST_YEAR = "#9aa5b1"
BUDGET = "#c9d3de"
ACTUAL = "#2f6db5"
PROGRESS = "#e08a00"
WAN = Decimal(10000)
REGION_MARKS = ("省", "市", "州", "县", "区", "旗", "镇", "乡")

_lock = threading.Lock()  # pyplot-free, but matplotlib's font cache is shared state
_ready = False


def _setup() -> None:
    global _ready
    if _ready:
        return
    if "MPLCONFIGDIR" not in os.environ:
        directory = settings.DATA_DIR / "matplotlib"
        directory.mkdir(parents=True, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(directory)
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": FONT_FAMILY,
            "axes.unicode_minus": False,
            "svg.fonttype": "path",
            "svg.hashsalt": "renda",  # the same chart gives the same SVG
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 10,
            "axes.titleweight": "bold",
            "legend.frameon": False,
            "legend.fontsize": 8,
        }
    )
    _ready = True


def _figure(width_cm: float, height_cm: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_cm / 2.54, height_cm / 2.54), layout="constrained")


def _svg(figure: Any) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def data_uri(svg: str) -> str:
    """The chart as a ``data:`` address for an ``<img>`` of the PDF template."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _wan(value: Decimal | None) -> float:
    """Yuan as 万元 for drawing (a chart's coordinate, never a figure of the report)."""
    return float((value or Decimal(0)) / WAN)  # matplotlib draws in float: a coordinate, not money


def _short(label: str, length: int = 12) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"


def _without_region(labels: Sequence[str]) -> list[str]:
    """Labels without the region's name that all of them begin with (示范县教育局 → 教育局)."""
    labels = list(labels)
    if len(labels) < 2:
        return labels
    prefix = os.path.commonprefix(labels)
    cut = max((prefix.rfind(mark) for mark in REGION_MARKS), default=-1)
    if cut < 0 or any(len(label) <= cut + 1 for label in labels):
        return labels
    return [label[cut + 1 :] for label in labels]


def execution_chart(rows: Sequence[tuple[str, Decimal | None]], time_progress: Decimal, title: str) -> str:
    """Horizontal bars: execution rate (%) per row against the time-progress line."""
    with _lock:
        _setup()
        height = 2.2 + 0.55 * max(len(rows), 1)
        figure = _figure(16.5, height)
        axes = figure.add_subplot()
        labels = [_short(label) for label in _without_region([label for label, _rate in rows])][::-1]
        exact = [rate or Decimal(0) for _label, rate in rows][::-1]
        colors = [THIS_YEAR if r < time_progress - 15 else ACTUAL for r in exact]
        rates = [float(r) for r in exact]  # bar lengths only: matplotlib draws in float
        bars = axes.barh(range(len(rates)), rates, color=colors, height=0.6)
        axes.bar_label(bars, labels=[f"{r:.1f}%" for r in exact], padding=2, fontsize=7)
        axes.axvline(float(time_progress), color=PROGRESS, linestyle="--", linewidth=1.2)  # a position
        axes.text(
            float(time_progress),
            len(rates) - 0.4,
            f" 时间进度 {time_progress}%",
            color=PROGRESS,
            fontsize=7,
            va="bottom",
        )
        axes.set_yticks(range(len(labels)), labels)
        axes.set_ylim(-0.6, len(rates) + 0.3)  # a band above the top bar for the progress label
        axes.set_xlim(0, max([100.0, *[r + 12 for r in rates]]))
        axes.set_xlabel("执行进度（%）")
        axes.set_title(title)
        return _svg(figure)


def grouped_chart(
    categories: Sequence[str], series: dict[str, Sequence[Decimal]], title: str, colors: Sequence[str] = ()
) -> str:
    """Grouped bars in 万元: one group per category, one bar per series (legend: the series)."""
    with _lock:
        _setup()
        figure = _figure(16.5, 7)
        axes = figure.add_subplot()
        palette = list(colors) or [LAST_YEAR, THIS_YEAR, ACTUAL, PROGRESS]
        width = 0.8 / max(len(series), 1)
        xs = list(range(len(categories)))
        for i, (label, values) in enumerate(series.items()):
            offset = (i - (len(series) - 1) / 2) * width
            axes.bar(
                [x + offset for x in xs],
                [_wan(v) for v in values],
                width,
                color=palette[i % len(palette)],
                label=label,
            )
        axes.set_xticks(xs, list(categories))
        axes.set_ylabel("万元")
        axes.set_title(title)
        axes.legend(loc="upper left")
        return _svg(figure)


def monthly_chart(
    months: Sequence[int], this_year: Sequence[Decimal], last_year: Sequence[Decimal], year: int
) -> str:
    """Each month's payments beside the same month of the previous year."""
    return grouped_chart(
        [f"{m}月" for m in months],
        {f"{year - 1}年": last_year, f"{year}年": this_year},
        "月度支出与上年同期",
        colors=[LAST_YEAR, THIS_YEAR],
    )


def share_chart(rows: Sequence[tuple[str, Decimal]], title: str) -> str:
    """Horizontal bars: each class's share (%) of the paid total."""
    with _lock:
        _setup()
        total = sum((amount for _label, amount in rows), Decimal(0))
        exact = [amount / total * 100 if total else Decimal(0) for _label, amount in rows][::-1]
        shares = [float(s) for s in exact]  # bar lengths only: matplotlib draws in float
        labels = [_short(label, 14) for label, _amount in rows][::-1]
        figure = _figure(16.5, 2.2 + 0.5 * max(len(rows), 1))
        axes = figure.add_subplot()
        bars = axes.barh(range(len(shares)), shares, color=ACTUAL, height=0.6)
        axes.bar_label(bars, labels=[f"{s:.1f}%" for s in exact], padding=2, fontsize=7)
        axes.set_yticks(range(len(labels)), labels)
        axes.set_xlim(0, max([10.0, *[s * 1.15 + 3 for s in shares]]))
        axes.set_xlabel("占支出比重（%）")
        axes.set_title(title)
        return _svg(figure)
