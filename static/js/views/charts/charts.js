// Live training curves (Plotly): loss, accuracy (classification only) and the gradient
// norm of each weight layer. The numbers are the engine's, from the history rows that come
// with every frame; nothing is recomputed here.
//
// New rows go into each chart's thinner at once (cheap) and are drawn with
// Plotly.extendTraces from an animation-frame loop. Plotly.react redraws a chart only on a
// new session (topology), a reset, a theme change, or after a curve was thinned (see
// chart-thin.js for why curves are decimated rather than windowed, which keeps memory
// flat). Every extendTraces re-renders the whole chart, a fixed 5-50 ms depending on the
// machine, so the loop has a time budget: charts are updated in turn, and the main thread
// spends at most about half its time on them; on a fast machine that is every frame, on a
// slow one the curves just grow in larger steps while the rest of the page stays fluid.
import { followBox, sized } from "./chart-fit.js";
import { outputSlot } from "./chart-slots.js";
import { Thinner } from "./chart-thin.js";
import { formatLoss } from "../../lib/format.js";
import { parseColor, rgb } from "../../lib/color.js";
import { chartLook, cssVar, palette } from "../../shell/theme.js";

// Okabe-Ito: distinguishable with every common colour-vision deficiency. On dark panels
// the dark blue and black are moved to the end.
const CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const CATEGORICAL_DARK = ["#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#F0E442", "#D55E00", "#0072B2", "#FFFFFF"];

function categorical() {
  const [r, g, b] = parseColor(cssVar("--panel", "#ffffff"));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128 ? CATEGORICAL_DARK : CATEGORICAL;
}
const DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"];

// Not Plotly's `responsive`: chart-fit.js follows each chart's own box instead.
const PLOT_CONFIG = { displayModeBar: false, responsive: false, scrollZoom: false };
const HEIGHT_EMS = 14.5;

// One chart: its slot, its Plotly div, the series it shows and its thinner.
class Chart {
  constructor(slot, { title, testid, yTitle, logToggle = null, yAxis = {} }) {
    this.slot = slot;
    this.yTitle = yTitle;
    this.series = [];
    this.thinner = new Thinner(0);
    this.plotted = false;
    this.logScale = false;
    this.revision = 0; // a new one on every clear: zoom is kept across frames, not sessions
    this.yAxis = yAxis;
    this.stale = true;
    this.unflushed = null;
    this.marks = [];    // steps at which the data changed: a dotted line each

    const head = document.createElement("div");
    head.className = "chart-head";
    const h2 = document.createElement("h2");
    h2.textContent = title;
    head.append(h2);
    if (logToggle) {
      const label = document.createElement("label");
      label.className = "chart-toggle";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.dataset.testid = logToggle;
      box.addEventListener("change", () => this.setLog(box.checked));
      label.append(box, " log scale");
      head.append(label);
      this.logBox = box;
    }
    this.div = document.createElement("div");
    this.div.className = "chart";
    this.div.dataset.testid = testid;
    slot.append(head, this.div);
    followBox(this.div, () => this.layout().height);
  }

  // series: [{name, value(added) -> values, color(palette), dash, visible, showlegend}]
  define(series) {
    this.series = series;
    this.thinner = new Thinner(series.length);
    this.plotted = false;
    this.stale = true;
    this.unflushed = null;
  }

  show(visible) {
    const was = !this.slot.hidden;
    this.slot.hidden = !visible;
    if (visible && !was) this.stale = true; // drawn while hidden: nothing; redraw it whole
  }

  get dirty() {
    return !this.slot.hidden && (this.stale || !this.plotted || this.unflushed !== null);
  }

  layout() {
    const { layout, axis } = chartLook({ height: HEIGHT_EMS, left: 4, bottom: 2.8 });
    return {
      ...sized(layout, this.div),
      showlegend: true,
      hovermode: "x",
      xaxis: { title: { text: "step", standoff: 4 }, ...axis, rangemode: "tozero" },
      yaxis: { title: { text: this.yTitle, standoff: 4 }, ...axis,
        type: this.logScale ? "log" : "linear", exponentformat: "power", ...this.yAxis },
      uirevision: this.revision,
      shapes: this.marks.map((step) => ({
        type: "line", xref: "x", yref: "paper", x0: step, x1: step, y0: 0, y1: 1,
        line: { color: cssVar("--muted", "#888"), width: 1.5, dash: "dot" },
      })),
      annotations: this.marks.map((step) => ({
        x: step, xref: "x", y: 1, yref: "paper", yanchor: "bottom", text: "data", showarrow: false,
        font: { size: 10, color: cssVar("--muted", "#888") },
      })),
    };
  }

