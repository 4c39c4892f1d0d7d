// Charts of the dashboards, drawn with Chart.js served from /static/vendor/chart.js/ (Debian's libjs-chart.js).
// Data comes from json_script blocks; every chart has its data table beside it in the page.
(function () {
  "use strict";
  var fmt = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 2 });

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function sparklines() {
    var all = data("sparklines");
    if (!all) return;
    document.querySelectorAll("canvas.sparkline").forEach(function (canvas) {
      var code = canvas.dataset.series.replace(/^spark-/, "");
      var points = all[code] || [];
      new window.Chart(canvas, {
        type: "line",
        data: {
          labels: points.map(function (p) { return p.p; }),
          datasets: [{ data: points.map(function (p) { return p.v; }), borderColor: "#1f5fa8", borderWidth: 1.5, pointRadius: 0, spanGaps: false }],
        },
        options: {
          responsive: false, animation: false, events: [],
          plugins: { legend: { display: false }, tooltip: { enabled: false } },
          scales: { x: { display: false }, y: { display: false } },
        },
      });
    });
  }

  function ranking() {
    var canvas = document.getElementById("ranking-chart");
    var rows = data("ranking-data");
    if (!canvas || !rows) return;
    canvas.parentElement.style.height = Math.max(160, rows.length * 18 + 40) + "px";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.name; }),
        datasets: [{ data: rows.map(function (r) { return r.v; }), backgroundColor: "#1f5fa8" }],
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return fmt.format(c.parsed.x); } } } },
        scales: { x: { ticks: { callback: function (v) { return fmt.format(v); } } }, y: { ticks: { autoSkip: false } } },
      },
    });
  }

  function series() {
    var canvas = document.getElementById("series-chart");
    var points = data("series-data");
    if (!canvas || !points) return;
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: points.map(function (p) { return p.p; }),
        datasets: [{ data: points.map(function (p) { return p.v; }), borderColor: "#1f5fa8", backgroundColor: "#1f5fa8" }],
      },
      options: {
        maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return fmt.format(c.parsed.y); } } } },
        scales: { y: { ticks: { callback: function (v) { return fmt.format(v); } } } },
      },
    });
  }

  function init() {
    if (!window.Chart) return;
    sparklines();
    ranking();
    series();
    document.body.dataset.chartsReady = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
