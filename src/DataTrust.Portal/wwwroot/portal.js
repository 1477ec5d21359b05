// Draws every <div class="chart" data-chart="{ECharts option JSON}"> with the served Apache ECharts bundle.
// The option is built on the server; this file only hands it to ECharts (no chart drawing code of our own).
(function () {
  function draw() {
    if (typeof echarts === "undefined") { return; }
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
