/* The bottlenecks dashboard: how often each room, practitioner and therapy was in scheduling's
   way and how many of its sessions ran over, drawn by Plotly from the json_script figures. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("bottlenecks-data");
    const target = document.getElementById("bottlenecks-chart");
    if (!source || !target || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    const largest = Math.max(0, ...data.mentions.map(function (named, i) { return named + data.overruns[i]; }));
    Plotly.newPlot(
      target,
      [
        {
          type: "bar",
          orientation: "h",
          name: data.labels.mentions,
          y: data.names,
          x: data.mentions,
          marker: { color: "#b26a00" },
        },
        {
          type: "bar",
          orientation: "h",
          name: data.labels.overruns,
          y: data.names,
          x: data.overruns,
          marker: { color: "#c62828" },
        },
      ],
      {
        barmode: "stack",
        margin: { t: 10, r: 10, b: 40, l: 10 },
        legend: { orientation: "h", y: 1.15, traceorder: "normal" },
        // Long names go inside the plot's left margin, which Plotly widens to fit them.
        yaxis: { automargin: true },
        // Counts are whole: a tick at each one while they are few, Plotly's own spacing after.
        xaxis: { rangemode: "tozero", tickformat: "d", dtick: largest <= 10 ? 1 : undefined },
      },
      { responsive: true, displaylogo: false }
    );
  });
})();
