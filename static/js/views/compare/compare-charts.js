// The compare view's curves: the loss and the accuracy of both runs on one chart each,
// named in the legend by each run's side of the difference. Drawn whole (Plotly.react) at
// most a few times a second from both runs' history stores: two runs' curves, thinned,
// are small, and the single-run charts' incremental drawing (charts.js) is not needed.
import { followBox } from "../charts/chart-fit.js";
import { curveName, thin } from "./compare-model.js";
import { chartLook } from "../../shell/theme.js";
import { el } from "../../lib/dom.js";

const PLOT_CONFIG = { displayModeBar: false, responsive: false, scrollZoom: false };
const HEIGHT_EMS = 14.5;
const REDRAW_MS = 250;
// The two runs' colours (Okabe-Ito blue and vermillion: apart for every colour vision);
// train solid, test dashed, as on the single-run charts.
const COLORS = ["#0072B2", "#D55E00"];

const METRICS = [
  { id: "loss", title: "Loss", yTitle: "loss", columns: [["train_loss", "train loss"], ["test_loss", "test loss"]], yAxis: {} },
  {
    id: "accuracy", title: "Accuracy", yTitle: "accuracy",
    columns: [["train_accuracy", "train accuracy"], ["test_accuracy", "test accuracy"]],
    yAxis: { range: [0, 1.02], autorange: false, tickformat: ".0%" },
  },
];

export class CompareCharts {
  // runs(): [{side, history, topology}] for the two runs, the page's first.
  constructor(host, runs) {
    this.runs = runs;
    this.timer = null;
    this.last = 0;
    this.charts = METRICS.map((metric) => {
      const div = el("div", { class: "chart", testid: `compare-${metric.id}-chart` });
      const box = el("div", { class: "compare-chart" }, el("div", { class: "chart-head" }, el("h2", { text: `${metric.title}, both runs` })), div);
      host.append(box);
      followBox(div, () => this.layout(metric).height);
      return { metric, div, box };
    });
  }

  layout(metric) {
    const { layout, axis } = chartLook({ height: HEIGHT_EMS, left: 4, bottom: 2.8 });
    return {
      ...layout,
      showlegend: true,
      hovermode: "x",
      xaxis: { title: { text: "step", standoff: 4 }, ...axis, rangemode: "tozero" },
      yaxis: { title: { text: metric.yTitle, standoff: 4 }, ...axis, exponentformat: "power", ...metric.yAxis },
      uirevision: "compare",
    };
  }

  traces(metric) {
    const out = [];
    this.runs().forEach(({ side, history }, r) => {
      metric.columns.forEach(([column, label], c) => {
        const steps = [];
        const values = [];
        history.columns[column].forEach((value, i) => {
          if (value === null) return;  // rows without the evaluation: joined up
          steps.push(history.columns.step[i]);
          values.push(value);
        });
        if (c > 0 && !values.length) return;  // no test rows: no test curve
        out.push({
          type: "scatter", mode: "lines", name: curveName(side, label), ...thin(steps, values),
          line: { color: COLORS[r], width: 2, dash: c ? "dash" : "solid" },
          hovertemplate: `%{y:.5g}<extra>${curveName(side, label)}</extra>`,
        });
      });
    });
    return out;
  }

  // Redraw soon (at most every REDRAW_MS).
  schedule() {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.last + REDRAW_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.last = performance.now();
      this.draw();
    }, wait);
  }

  draw() {
    if (!window.Plotly) return;
    const classes = this.runs().some(({ topology }) => topology?.dataset?.kind === "classification");
    for (const { metric, div, box } of this.charts) {
      box.hidden = metric.id === "accuracy" && !classes;
      if (box.hidden || !div.isConnected || div.clientWidth === 0) continue;
      window.Plotly.react(div, this.traces(metric), { ...this.layout(metric), width: div.clientWidth }, PLOT_CONFIG);
    }
    this.charts[0].div.dataset.legend = this.runs().map(({ side }) => side).join(" | ");
    this.charts[0].div.setAttribute("aria-label", `loss by step of both runs: ${this.runs().map(({ side }) => side).join(" and ")}`);
  }
}
