/* The utilisation dashboard: a weekday x hour heatmap each for rooms and therapists, drawn by
   Plotly from the figures the server put in a json_script block. */
(function () {
  "use strict";

  function heatmap(target, data, key) {
    const element = document.getElementById(target);
    if (!element || typeof Plotly === "undefined") return;
    Plotly.newPlot(
      element,
      [
        {
          type: "heatmap",
          x: data.hours,
          y: data.weekdays,
          z: data[key],
          zmin: 0,
          zmax: 100,
          colorscale: [
            [0, "#f4f8f6"],
            [0.5, "#7fbf9f"],
            [1, "#1f5a41"],
          ],
          hoverongaps: false,
          colorbar: { title: { text: data.labels.percent }, thickness: 12 },
        },
      ],
      {
        margin: { t: 10, r: 10, b: 40, l: 45 },
        yaxis: { autorange: "reversed" },
      },
      { responsive: true, displaylogo: false }
    );
  }

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("utilisation-data");
    if (!source) return;
    const data = JSON.parse(source.textContent);
    heatmap("room-heatmap", data, "rooms");
    heatmap("therapist-heatmap", data, "therapists");
  });
})();
