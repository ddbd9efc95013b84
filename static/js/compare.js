/* The compare page's charts: a line per company over its financial years, on a time axis in
   years (companies end their years in different months, so each point sits at its own period
   end). Data comes from the page's json_script block (#compare-data); nothing here is inline, so
   the page keeps its strict CSP. Without JavaScript the tables under the charts say everything. */
(function () {
  "use strict";

  var source = document.getElementById("compare-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  // Colour, point shape and dash all differ, so a line is told apart without its colour.
  var colours = ["#0b5cad", "#c0392b", "#2e7d32", "#8a6d00", "#6a3d9a", "#37474f"];
  var shapes = ["circle", "triangle", "rect", "rectRot", "star", "crossRot"];
  var dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3], [1, 3], [10, 4]];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var compact = new Intl.NumberFormat("en-AU", { notation: "compact", maximumFractionDigits: 2 });

  window.Chart.defaults.animation = false;
  window.Chart.defaults.maintainAspectRatio = false;
  window.Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  function endLabel(iso) {
    // "2026-06-30" -> "Jun 2026", the period end as the tables head their rows
    return MONTHS[Number(iso.slice(5, 7)) - 1] + " " + iso.slice(0, 4);
  }

  function prefix(currency) {
    if (currency === "AUD") {
      return "A$";
    }
    return currency ? currency + " " : "";
  }

  function format(unit, value, currency) {
    if (value === null || value === undefined) {
      return "—";
    }
    var sign = value < 0 ? "−" : "";
    if (unit === "percent") {
      return sign + Math.abs(value * 100).toFixed(1) + "%";
    }
    if (unit === "times") {
      return sign + Math.abs(value).toFixed(2) + "×";
    }
    if (unit === "money") {
      return sign + prefix(currency) + compact.format(Math.abs(value));
    }
    return String(value);
  }

  function draw(chart) {
    var canvas = document.getElementById("compare-chart-" + chart.key);
    if (!canvas) {
      return;
    }
    var currencies = {};
    chart.datasets.forEach(function (set) {
      if (set.currency) {
        currencies[set.currency] = true;
      }
    });
    var names = Object.keys(currencies);
    // the axis names a currency only when every line is in it
    var axisCurrency = names.length === 1 ? names[0] : null;
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: chart.datasets.map(function (set, i) {
          return {
            label: set.label,
            currency: set.currency,
            data: set.points,
            borderColor: colours[i % colours.length],
            backgroundColor: colours[i % colours.length],
            pointStyle: shapes[i % shapes.length],
            pointRadius: 4,
            pointHoverRadius: 6,
            borderWidth: 2,
            borderDash: dashes[i % dashes.length],
            spanGaps: false,
          };
        }),
      },
      options: {
        responsive: true,
        interaction: { mode: "nearest", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? endLabel(items[0].raw.end) : "";
              },
              label: function (context) {
                return context.dataset.label + ": " + format(chart.unit, context.raw.y, context.dataset.currency);
              },
            },
          },
        },
        scales: {
          x: {
            type: "linear",
            ticks: {
              stepSize: 1,
              callback: function (value) {
                return Number.isInteger(value) ? String(value) : "";
              },
            },
          },
          y: {
            beginAtZero: chart.unit !== "percent",
            ticks: {
              callback: function (value) {
                return format(chart.unit, value, axisCurrency);
              },
            },
          },
        },
      },
    });
  }

  data.charts.forEach(draw);
  document.documentElement.classList.add("compare-charts-ready");
})();
