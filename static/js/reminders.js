/* The reminder-effectiveness dashboard: no-show rate per reminder and channel, drawn by Plotly
   from the figures the server put in a json_script block. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("reminders-data");
    const target = document.getElementById("reminders-chart");
    if (!source || !target || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    Plotly.newPlot(
      target,
      [
        {
          type: "bar",
          orientation: "h",
          y: data.groups,
          x: data.rates,
          marker: { color: "#c62828" },
        },
      ],
      {
        margin: { t: 10, r: 10, b: 40, l: 10 },
        xaxis: { title: { text: data.labels.rate }, rangemode: "tozero" },
        yaxis: { autorange: "reversed", automargin: true },
      },
      { responsive: true, displaylogo: false }
    );
  });
})();
