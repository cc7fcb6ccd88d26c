/* 分析: draws the budget analysis dashboards with ECharts.
 *
 * The page embeds every chart's figures in one JSON script (#analysis-charts, written by
 * budget/views/analysis.py). Money arrives as exact decimal strings in 元: the tooltips show them
 * in the reader's unit (data-divisor, data-unit-label: 元 / 万元 / 亿元), divided exactly on the
 * digits and rounded half up to the fen of that unit, as the page's tables do (amount_units.py);
 * only the drawing turns them into numbers. A click on a
 * bar or slice that carries a link opens the filtered 查询. Each card also holds its figures as a
 * table, shown when JavaScript is off and reachable with the card's toggle button.
 */
(function () {
  "use strict";

  var root = document.getElementById("analysis-dashboards");
  if (!root || typeof echarts === "undefined") return;
  var source = document.getElementById(root.dataset.source);
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var locale = root.dataset.locale === "ZH" ? "ZH" : "EN";
  var charts = {};
  var palette = ["#a61b1b", "#d98b1f", "#2f6fb0", "#3f9a5a", "#7d55a8", "#5b6b7a", "#c2457a", "#1f8f8f"];

  function num(value) {
    return value === null || value === undefined || value === "" ? null : Number(value);
  }

  // "1234567.5" → "1,234,567.50", exactly as given (no float round trip).
  function money(value) {
    if (value === null || value === undefined || value === "") return "—";
    var text = String(value);
    var negative = text.charAt(0) === "-";
    if (negative) text = text.slice(1);
    var parts = text.split(".");
    var cents = ((parts[1] || "") + "00").slice(0, 2);
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (negative ? "-" : "") + whole + "." + cents;
  }

  // "123456789.5" 元 in 万元 → "12,345.68": the decimal point moved by the divisor's zeros, then
  // rounded half up (away from zero) to two places, all on the digits (no float round trip).
  function scaled(value, shift) {
    if (value === null || value === undefined || value === "") return null;
    var text = String(value);
    var negative = text.charAt(0) === "-";
    if (negative || text.charAt(0) === "+") text = text.slice(1);
    var parts = text.split(".");
    var digits = (parts[0] || "0") + (parts[1] || "");
    var point = (parts[0] || "0").length - shift;
    while (point < 1) {
      digits = "0" + digits;
      point += 1;
    }
    var whole = digits.slice(0, point);
    var fraction = digits.slice(point) + "000";
    var cents = BigInt(whole + fraction.slice(0, 2));
    if (fraction.charAt(2) >= "5") cents += BigInt(1);
    var padded = cents.toString();
    while (padded.length < 3) padded = "0" + padded;
    var result = padded.slice(0, -2) + "." + padded.slice(-2);
    return (negative && /[1-9]/.test(padded) ? "-" : "") + result;
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : value + "%";
  }

  // Axis labels in the reader's unit (元 / 万元 / 亿元): the page gives the divisor (data-divisor).
  var divisor = Number(root.dataset.divisor) || 10000;
  var shift = Math.round(Math.log10(divisor));
  var unitLabel = root.dataset.unitLabel || "";

  // A tooltip's amount: the yuan string in the reader's unit, with the unit's name.
  function amount(value) {
    var text = scaled(value, shift);
    return text === null ? "—" : money(text) + (unitLabel ? " " + unitLabel : "");
  }
  window.rendaChartAmount = amount; // for the browser checks
  function tenThousands(value) {
    return (value / divisor).toLocaleString(locale === "ZH" ? "zh-CN" : "en", {
      maximumFractionDigits: divisor >= 100000000 ? 2 : 0,
    });
  }

  // A long label on as many lines as it needs, never cut to "…": Chinese by characters, other
  // languages at the spaces (a word longer than the line keeps its line).
  function wrap(label, size) {
    var text = String(label === null || label === undefined ? "" : label);
    if (text.length <= size) return text;
    var lines = [];
    if (/\s/.test(text)) {
      var line = "";
      text.split(/\s+/).forEach(function (word) {
        if (line && (line + " " + word).length > size) {
          lines.push(line);
          line = word;
        } else {
          line = line ? line + " " + word : word;
        }
      });
      if (line) lines.push(line);
    } else {
      for (var i = 0; i < text.length; i += size) lines.push(text.slice(i, i + size));
    }
    return lines.join("\n");
  }
  window.rendaChartLabel = wrap; // for the browser checks

  function lineCount(labels, size) {
    return labels.reduce(function (sum, label) {
      return sum + Math.max(1, wrap(label, size).split("\n").length);
    }, 0);
  }

  // Rows of one line take 28 px; each further line of a wrapped label 14 px more.
  function tall(el, rows, labels, size) {
    var extra = labels ? lineCount(labels, size) - labels.length : 0;
    el.style.height = Math.max(320, 28 * rows + 14 * extra + 90) + "px";
  }

  function withUrls(values, urls) {
    return values.map(function (v, i) {
      return { value: num(v), url: (urls && urls[i]) || "", raw: v };
    });
  }

  var builders = {
    // Execution rate per row as bars, time progress as a line across them.
    execution: function (d, el) {
      tall(el, d.labels.length, d.labels, 14);
      return {
        color: palette,
        grid: { left: 8, right: 48, top: 36, bottom: 24, containLabel: true },
        legend: { top: 0 },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          formatter: function (items) {
            var i = items[0].dataIndex;
            return (
              d.labels[i] + "<br>" + d.text.rate + ": " + percent(d.rate[i]) + "<br>" + d.text.progress + ": " +
              percent(d.progress) + "<br>" + d.text.indicator + ": " + amount(d.indicator[i]) + "<br>" +
              d.text.paid + ": " + amount(d.paid[i])
            );
          },
        },
        xAxis: {
          type: "value",
          max: function (extent) { return Math.ceil(Math.max(extent.max, num(d.progress) || 0) / 10) * 10 || 10; },
          axisLabel: { formatter: "{value}%" },
        },
        yAxis: {
          type: "category",
          inverse: true,
          data: d.labels,
          axisLabel: { formatter: function (v) { return wrap(v, 14); } },
        },
        series: [
          {
            name: d.text.rate,
            type: "bar",
            barMaxWidth: 28,
            data: withUrls(d.rate, d.urls),
            label: { show: true, position: "right", formatter: function (p) { return percent(p.data.raw); } },
            itemStyle: {
              color: function (p) {
                var rate = num(p.data.raw);
                return rate !== null && num(d.progress) - rate > 15 ? "#a61b1b" : "#2f6fb0";
              },
            },
            markLine: {
              symbol: "none",
              silent: true,
              lineStyle: { color: "#d98b1f", width: 2, type: "solid" },
              label: { show: false },
              data: [{ xAxis: num(d.progress) }],
            },
          },
          // a legend entry for the line drawn by markLine above
          { name: d.text.progress + " " + percent(d.progress), type: "line", data: [], lineStyle: { color: "#d98b1f" }, itemStyle: { color: "#d98b1f" } },
        ],
      };
    },
    // This year's months beside the previous year's, with both running totals.
    monthly: function (d) {
      var t = d.text;
      return {
        color: ["#a61b1b", "#9aa5b1", "#d98b1f", "#5b6b7a"],
        legend: { top: 0 },
        grid: { left: 8, right: 8, top: 40, bottom: 24, containLabel: true },
        tooltip: {
          trigger: "axis",
          formatter: function (items) {
            var i = items[0].dataIndex;
            return (
              d.labels[i] + "<br>" + t.amount + ": " + amount(d.amount[i]) + "<br>" + t.previous + ": " +
              amount(d.previous[i]) + "<br>" + t.cumulative + ": " + amount(d.cumulative[i]) + "<br>" +
              t.previous_cumulative + ": " + amount(d.previous_cumulative[i])
            );
          },
        },
        xAxis: { type: "category", data: d.labels },
        yAxis: [
          { type: "value", name: t.unit, axisLabel: { formatter: tenThousands } },
          { type: "value", name: t.unit, axisLabel: { formatter: tenThousands }, splitLine: { show: false } },
        ],
        series: [
          { name: t.amount, type: "bar", data: withUrls(d.amount, d.urls) },
          { name: t.previous, type: "bar", data: withUrls(d.previous) },
          { name: t.cumulative, type: "line", yAxisIndex: 1, data: d.cumulative.map(num) },
          { name: t.previous_cumulative, type: "line", yAxisIndex: 1, data: d.previous_cumulative.map(num), lineStyle: { type: "dashed" } },
        ],
      };
    },
    pie: function (d) {
      return {
        color: palette,
        tooltip: {
          formatter: function (p) { return p.name + "<br>" + amount(p.data.raw) + " (" + percent(p.data.share) + ")"; },
        },
        legend: { type: "scroll", orient: "vertical", right: 0, top: 10, bottom: 10, formatter: function (v) { return wrap(v, 12); } },
        series: [
          {
            name: d.text.series,
            type: "pie",
            radius: ["35%", "70%"],
            center: ["35%", "50%"],
            minShowLabelAngle: 12,
            label: { formatter: function (p) { return wrap(p.name, 10) + "\n" + percent(p.data.share); } },
            data: d.items.map(function (it) {
              return { name: it.name, value: num(it.value), raw: it.value, share: it.share, url: it.url };
            }),
          },
        ],
      };
    },
    treemap: function (d) {
      return {
        color: palette,
        tooltip: {
          formatter: function (p) { return p.name + "<br>" + amount(p.data.raw) + " (" + percent(p.data.share) + ")"; },
        },
        series: [
          {
            name: d.text.series,
            type: "treemap",
            roam: false,
            nodeClick: false,
            breadcrumb: { show: false },
            label: { formatter: function (p) { return p.name + "\n" + percent(p.data.share); } },
            data: d.items.map(function (it) {
              return { name: it.name, value: num(it.value), raw: it.value, share: it.share, url: it.url };
            }),
          },
        ],
      };
    },
    // Stacked bars: the three public expenses per year, or findings per rule and state.
    stacked: function (d, el) {
      var horizontal = !!d.horizontal;
      if (horizontal) tall(el, d.labels.length, d.labels, 16);
      var category = { type: "category", data: d.labels, inverse: horizontal, axisLabel: { interval: 0, formatter: function (v) { return wrap(v, horizontal ? 16 : 6); } } };
      var value = horizontal
        ? { type: "value", minInterval: 1 }
        : { type: "value", name: d.text.unit, axisLabel: { formatter: tenThousands } };
      return {
        color: palette,
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 16, top: 40, bottom: 24, containLabel: true },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          formatter: function (items) {
            var i = items[0].dataIndex;
            var lines = [d.labels[i]];
            d.series.forEach(function (s) {
              lines.push(s.name + ": " + (horizontal ? s.values[i] : amount(s.values[i])));
            });
            return lines.join("<br>");
          },
        },
        xAxis: horizontal ? value : category,
        yAxis: horizontal ? category : value,
        series: d.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "total", barMaxWidth: 36, data: withUrls(s.values, s.urls || d.urls) };
        }),
      };
    },
    payees: function (d, el) {
      tall(el, d.labels.length, d.labels, 14);
      return {
        color: ["#2f6fb0"],
        grid: { left: 8, right: 48, top: 16, bottom: 36, containLabel: true },
        tooltip: { formatter: function (p) { return p.name + "<br>" + d.text.amount + ": " + amount(p.data.raw); } },
        xAxis: { type: "value", name: d.text.unit, nameLocation: "middle", nameGap: 26, axisLabel: { formatter: tenThousands } },
        yAxis: { type: "category", inverse: true, data: d.labels, axisLabel: { formatter: function (v) { return wrap(v, 14); } } },
        series: [
          {
            name: d.text.amount,
            type: "bar",
            data: withUrls(d.amount, d.urls),
            label: { show: true, position: "right", formatter: function (p) { return tenThousands(p.value); } },
          },
        ],
      };
    },
    revenue: function (d, el) {
      var t = d.text;
      tall(el, d.labels.length, d.labels, 14);
      return {
        color: ["#9aa5b1", "#3f9a5a"],
        legend: { top: 0 },
        grid: { left: 8, right: 48, top: 36, bottom: 36, containLabel: true },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          formatter: function (items) {
            var i = items[0].dataIndex;
            return (
              d.labels[i] + "<br>" + t.budget + ": " + amount(d.budget[i]) + "<br>" + t.received + ": " +
              amount(d.received[i]) + "<br>" + t.rate + ": " + percent(d.rate[i])
            );
          },
        },
        xAxis: { type: "value", name: t.unit, nameLocation: "middle", nameGap: 26, axisLabel: { formatter: tenThousands } },
        yAxis: { type: "category", inverse: true, data: d.labels, axisLabel: { formatter: function (v) { return wrap(v, 14); } } },
        series: [
          { name: t.budget, type: "bar", data: d.budget.map(num) },
          {
            name: t.received,
            type: "bar",
            data: withUrls(d.received),
            label: { show: true, position: "right", formatter: function (p) { return percent(d.rate[p.dataIndex]); } },
          },
        ],
      };
    },
    debt: function (d) {
      return {
        color: ["#a61b1b", "#a61b1b", "#2f6fb0", "#2f6fb0"],
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 16, top: 60, bottom: 24, containLabel: true },
        tooltip: {
          trigger: "axis",
          formatter: function (items) {
            var i = items[0].dataIndex;
            var lines = [d.labels[i]];
            d.series.forEach(function (s) { lines.push(s.name + ": " + amount(s.values[i])); });
            return lines.join("<br>");
          },
        },
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value", name: d.text.unit, scale: true, axisLabel: { formatter: tenThousands } },
        series: d.series.map(function (s) {
          return {
            name: s.name,
            type: "line",
            step: s.line === "dashed" ? "end" : false,
            symbol: s.line === "dashed" ? "none" : "circle",
            lineStyle: { type: s.line },
            data: s.values.map(num),
          };
        }),
      };
    },
  };

  function draw(el) {
    var key = el.dataset.chart;
    var spec = data[key];
    if (!spec || !builders[spec.kind] || spec.empty) return;
    el.hidden = false;
    var chart = echarts.init(el, null, { locale: locale, renderer: "canvas" });
    chart.setOption(builders[spec.kind](spec, el));
    chart.resize();
    chart.on("click", function (p) {
      var url = p.data && p.data.url;
      if (url) window.location.assign(url);
    });
    charts[key] = chart;
    el.dataset.drawn = "true";
  }

  function showTable(key, show) {
    var table = document.getElementById("table-" + key);
    var chartEl = document.getElementById("chart-" + key);
    var button = root.querySelector('[data-toggle-table="' + key + '"]');
    if (!table || !chartEl || !button) return;
    table.hidden = !show;
    chartEl.hidden = show;
    button.setAttribute("aria-pressed", show ? "true" : "false");
    button.querySelector("span").textContent = show ? button.dataset.labelChart : button.dataset.labelTable;
    button.querySelector("i").className = (show ? "bi bi-bar-chart" : "bi bi-table") + " me-1";
    if (!show && charts[key]) charts[key].resize();
  }

  root.querySelectorAll("[data-chart]").forEach(function (el) {
    draw(el);
    var key = el.dataset.chart;
    if (!charts[key]) return; // not drawn: the table stays
    var button = root.querySelector('[data-toggle-table="' + key + '"]');
    button.hidden = false;
    button.addEventListener("click", function () {
      showTable(key, button.getAttribute("aria-pressed") !== "true");
    });
    showTable(key, false);
  });

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
