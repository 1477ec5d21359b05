// Draws every <div class="chart" data-chart="{ECharts option JSON}"> with the served Apache ECharts bundle.
// The option is built on the server; this file only hands it to ECharts (no chart drawing code of our own).
// The 1 MB ECharts bundle is fetched only by pages that have a chart, after the page has been parsed.
(function () {
  function draw() {
    if (!document.querySelector("div.chart[data-chart]")) { return; }
    if (typeof echarts === "undefined") {
      var script = document.createElement("script");
      script.src = "/assets/echarts.min.js";
      script.onload = draw;
      document.head.appendChild(script);
      return;
    }
    document.querySelectorAll("div.chart[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var option = JSON.parse(el.getAttribute("data-chart"));
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
