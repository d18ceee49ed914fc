// The console's metrics chart: three small uPlot charts (calls and failures, success rate, p95)
// from the series the page carries as JSON (<script type="application/json">, no inline code).
// The page's tables carry the same numbers for readers without JavaScript or a screen.
(function () {
  "use strict";
  var holder = document.querySelector("[data-metrics-chart]");
  if (!holder || typeof uPlot === "undefined") return;
  var source = document.getElementById(holder.getAttribute("data-metrics-chart"));
  if (!source) return;
  var chart = JSON.parse(source.textContent);
  var points = chart.points;
  // Each point stands for a bucket [t, t + step): drawn at its middle, the axis spanning them all.
  var step = points.length > 1 ? points[1].t - points[0].t : 300;
  var times = points.map(function (p) { return p.t + step / 2; });
  var span = [points.length ? points[0].t : 0, points.length ? points[points.length - 1].t + step : step];
  var pick = function (name) { return points.map(function (p) { return p[name]; }); };
  var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;

  var charts = [
    {
      title: "Calls",
      data: [times, pick("calls"), pick("failures")],
      series: [
        { label: "Calls", stroke: "#1565c0", fill: "rgba(21, 101, 192, 0.25)", paths: bars },
        { label: "Failures", stroke: "#b71c1c", fill: "rgba(183, 28, 28, 0.35)", paths: bars },
      ],
      scale: { range: function (u, min, max) { return [0, Math.max(1, max)]; } },
      unit: "",
    },
    {
      title: "Success rate",
      data: [times, pick("success")],
      series: [{ label: "Success rate", stroke: "#2e7d32", width: 2, spanGaps: false }],
      scale: { range: [0, 100] },
      unit: " %",
    },
    {
      title: "p95 latency",
      data: [times, pick("p95")],
      series: [{ label: "p95", stroke: "#e65100", width: 2, spanGaps: false }],
      scale: { range: function (u, min, max) { return [0, Math.max(1, max || 0)]; } },
      unit: " ms",
    },
  ];

  var plots = [];
  var width = function () { return Math.max(280, holder.clientWidth); };
  charts.forEach(function (c) {
    var box = document.createElement("figure");
    var caption = document.createElement("figcaption");
    caption.className = "chart-title";
    caption.textContent = c.title;
    box.appendChild(caption);
    holder.appendChild(box);
    var unit = c.unit;
    var opts = {
      width: width(),
      height: 180,
      scales: { x: { time: true, range: function () { return span; } }, y: c.scale },
      series: [{}].concat(c.series.map(function (s) {
        return Object.assign({ value: function (u, v) { return v == null ? "—" : v + unit; } }, s);
      })),
      axes: [{}, { values: function (u, ticks) { return ticks.map(function (v) { return v + unit; }); }, size: 70 }],
    };
    plots.push(new uPlot(opts, c.data, box));
  });

  // Drawn again at the holder's new width: as soon as it changes where the browser reports
  // it (ResizeObserver, before the next paint), else shortly after the window's last resize.
  var drawn = width();
  var redraw = function () {
    var now = width();
    if (now === drawn) return;
    drawn = now;
    plots.forEach(function (plot) { plot.setSize({ width: now, height: 180 }); });
  };
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(redraw).observe(holder);
  } else {
    var resizing;
    window.addEventListener("resize", function () {
      clearTimeout(resizing);
      resizing = setTimeout(redraw, 150);
    });
  }
})();
