/* The outcome trends dashboard: relief, side effects and MYMOP per protocol over its days,
   complication rate per step and waits from booking to the first session, drawn by Plotly
   from the figures the server put in one json_script block. */
(function () {
  "use strict";

  const CONFIG = { responsive: true, displaylogo: false };
  const MARGIN = { t: 10, r: 10, b: 50, l: 50 };
  // Above the plot, where Plotly widens the margin to fit it, clear of the day axis's title.
  const LEGEND = { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" };

  function lines(series) {
    return series.map(function (line) {
      return { type: "scatter", mode: "lines+markers", name: line.name, x: line.x, y: line.y };
    });
  }

  function draw(id, traces, layout) {
    const target = document.getElementById(id);
    if (!target) return;
    Plotly.newPlot(target, traces, Object.assign({ margin: MARGIN, legend: LEGEND }, layout), CONFIG);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("outcome-trends-data");
    if (!source || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    const labels = data.labels;
    const byDay = { title: { text: labels.day }, dtick: 1 };
    draw("relief-chart", lines(data.relief), {
      xaxis: byDay,
      yaxis: { title: { text: labels.relief }, range: [0, 10] },
    });
    draw("side-effect-chart", lines(data.side_effect), {
      xaxis: byDay,
      yaxis: { title: { text: labels.side_effect }, range: [0, 10] },
    });
    draw("mymop-chart", lines(data.mymop), {
      xaxis: { title: { text: labels.day } },
      yaxis: { title: { text: labels.mymop }, range: [0, 6] },
    });
    draw(
      "steps-chart",
      [{ type: "bar", x: data.steps.names, y: data.steps.rates, marker: { color: "#c62828" } }],
      { yaxis: { title: { text: labels.rate }, rangemode: "tozero" }, xaxis: { automargin: true } }
    );
    draw(
      "waits-chart",
      data.waits.map(function (bucket) {
        return { type: "bar", name: bucket.name, x: bucket.x, y: bucket.y };
      }),
      {
        barmode: "stack",
        // Stacked bars list their legend top down unless told: keep the waits in their order.
        legend: Object.assign({ traceorder: "normal" }, LEGEND),
        yaxis: { title: { text: labels.plans }, rangemode: "tozero" },
        xaxis: { automargin: true },
      }
    );
  });
})();
