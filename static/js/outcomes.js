/* Protocol outcomes: each day's median with its quartiles as error bars, drawn by Plotly. */
(function () {
  "use strict";

  function series(name, days, spreads, colour, shift) {
    return {
      type: "scatter",
      mode: "markers",
      name: name,
      // Side by side on a day, so that the two spreads do not hide each other.
      x: days.map((day) => day + shift),
      y: spreads.map((s) => s[1]),
      error_y: {
        type: "data",
        symmetric: false,
        array: spreads.map((s) => s[2] - s[1]),
        arrayminus: spreads.map((s) => s[1] - s[0]),
        color: colour,
      },
      marker: { color: colour, size: 9 },
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("outcomes-data");
    const target = document.getElementById("outcomes-chart");
    if (!source || !target || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    Plotly.newPlot(
      target,
      [
        series(data.labels.relief, data.days, data.relief, "#2e7d32", -0.1),
        series(data.labels.side_effect, data.days, data.side_effect, "#c62828", 0.1),
      ],
      {
        margin: { t: 50, r: 10, b: 40, l: 40 },
        legend: { orientation: "h", y: 1.2 },
        xaxis: { title: { text: data.labels.day }, dtick: 1 },
        yaxis: { title: { text: data.labels.score }, range: [-0.5, 10.5] },
      },
      { responsive: true, displaylogo: false, displayModeBar: false }
    );
  });
})();
