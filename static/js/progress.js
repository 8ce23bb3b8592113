/* Progress charts: Plotly draws what the server put in the progress-data json_script block. */
(function () {
  "use strict";

  const GREEN = "#2e7d32";
  const RED = "#c62828";
  const SIDE_EFFECT_COLOURS = [RED, "#ef6c00", "#6a1b9a", "#546e7a"];
  const CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };

  // Dates on the axes in the page's language when the server sent its month names.
  function useMonths(months) {
    if (!months) return;
    Plotly.register({
      moduleType: "locale",
      name: "page",
      dictionary: {},
      format: { months: months, shortMonths: months },
    });
    CONFIG.locale = "page";
  }
  const DAY = 86400000;

  function draw(id, traces, layout) {
    const target = document.getElementById(id);
    if (!target) return;
    const margin = Object.assign({ t: 40, r: 10, b: 40, l: 40 }, layout.margin);
    Plotly.newPlot(
      target,
      traces,
      Object.assign({ legend: { orientation: "h", y: 1.15 } }, layout, { margin: margin }),
      CONFIG
    );
  }

  // A date axis with at most about five whole-day ticks, so that a phone never shows one day
  // twice nor thirty days in a crowd.
  function dateAxis(times) {
    const stamps = times.map((t) => Date.parse(t.replace(" ", "T")));
    const span = stamps.length ? (Math.max(...stamps) - Math.min(...stamps)) / DAY : 0;
    return { type: "date", tickformat: "%d %b", dtick: Math.max(1, Math.ceil(span / 5)) * DAY };
  }

  function drawRelief(data) {
    const relief = data.relief;
    const traces = [
      {
        type: "scatter",
        mode: "lines+markers",
        name: data.labels.relief,
        x: relief.times,
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
        x: relief.times,
        y: effect.scores,
        line: { color: SIDE_EFFECT_COLOURS[index % SIDE_EFFECT_COLOURS.length], dash: "dot" },
      });
    });
    draw("relief-chart", traces, {
      yaxis: { title: { text: data.labels.score }, range: [-0.5, 10.5], dtick: 2 },
      xaxis: dateAxis(relief.times),
    });
  }

  function drawSessions(data) {
    const protocols = data.plans.map((plan) => plan.protocol);
    // Milestone bars: done, missed and still to come laid end to end make what was planned.
    const bar = (key, colour) => ({
      type: "bar",
      orientation: "h",
      name: data.labels[key],
      y: protocols,
      x: data.plans.map((plan) => plan[key]),
      marker: { color: colour },
      hovertemplate: "%{x}<extra>" + data.labels[key] + "</extra>",
    });
    draw("sessions-chart", [bar("completed", GREEN), bar("missed", RED), bar("left", "#c8e6c9")], {
      barmode: "stack",
      // The legend may wrap to two rows on a phone: room for both above the bars.
      margin: { l: 10, t: 60 },
      legend: { orientation: "h", y: 1.3, traceorder: "normal" },
      xaxis: { title: { text: data.labels.sessions }, rangemode: "tozero", tickformat: "d" },
      yaxis: { automargin: true },
    });
  }

  function drawWeight(data) {
    const weights = data.weights;
    draw(
      "weight-chart",
      [
        {
          type: "scatter",
          mode: "lines+markers",
          name: data.labels.weight,
          x: weights.times,
          y: weights.kg,
          line: { color: "#1565c0" },
        },
      ],
      {
        showlegend: false,
        margin: { t: 10 },
        yaxis: { title: { text: data.labels.weight } },
        xaxis: dateAxis(weights.times),
      }
    );
  }

  function drawMymop(data) {
    const mymop = data.mymop;
    const traces = [
      {
        type: "scatter",
        mode: "lines+markers",
        name: data.labels.mymop_profile,
        x: mymop.times,
        y: mymop.profile,
        hovertemplate: "%{y:.2f}/6<extra></extra>",
        line: { color: GREEN, width: 3 },
      },
    ];
    mymop.items.forEach((item, index) => {
      traces.push({
        type: "scatter",
        mode: "lines+markers",
        name: item.name,
        x: mymop.times,
        y: item.scores,
        hovertemplate: "%{y}/6<extra>" + item.name + "</extra>",
        line: { color: SIDE_EFFECT_COLOURS[index % SIDE_EFFECT_COLOURS.length], dash: "dot" },
      });
    });
    draw("mymop-chart", traces, {
      // Five lines named by the patient make a legend of up to five rows on a phone: it goes
      // under the dates, where Plotly widens the margin for it, rather than over the lines.
      height: 420,
      margin: { t: 10 },
      legend: { orientation: "h", x: 0, y: -0.12, yanchor: "top" },
      yaxis: { title: { text: data.labels.mymop_score }, range: [-0.3, 6.3], dtick: 1 },
      xaxis: dateAxis(mymop.times),
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const source = document.getElementById("progress-data");
    if (!source || typeof Plotly === "undefined") return;
    const data = JSON.parse(source.textContent);
    useMonths(data.months);
    drawRelief(data);
    drawMymop(data);
    drawSessions(data);
    drawWeight(data);
  });
})();
