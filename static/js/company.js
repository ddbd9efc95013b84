/* The company page's charts: overview charts of the shown statements, and the history of any
   line item whose row is clicked. Data comes from the page's json_script block (#chart-data);
   nothing here is inline, so the page keeps its strict CSP. Without JavaScript the tables and
   the charts' data table still say everything. */
(function () {
  "use strict";

  // A wide statement scrolls sideways; say so while older periods are out of view.
  document.querySelectorAll(".statement-scroll").forEach(function (scroller) {
    var cue = document.getElementById("scroll-cue");
    function update() {
      var hidden = scroller.scrollWidth - scroller.clientWidth - scroller.scrollLeft > 1;
      scroller.classList.toggle("more-right", hidden);
      if (cue) {
        cue.hidden = !hidden;
      }
    }
    scroller.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  });
})();

// The share price over the chosen range (#price-data), dividends marked on the line.
(function () {
  "use strict";

  var source = document.getElementById("price-data");
  var canvas = document.getElementById("chart-price");
  if (!source || !canvas || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var prefix = data.currency === "AUD" ? "A$" : (data.currency ? data.currency + " " : "");
  var price = new Intl.NumberFormat("en-AU", { maximumFractionDigits: 3 });
  var onDay = {};
  data.dates.forEach(function (day, i) {
    onDay[day] = i;
  });
  // a dividend marks the close of its ex-date (or of the trading day before it)
  var marks = data.dates.map(function () {
    return null;
  });
  var amounts = {};
  data.dividends.forEach(function (entry) {
    var i = onDay[entry[0]];
    if (i === undefined) {
      i = data.dates.findIndex(function (day) {
        return day > entry[0];
      });
      i = i === -1 ? data.dates.length - 1 : Math.max(0, i - 1);
    }
    marks[i] = data.values[i];
    amounts[i] = (amounts[i] || 0) + entry[1];
  });
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.dates,
      datasets: [
        {
          label: data.label,
          data: data.values,
          borderColor: "#0b5cad",
          backgroundColor: "#0b5cad",
          pointRadius: 0,
          borderWidth: 1.5,
          spanGaps: false,
        },
        {
          label: "Dividend (ex-date)",
          data: marks,
          showLine: false,
          pointRadius: 4,
          pointStyle: "triangle",
          borderColor: "#b8860b",
          backgroundColor: "#b8860b",
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      responsive: true,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", display: data.dividends.length > 0 },
        tooltip: {
          callbacks: {
            label: function (context) {
              if (context.datasetIndex === 1) {
                return context.raw === null ? null : "Dividend " + prefix + price.format(amounts[context.dataIndex]);
              }
              return context.raw === null ? data.label + ": —" : data.label + ": " + prefix + price.format(context.raw);
            },
          },
        },
      },
      scales: {
        x: { ticks: { maxTicksLimit: 8, autoSkip: true } },
        y: {
          ticks: {
            callback: function (value) {
              return prefix + price.format(value);
            },
          },
        },
      },
    },
  });
  document.documentElement.classList.add("price-chart-ready");
})();

(function () {
  "use strict";

  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var overview = data.overview;
  var compact = new Intl.NumberFormat("en-AU", { notation: "compact", maximumFractionDigits: 2 });
  var full = new Intl.NumberFormat("en-AU", { maximumFractionDigits: 4 });
  var currency = data.currency ? data.currency + " " : "";
  var colours = ["#0b5cad", "#c0392b", "#2e8b57", "#b8860b"];

  window.Chart.defaults.animation = false;
  window.Chart.defaults.maintainAspectRatio = false;
  window.Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function yearLabel(iso) {
    // "2026-06-30" -> "Jun 2026": the period end, as the table heads its columns
    return MONTHS[Number(iso.slice(5, 7)) - 1] + " " + iso.slice(0, 4);
  }

  function options() {
    return {
      responsive: true,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (context) {
              var value = context.raw;
              var text = value === null ? "—" : currency + full.format(value);
              return context.dataset.label + ": " + text;
            },
          },
        },
      },
      scales: {
        y: {
          beginAtZero: true,
          ticks: {
            callback: function (value) {
              return compact.format(value);
            },
          },
        },
      },
    };
  }

  function draw(id, type, series) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return null;
    }
    return new window.Chart(canvas, {
      type: type,
      data: {
        labels: overview.ends.map(yearLabel),
        datasets: series.map(function (entry, i) {
          return {
            label: entry[0],
            data: entry[1],
            backgroundColor: colours[i % colours.length],
            borderColor: colours[i % colours.length],
            spanGaps: false,
          };
        }),
      },
      options: options(),
    });
  }

  draw("chart-income", "bar", [
    ["Revenue", overview.revenue],
    ["Net income", overview.net_income],
  ]);
  draw("chart-cash", "bar", [
    ["Operating cash flow", overview.operating_cash_flow],
    ["Free cash flow", overview.free_cash_flow],
  ]);
  draw("chart-balance", "line", [
    ["Total assets", overview.total_assets],
    ["Total liabilities", overview.total_liabilities],
  ]);

  // A line item's history: the table is newest first, a chart reads oldest first. The figures
  // are in the data by key; the label is the row button's own text (before any unit note).
  var items = data.table.values;
  var ends = data.table.ends.slice().reverse();
  var figure = document.getElementById("item-chart-figure");
  var title = document.getElementById("item-chart-title");
  var itemChart = null;

  function showItem(key, button) {
    var figures = Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null;
    if (!figures || !figure) {
      return;
    }
    var label = button.firstChild.textContent.trim();
    figure.hidden = false;
    title.textContent = label + " over time";
    var canvas = document.getElementById("chart-item");
    canvas.setAttribute("aria-label", label + " over time; its row in the table has the figures");
    var values = figures.slice().reverse();
    if (itemChart) {
      itemChart.destroy();
    }
    itemChart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: ends.map(yearLabel),
        datasets: [{ label: label, data: values, backgroundColor: colours[0] }],
      },
      options: options(),
    });
    document.querySelectorAll("button.chart-item[aria-pressed]").forEach(function (other) {
      other.setAttribute("aria-pressed", "false");
    });
    button.setAttribute("aria-pressed", "true");
    figure.scrollIntoView({ block: "nearest" });
  }

  // A click anywhere on a row charts it; the row's button is how keyboards and screen readers
  // get there.
  document.querySelectorAll("button.chart-item").forEach(function (button) {
    button.setAttribute("aria-pressed", "false");
  });
  document.querySelectorAll(".statement tbody").forEach(function (body) {
    body.addEventListener("click", function (event) {
      var row = event.target.closest("tr[data-key]");
      var button = row && row.querySelector("button.chart-item");
      if (button) {
        showItem(row.getAttribute("data-key"), button);
      }
    });
  });
  document.documentElement.classList.add("charts-ready");
})();
