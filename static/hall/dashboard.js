/* The staff dashboard's charts (Apache ECharts, served from static/vendor/ — see devstack/frontend.py).
   The figures come from <script type="application/json" id="dashboard-data"> (json_script): no inline
   script or style, so the strict CSP holds. Canvas renderer and canvas-drawn tooltips (richText): ECharts
   then styles elements only through CSSOM, which the CSP allows; HTML tooltips would carry style attributes. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var words = data.words;
  var locale = (document.documentElement.lang || "zh-hans").indexOf("zh") === 0 ? "ZH" : "EN";
  var colours = ["#417690", "#e8a33d", "#2f9e6f"];
  var charts = [];

  function draw(element, option) {
    var chart = echarts.init(element, null, { renderer: "canvas", locale: locale });
    chart.setOption(option);
    charts.push(chart);
  }

  function shortDay(iso) { return iso.slice(5); }  // 2026-11-20 → 11-20; the tooltip names the whole date
  function yuan(value) { return "¥" + Number(value).toFixed(2); }
  // Values on the points when they fit (a week, on a wide column); otherwise in the tooltip on hover.
  var few = data.trend.days.length <= 7 && (document.querySelector("[data-chart]") || {}).clientWidth >= 480;
  var tooltip = { trigger: "axis", renderMode: "richText", confine: true };
  var grid = { left: 8, right: 16, top: 64, bottom: 28, containLabel: true };
  var dayAxis = { type: "category", data: data.trend.days, name: words.date, nameLocation: "middle", nameGap: 28,
                  axisLabel: { formatter: shortDay, hideOverlap: true }, axisTick: { alignWithLabel: true } };

  function byName(name) { return document.querySelector('[data-chart="' + name + '"]'); }

  if (byName("sales")) {
    draw(byName("sales"), {
      color: colours, tooltip: tooltip, grid: grid, legend: { top: 0 }, xAxis: dayAxis,
      yAxis: [
        { type: "value", name: words.orders, minInterval: 1, nameTextStyle: { align: "left" } },
        { type: "value", name: words.revenue, axisLabel: { formatter: "¥{value}" }, splitLine: { show: false },
          nameTextStyle: { align: "right" } }
      ],
      series: [
        { name: words.orders, type: "bar", data: data.trend.orders, barMaxWidth: 28,
          label: { show: few, position: "top" } },
        { name: words.revenue, type: "line", yAxisIndex: 1, data: data.trend.revenue.map(Number), symbolSize: 6,
          tooltip: { valueFormatter: yuan },
          label: { show: few, position: "top", formatter: function (p) { return yuan(p.value); } } }
      ]
    });
  }
  if (byName("views")) {
    draw(byName("views"), {
      color: [colours[2]], tooltip: tooltip, grid: grid, legend: { top: 0 }, xAxis: dayAxis,
      yAxis: { type: "value", name: words.views, minInterval: 1, nameTextStyle: { align: "left" } },
      series: [{ name: words.views, type: "line", areaStyle: { opacity: 0.15 }, data: data.trend.views,
                 symbolSize: 6, label: { show: few, position: "top" } }]
    });
  }
  data.funnels.forEach(function (funnel) {
    var element = document.querySelector('[data-chart="funnel"][data-path="' + funnel.path + '"]');
    if (!element) { return; }
    function labelled(p) {
      var rate = funnel.rates[p.dataIndex];
      return rate === null ? String(p.value) : p.value + " (" + rate + "%)";
    }
    draw(element, {
      color: [colours[0]],
      legend: { top: 0, left: "right" },
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText", confine: true,
        formatter: function (params) {
          var p = params[0], rate = funnel.rates[p.dataIndex];
          return p.name + "\n" + words.visitors + ": " + p.value +
            (rate === null ? "" : "\n" + words.of_before + ": " + rate + "%");
        }
      },
      grid: { left: 8, right: 64, top: 32, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: words.visitors, nameLocation: "middle", nameGap: 26, minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: funnel.steps,
               axisLabel: { width: 112, overflow: "break", interval: 0 } },
      series: [{ name: words.visitors, type: "bar", data: funnel.values, barMaxWidth: 22,
                 label: { show: true, position: "right", formatter: labelled } }]
    });
  });

  // Charts follow their column: a resized window, a phone turned, the admin's sidebar toggled.
  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  window.addEventListener("resize", resize);
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(resize);
    charts.forEach(function (chart) { observer.observe(chart.getDom()); });
  }
}());