  // The steps where the data changed (drawn points, new data), marked on the curves.
  mark(steps) {
    if (steps.length === this.marks.length && steps.every((step, i) => step === this.marks[i])) return;
    this.marks = steps;
    this.stale = true;
  }

  traces() {
    const colors = palette();
    return this.series.map((s, t) => ({
      type: "scatter",
      mode: "lines",
      name: s.name,
      x: this.thinner.x.slice(),
      y: this.thinner.ys[t].slice(),
      line: { color: s.color(colors), width: s.width ?? 2, dash: s.dash ?? "solid" },
      visible: s.visible ?? true,
      showlegend: s.showlegend ?? true,
      hovertemplate: s.hover ?? `%{y:.5g}<extra>${s.name}</extra>`,
      // The evaluated curves have values only where they were measured: joined up.
      connectgaps: Boolean(s.sparse),
    }));
  }

  // Forget every point (new session, reset); the next draw is a full one.
  clear() {
    this.thinner.reset();
    this.revision += 1;
    this.stale = true;
    this.unflushed = null;
  }

  // New rows into the thinner; the points to draw wait in `unflushed` (bounded by the
  // thinner: a thinning replaces them with a full redraw).
  ingest(added) {
    const marked = this.series.some((s) => s.sparse) ? added.evaluated : null;
    const result = this.thinner.add(added.step, this.series.map((s) => s.value(added)), marked);
    if (result.rebuild) {
      this.stale = true;
      this.unflushed = null;
    } else if (!this.stale && result.x.length) {
      if (this.unflushed === null) this.unflushed = { x: [], ys: this.series.map(() => []) };
      this.unflushed.x.push(...result.x);
      result.ys.forEach((values, t) => this.unflushed.ys[t].push(...values));
    }
  }

  // Bring the Plotly chart up to date: a full redraw if needed, else extendTraces.
  draw() {
    if (this.slot.hidden) return;
    if (this.stale || !this.plotted) {
      window.Plotly.react(this.div, this.traces(), this.layout(), PLOT_CONFIG);
      this.plotted = true;
    } else if (this.unflushed !== null) {
      const { x, ys } = this.unflushed;
      const indices = this.series.map((_, t) => t);
      window.Plotly.extendTraces(this.div, { x: indices.map(() => x.slice()), y: ys }, indices);
    }
    this.stale = false;
    this.unflushed = null;
  }

  setLog(on) {
    this.logScale = on;
    if (this.plotted) window.Plotly.relayout(this.div, { "yaxis.type": on ? "log" : "linear", "yaxis.autorange": true });
  }
}

