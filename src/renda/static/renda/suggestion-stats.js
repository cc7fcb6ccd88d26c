// 建议办理统计: the bars by unit (or category, session …) and the pie of reply classes.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var barsBox = document.getElementById("chart-bars"), pieBox = document.getElementById("chart-classes");
  var bars = echarts.init(barsBox);
  bars.setOption({
    animation: false,
    tooltip: {trigger: "axis"}, legend: {top: 0},
    grid: {left: 40, right: 10, bottom: 80, top: 40},
    xAxis: {type: "category", data: data.labels, axisLabel: {rotate: 40, interval: 0}},
    yAxis: {type: "value", minInterval: 1},
    series: [
      {name: barsBox.dataset.assigned, type: "bar", data: data.assigned},
      {name: barsBox.dataset.repliedInTime, type: "bar", data: data.replied_in_time},
      {name: barsBox.dataset.overdue, type: "bar", data: data.overdue, itemStyle: {color: "#c0392b"}}
    ]
  });
  var pie = echarts.init(pieBox);
  pie.setOption({
    animation: false,
    title: {text: pieBox.dataset.title, left: "center", textStyle: {fontSize: 14}},
    tooltip: {trigger: "item"},
    series: [{type: "pie", radius: ["35%", "65%"], data: data.classes.filter(function (c) { return c.value > 0; }),
               label: {formatter: "{b}: {c} ({d}%)"}}]
  });
  window.addEventListener("resize", function () { bars.resize(); pie.resize(); });
})();
