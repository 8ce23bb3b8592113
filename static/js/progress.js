/* Progress charts: Plotly draws what the server put in the progress-data json_script block. */
(function () {
  "use strict";

  const GREEN = "#2e7d32";
  const SIDE_EFFECT_COLOURS = ["#c62828", "#ef6c00", "#6a1b9a", "#546e7a"];
  const CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };
  // Room for the axis labels and a legend above the plot, small enough for a phone.
  const MARGIN = { t: 10, r: 10, b: 40, l: 40 };

  function draw(id, traces, layout) {
    const target = document.getElementById(id);
    if (!target) return;
    Plotly.newPlot(target, traces, Object.assign({ margin: MARGIN }, layout), CONFIG);
  }

  function drawRelief(data) {
    const relief = data.relief;
    const traces = [
      {
        type: "scatter",
        mode: "lines+markers",
        name: data.labels.relief,
        x: relief.days,
        y: relief.relief,
        text: relief.therapies,
        hovertemplate: "%{text}: %{y}/10<extra></extra>",
        line: { color: GREEN, width: 3 },
      },
    ];
    relief.side_effects.forEach((effect, index) => {
      traces.push({
        type: "scatter",
        mode: "lines+markers",
        name: effect.name,
        x: relief.days,
        y: effect.scores,
        line: { color: SIDE_EFFECT_COLOURS[index % SIDE_EFFECT_COLOURS.length], dash: "dot" },
      });
    });
    draw("relief-chart", traces, {
      legend: { orientation: "h", y: 1.15 },
      margin: Object.assign({}, MARGIN, { t: 40 }),
      yaxis: { title: { text: data.labels.score }, range: [-0.5, 10.5], dtick: 2 },
      xaxis: { type: "date", tickformat: "%d %b" },
    });
  }

  function drawSessions(data) {
    const protocols = data.plans.map((plan) => plan.protocol);
    // Milestone bars: what was planned, with what is done laid over it.
    const bar = (key, colour, width) => ({
      type: "bar",
      orientation: "h",
      name: data.labels[key],
      y: protocols,
      x: data.plans.map((plan) => plan[key]),
      marker: { color: colour },
      width: width,
    });
    draw("sessions-chart", [bar("planned", "#c8e6c9", 0.6), bar("completed", GREEN, 0.35), bar("missed", "#c62828", 0.15)], {
      barmode: "overlay",
      legend: { orientation: "h", y: -0.25 },
      margin: Object.assign({}, MARGIN, { l: 10, b: 60 }),
      xaxis: { title: { text: data.labels.sessions }, rangemode: "tozero", tickformat: "d" },
      yaxis: { automargin: true },
    });
  }

  function drawWeight(data) {
    draw(
      "weight-chart",
      [
        {
          type: "scatter",
          mode: "lines+markers",
          name: data.labels.weight,
          x: data.weights.days,
          y: data.weights.kg,
          line: { color: "#1565c0" },
        },
      ],
      {
        showlegend: false,
        yaxis: { title: { text: data.labels.weight } },
        xaxis: { type: "date", tickformat: "%d %b" },
      }
    );
  }

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("progress-data");
    if (!source || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    drawRelief(data);
    drawSessions(data);
    drawWeight(data);
  });
})();