export function mount(app) {
  if (!window.Plotly) {
    const slot = outputSlot("loss");
    slot.hidden = false;
    slot.textContent = "The charts need Plotly (static vendor file), which did not load.";
    return;
  }
  const loss = new Chart(outputSlot("loss"), { title: "Loss", testid: "loss-chart", yTitle: "loss", logToggle: "log-scale" });
  const accuracy = new Chart(outputSlot("accuracy"), {
    title: "Accuracy", testid: "accuracy-chart", yTitle: "accuracy",
    yAxis: { range: [0, 1.02], autorange: false, tickformat: ".0%", type: "linear", dtick: 0.25 },
  });
  const gradients = new Chart(outputSlot("gradnorm"), {
    title: "Gradient norm per layer", testid: "gradnorm-chart", yTitle: "\u2016dL/dW\u2016", logToggle: "grad-log-scale",
  });
  const charts = [loss, accuracy, gradients];

  let accuracyKnown = false; // whether the first rows said if accuracy exists
  let scheduled = false;
  let turn = 0;              // round robin, so that a slow machine still updates every chart
  let resumeAt = 0;          // performance.now() before which the loop draws nothing
  const BUDGET = 8;          // ms of chart drawing per animation frame, at least one chart

  const tick = (now) => {
    scheduled = false;
    if (now < resumeAt) {
      schedule();
      return;
    }
    const start = performance.now();
    for (let k = 0; k < charts.length; k += 1) {
      const chart = charts[(turn + k) % charts.length];
      if (!chart.dirty) continue;
      chart.draw();
      turn = (charts.indexOf(chart) + 1) % charts.length;
      if (performance.now() - start > BUDGET) break;
    }
    const spent = performance.now() - start;
    resumeAt = performance.now() + Math.max(0, spent - BUDGET / 2); // at most ~half the time
    if (charts.some((c) => c.dirty)) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(tick);
  };

  const column = (name) => (added) => added[name];
  const setup = (topology) => {
    // Test curves while there are test rows, or were (drawn data has none: the curves stop).
    const hasTest = (topology?.dataset?.n_test ?? 1) > 0 || app.history.columns.test_loss.some((v) => v !== null);
    loss.define([
      { name: "train loss", value: column("train_loss"), color: (p) => rgb(p.pos), sparse: true },
      { name: "test loss", value: column("test_loss"), color: (p) => rgb(p.neg), dash: "dash", showlegend: hasTest, visible: hasTest, sparse: true },
      { name: "batch loss", value: column("batch_loss"), color: () => cssVar("--muted", "#888"), width: 1, dash: "dot", visible: "legendonly" },
    ]);
    accuracy.define([
      { name: "train accuracy", value: column("train_accuracy"), color: (p) => rgb(p.pos), hover: "%{y:.1%}<extra>train accuracy</extra>", sparse: true },
      { name: "test accuracy", value: column("test_accuracy"), color: (p) => rgb(p.neg), dash: "dash",
        showlegend: hasTest, visible: hasTest, hover: "%{y:.1%}<extra>test accuracy</extra>", sparse: true },
    ]);
    const weightLayers = Math.max(0, (topology?.layers?.length ?? 1) - 1);
    gradients.define(Array.from({ length: weightLayers }, (_, l) => ({
      name: `dL/dW${l + 1}`,
      value: (added) => added.grad_norm.map((row) => (Array.isArray(row) ? row[l] ?? null : null)),
      color: () => categorical()[l % CATEGORICAL.length],
      dash: DASHES[Math.floor(l / CATEGORICAL.length) % DASHES.length],
    })));
    accuracyKnown = false;
    accuracy.show(topology?.dataset?.kind === "classification");
    loss.show(Boolean(topology));
    gradients.show(Boolean(topology) && weightLayers > 0);
  };

  const feed = (added) => {
    if (!added.step.length) return;
    if (!accuracyKnown && app.topology?.dataset?.kind === "classification") {
      // Classification data whose metrics have no accuracy (e.g. no rows to score): hide.
      accuracyKnown = true;
      accuracy.show(added.train_accuracy.some((v) => v !== null) || added.test_accuracy.some((v) => v !== null));
    }
    for (const chart of charts) chart.ingest(added);
    schedule();
  };

  // Start again from the store's rows (new session, reset): drawn at once, not next frame.
  const rebuild = () => {
    for (const chart of charts) chart.clear();
    if (app.history.length) feed(app.history.columns);
    for (const chart of charts) chart.draw();
  };

  // Where the data changed: the topology lists it; a reset or a rewind drops the marks
  // past the history's new end (the next topology says it again).
  let marks = [];
  const showMarks = () => {
    const steps = app.history.length ? app.history.columns.step : [];
    const last = steps.length ? steps[steps.length - 1] : 0;
    const shown = marks.filter((step) => step <= last || !app.history.length);
    for (const chart of charts) chart.mark(shown);
    const where = shown.length ? `; the data changed at step ${shown.join(", ")}` : "";
    loss.div.dataset.dataChanges = shown.join(" ");
    if (shown.length) loss.div.setAttribute("aria-description", `a dotted line marks each change of the data${where}`);
    else loss.div.removeAttribute("aria-description");
  };

  app.bus.on("topology", (topology) => {
    setup(topology);
    marks = (topology.data_changes ?? []).map((change) => change.step);
    rebuild();
    showMarks();
    schedule();
  });

  app.bus.on("history", ({ reset, added, count }) => {
    if (!app.topology) return;
    if (reset) {
      rebuild();
      showMarks();
      schedule();
    } else if (count) feed(added);
  });

  app.bus.on("theme", () => {
    if (!app.topology) return;
    for (const chart of charts) chart.stale = true;
    schedule();
  });

  // A tooltip-free summary for screen readers and the browser tests.
  loss.div.setAttribute("role", "img");
  loss.div.setAttribute("aria-label", "training and test loss by step");
  app.bus.on("snapshot", (snap) => {
    loss.div.setAttribute("aria-label", `loss by step; now train ${formatLoss(snap.loss?.train)}, test ${formatLoss(snap.loss?.test)}`);
  });
}
