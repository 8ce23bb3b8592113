/* The cross-center comparison: no-show rate and mean relief per center, side by side, drawn by
   Plotly from the figures the server put in a json_script block. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("centers-data");
    const target = document.getElementById("centers-chart");
    if (!source || !target || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    Plotly.newPlot(
      target,
      [
        {
          type: "bar",
          name: data.labels.no_show_rate,
          x: data.centers,
          y: data.no_show_rates,
          marker: { color: "#c62828" },
        },
        {
          type: "bar",
          name: data.labels.relief,
          x: data.centers,
          y: data.mean_relief,
          yaxis: "y2",
          marker: { color: "#2e7d32" },
        },
      ],
      {
        barmode: "group",
        margin: { t: 10, r: 40, b: 60, l: 40 },
        legend: { orientation: "h", y: 1.15 },
        yaxis: { title: { text: data.labels.no_show_rate }, rangemode: "tozero" },
        yaxis2: { title: { text: data.labels.relief }, overlaying: "y", side: "right", range: [0, 10] },
      },
      { responsive: true, displaylogo: false }
    );
  });
})();
