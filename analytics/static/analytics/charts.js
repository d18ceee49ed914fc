/* The analytics dashboard's charts: each <figure data-chart="ID"> is drawn with uPlot 1.6.32 (vendored in
   umbrella/static/vendor/) from the JSON in <script id="ID" type="application/json"> that the page
   wrote (analytics.selectors.charts). The days are UTC days, and are shown as such. The table
   under the charts holds the same figures for screen readers and without JavaScript. */
(function () {
  "use strict";
  if (typeof uPlot === "undefined") return;

  var COLOURS = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a"];
  var HEIGHT = 220;
  var DAY = new Intl.DateTimeFormat("en-GB", {
    timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric",
  });

  function number(v, digits) {
    return v.toLocaleString("en-US", { maximumFractionDigits: digits });
  }

  function formatter(unit) {
    if (unit === "cents") return function (v) { return "$" + number(v, 2); };
    if (unit === "seconds") return function (v) { return number(v, 1) + " h"; };
    if (unit === "rating") return function (v) { return v.toFixed(1); };
    return function (v) { return number(v, 0); };
  }

  function axisFormatter(unit) {
    var format = formatter(unit);
    return function (u, splits) {
      return splits.map(function (v) {
        if (v == null) return "";
        if (unit === "count" && v % 1 !== 0) return "";  // no half messages
        if (unit === "cents" && Math.abs(v) >= 1000) return "$" + number(v / 1000, 1) + "k";
        return format(v);
      });
    };
  }

  function draw(figure) {
    var source = document.getElementById(figure.dataset.chart);
    var box = figure.querySelector(".chart-canvas");
    if (!source || !box) return;
    var chart = JSON.parse(source.textContent);
    var style = getComputedStyle(box);
    var text = style.color;
    var grid = "rgba(127, 127, 127, 0.25)";
    var format = formatter(chart.unit);
    var series = [{
      label: "Day",
      value: function (u, ts) { return ts == null ? "—" : DAY.format(new Date(ts * 1000)); },
    }];
    chart.series.forEach(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      var options = {
        label: s.label,
        stroke: colour,
        width: 2,
        spanGaps: chart.unit === "rating" || chart.unit === "seconds",
        value: function (u, v) { return v == null ? "—" : format(v); },
      };
      if (chart.bars) {
        options.fill = colour + "99";
        options.paths = uPlot.paths.bars({ size: [0.8 / chart.series.length, 24], align: 0 });
        options.points = { show: false };
      } else if (chart.x.length > 120) {
        options.points = { show: false };
      }
      series.push(options);
    });
    var yRange = chart.unit === "rating" ? { range: [0.8, 5.2] } : {};
    var opts = {
      width: Math.max(box.clientWidth, 200),
      height: HEIGHT,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: { x: { time: true }, y: yRange },
      series: series,
      axes: [
        { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid } },
        { stroke: text, grid: { stroke: grid }, ticks: { stroke: grid }, size: 64,
          values: axisFormatter(chart.unit) },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    var data = [chart.x].concat(chart.series.map(function (s) { return s.values; }));
    var plot = new uPlot(opts, data, box);
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(function () {
        var width = Math.max(box.clientWidth, 200);
        if (width !== plot.width) plot.setSize({ width: width, height: HEIGHT });
      }).observe(box);
    }
    figure.dataset.drawn = "true";
  }

  document.querySelectorAll("figure[data-chart]").forEach(draw);
})();
