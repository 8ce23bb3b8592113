/* The console's analytics charts: Plotly draws what the server put in json_script blocks. */
(function () {
  "use strict";

  function drawAttendance() {
    const source = document.getElementById("attendance-data");
    const target = document.getElementById("attendance-chart");
    if (!source || !target || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    if (!data.practitioners.length) return;
    const bar = (key, colour) => ({
      type: "bar",
      name: data.labels[key],
      x: data.practitioners,
      y: data[key],
      marker: { color: colour },
    });
    Plotly.newPlot(
      target,
      [bar("completed", "#2e7d32"), bar("no_shows", "#c62828"), bar("cancelled", "#9e9e9e")],
      {
        barmode: "stack",
        margin: { t: 10, r: 10, b: 80, l: 40 },
        legend: { orientation: "h", y: 1.1 },
        yaxis: { title: { text: data.labels.sessions }, rangemode: "tozero" },
      },
      { responsive: true, displaylogo: false }
    );
  }

  document.addEventListener("DOMContentLoaded", drawAttendance);
})();
