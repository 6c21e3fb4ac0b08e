// Charts from JSON data blocks (<script type="application/json">): no inline script, CSP-safe.
// Each bar links to the filtered list it counts.
(function () {
  "use strict";
  document.querySelectorAll(".chart[data-chart=stacked]").forEach(function (node) {
    var source = document.getElementById(node.getAttribute("data-source"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    node.style.height = Math.max(260, spec.categories.length * 28 + 60) + "px";
    var chart = window.echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: spec.categories, inverse: true },
      series: spec.series.map(function (cls) {
        return {
          name: cls, type: "bar", stack: "total", itemStyle: { color: spec.colors[cls] },
          data: spec.data.map(function (row) { return row[cls] || 0; })
        };
      })
    });
    chart.on("click", function (params) {
      var url = new URL(node.getAttribute("data-link"), window.location.href);
      url.searchParams.set(node.getAttribute("data-link-key"), spec.keys[params.dataIndex]);
      url.searchParams.set("risk_class", params.seriesName);
      window.location.href = url.toString();
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();

// Plain bar charts: {categories, values}.
(function () {
  "use strict";
  document.querySelectorAll(".chart[data-chart=bar]").forEach(function (node) {
    var source = document.getElementById(node.getAttribute("data-source"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 8, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 45 : 0 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: spec.values, itemStyle: { color: "#12355b" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
