// The activation and loss explorers. The activation explorer plots f(z) and f'(z) as the
// engine computes them (GET /api/explorer/activation) and, when a neuron is selected on
// the diagram, marks that neuron's current z; the loss explorer shows MSE, BCE and CCE of
// a prediction p against target 1, with their gradients (POST /api/explorer/losses), and
// the three losses as functions of p. Pure logic: explorer-model.js.
import {
  ACTIVATIONS, CURVE_POINTS, Z_RANGE, formatVector, lossBodies, lossCurves, lossGrid, lossRows,
  markerPlacement, selectedNeuron,
} from "./explorer-model.js";
import { formatLoss, formatNumber } from "../../lib/format.js";
import { unitName } from "../diagram/diagram-text.js";
import { rgb } from "../../lib/color.js";
import { chartLook, cssVar, palette } from "../../shell/theme.js";
import { followBox, sized } from "../charts/chart-fit.js";
import { el, teachingHost } from "../../lib/dom.js";

// Not Plotly's `responsive`: chart-fit.js follows each chart's own box instead.
const PLOT_CONFIG = { displayModeBar: false, responsive: false, scrollZoom: false };
const HEIGHT_EMS = 13;
const GRID = lossGrid();  // the p values of the loss chart
const DEBOUNCE_MS = 120;
const PARALLEL = 4;  // loss requests in flight while the chart's points load

// The look of charts.js, smaller.
function plotLayout(div, xTitle, yTitle, extra = {}, xExtra = {}) {
  const { layout, axis } = chartLook({ height: HEIGHT_EMS, left: 3.2, bottom: 2.6 });
  return {
    ...sized(layout, div),
    hovermode: "closest",
    xaxis: { ...axis, title: { text: xTitle, standoff: 4 }, ...xExtra },
    yaxis: { ...axis, title: { text: yTitle, standoff: 4 } },
    ...extra,
  };
}

const vline = (x, dash = "dot") => ({ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1,
  line: { color: cssVar("--text", "#222"), width: 1.5, dash } });

export function mount(app) {
  const plotly = () => window.Plotly;

  // ---- activation explorer ----
  const choose = el("select", { dataset: { testid: "explorer-activation" } });
  for (const name of ACTIVATIONS) choose.add(new Option(name, name));
  const formula = el("p", { className: "explorer-formula", dataset: { testid: "explorer-formula" } });
  const actChart = el("div", { className: "chart explorer-chart", dataset: { testid: "explorer-activation-chart" } });
  const marker = el("p", { className: "teach-note explorer-marker", dataset: { testid: "explorer-marker" },
    textContent: "Click a neuron on the diagram to mark its z on the curves." });
  marker.setAttribute("aria-live", "polite");

  // ---- loss explorer ----
  const slider = el("input", { type: "range", min: "0.01", max: "0.99", step: "0.01", value: "0.6",
    dataset: { testid: "explorer-p" } });
  slider.setAttribute("aria-label", "prediction p for the true class");
  const pText = el("output", { className: "explorer-p", textContent: "0.60" });
  const lossBody = el("tbody");
  const lossTable = el("table", { className: "teach-table explorer-losses", dataset: { testid: "explorer-losses" } },
    el("thead", {}, el("tr", {}, ...["loss", "L", "dL/d\u0177", "dL/dz (shortcut)"]
      .map((t) => el("th", { scope: "col", textContent: t })))), lossBody);
  const formulas = el("dl", { className: "explorer-formulas" });
  const lossChart = el("div", { className: "chart explorer-chart", dataset: { testid: "explorer-loss-chart" } });
  const lossStatus = el("p", { className: "teach-note" });
  const chartHeight = () => plotLayout(lossChart, "", "").height;
  followBox(actChart, chartHeight);
  followBox(lossChart, chartHeight);

  const section = el("details", { className: "teach", dataset: { testid: "explorer" } },
    el("summary", {}, el("h2", { textContent: "Explorers" }),
      el("span", { className: "teach-sub", textContent: "activation functions and losses" })),
    el("section", { className: "explorer-part", dataset: { testid: "explorer-activation-part" } },
      el("h3", { textContent: "Activation function" }),
      el("div", { className: "teach-form" }, el("label", { className: "ctl-field ctl-inline" },
        el("span", { className: "ctl-label", textContent: "activation" }), choose)),
      formula, actChart, marker),
    el("section", { className: "explorer-part", dataset: { testid: "explorer-loss-part" } },
      el("h3", { textContent: "Loss function" }),
      el("div", { className: "teach-form explorer-slider" },
        el("label", { className: "ctl-field ctl-inline" },
          el("span", { className: "ctl-label", textContent: "prediction \u0177 = p" }), slider, pText),
        el("span", { className: "ctl-label", textContent: "target y = 1" })),
      el("div", { className: "teach-scroll" }, lossTable), formulas,
      el("p", { className: "teach-note", textContent: "MSE and BCE: one output, \u0177 = p. CCE: three classes, " +
        "\u0177 = [p, (1\u2212p)/2, (1\u2212p)/2] against y = [1, 0, 0]. The shortcut is dL/dz through the output's " +
        "sigmoid (BCE) or softmax (CCE): \u0177 \u2212 y, tame even where dL/d\u0177 blows up. With one true class " +
        "BCE and CCE are both \u2212log p, so their curves coincide; MSE stays below 1 however wrong p is." }),
      lossChart, lossStatus));
  teachingHost().append(section);

  // ---- state ----
  const curves = new Map();     // activation name -> Promise of the engine's curve
  const losses = new Map();     // p -> {binary, multi}
  let neuron = null;            // the "select" detail of the selected neuron
  let gridLoaded = null;        // Promise, once the chart's points were asked for
  let lossTicket = 0;
  let debounce = null;
  let drawQueued = false;

  const curveOf = (name) => {
    if (!curves.has(name)) {
      const pending = app.api.activation(name, Z_RANGE[0], Z_RANGE[1], CURVE_POINTS);
      pending.catch(() => curves.delete(name));  // try again next time
      curves.set(name, pending);
    }
    return curves.get(name);
  };

  const lossesAt = async (p) => {
    if (!losses.has(p)) {
      const bodies = lossBodies(p);
      const [binary, multi] = await Promise.all([
        app.api.losses(bodies.binary.prediction, bodies.binary.target),
        app.api.losses(bodies.multi.prediction, bodies.multi.target)]);
      losses.set(p, { binary, multi });
    }
    return losses.get(p);
  };

  // ---- activation: drawing ----
  const current = () => {
    const info = neuron ? selectedNeuron(neuron, app.config, app.snapshot) : null;
    return info && !info.input && info.activation === choose.value ? info : null;
  };

  const describeMarker = (info) => {
    if (!neuron) return;
    const all = selectedNeuron(neuron, app.config, app.snapshot);
    delete marker.dataset.z;
    if (!all) {
      marker.textContent = "Click a neuron on the diagram to mark its z on the curves.";
    } else if (all.input) {
      marker.textContent = `Input ${all.unit} has no activation: select a hidden or output unit.`;
    } else if (!info) {
      marker.textContent = `${unitName(all.layer, all.unit, app.config?.layers?.length ?? 0)} uses ${all.activation}: choose it above to see its z.`;
    } else if (info.z === null) {
      marker.textContent = `${unitName(info.layer, info.unit, app.config?.layers?.length ?? 0)}: no value yet.`;
    } else {
      marker.dataset.z = String(info.z);
      marker.dataset.a = String(info.a);
      const off = info.z < Z_RANGE[0] || info.z > Z_RANGE[1] ? " (off the chart: drawn at its edge)" : "";
      const note = info.activation === "softmax" ? "; a softmax unit's a also depends on the other outputs" : "";
      marker.textContent = `${unitName(info.layer, info.unit, app.config?.layers?.length ?? 0)} (${info.activation}) on probe sample 0: ` +
        `z = ${formatNumber(info.z, 4)}, a = ${formatNumber(info.a, 4)}${off}${note}.`;
    }
  };

  const drawActivation = async () => {
    const name = choose.value;
    let curve;
    try {
      curve = await curveOf(name);
    } catch (error) {
      formula.textContent = `could not load ${name}: ${error.message}`;
      return;
    }
    if (name !== choose.value) return;  // changed meanwhile
    formula.replaceChildren(el("span", { textContent: `a = f(z) = ${curve.formula}` }),
      el("span", { textContent: `f\u2032(z) = ${curve.derivative_formula}` }));
    if (name === "softmax") formula.append(el("span", { className: "teach-sub", textContent: "shown for the first of two logits [z, 0]" }));
    const info = current();
    describeMarker(info);
    if (!section.open || !plotly()) return;
    const colors = palette();
    const traces = [
      { type: "scatter", mode: "lines", name: "f(z)", x: curve.z, y: curve.a, line: { color: rgb(colors.pos), width: 2.5 },
        hovertemplate: "z = %{x:.2f}<br>f(z) = %{y:.4f}<extra></extra>" },
      { type: "scatter", mode: "lines", name: "f\u2032(z)", x: curve.z, y: curve.da, line: { color: rgb(colors.neg), width: 2, dash: "dash" },
        hovertemplate: "z = %{x:.2f}<br>f\u2032(z) = %{y:.4f}<extra></extra>" },
    ];
    const shapes = [];
    const annotations = [];
    const place = info ? markerPlacement(curve, info.z) : null;
    if (place) {
      shapes.push(vline(place.x));
      traces.push({ type: "scatter", mode: "markers", name: "selected z", showlegend: false, x: [place.x, place.x], y: [place.a, place.da],
        marker: { size: 10, color: [rgb(colors.pos), rgb(colors.neg)], line: { color: cssVar("--text", "#222"), width: 1.5 } },
        hovertemplate: `z = ${formatNumber(info.z, 4)}<extra></extra>` });
      annotations.push({ x: place.x, y: 1, yref: "paper", yanchor: "bottom", showarrow: false,
        text: `z = ${formatNumber(info.z, 3)}${place.outside === "left" ? " \u2190" : place.outside === "right" ? " \u2192" : ""}`,
        xanchor: place.outside === "right" ? "right" : place.outside === "left" ? "left" : "center" });
    }
    plotly().react(actChart, traces, plotLayout(actChart, "z", "", { shapes, annotations, showlegend: true,
      legend: { orientation: "h", x: 1, xanchor: "right", y: 1, yanchor: "bottom", bgcolor: "rgba(0,0,0,0)" } }), PLOT_CONFIG);
  };

  // At most one redraw per animation frame, however many frames arrive.
  const queueActivation = () => {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      drawActivation();
    });
  };

  // ---- loss: table and chart ----
  const showLosses = async () => {
    const p = Number(slider.value);
    pText.textContent = p.toFixed(2);
    const ticket = ++lossTicket;
    let answer;
    try {
      answer = await lossesAt(p);
    } catch (error) {
      if (ticket === lossTicket) lossStatus.textContent = `could not compute the losses: ${error.message}`;
      return;
    }
    if (ticket !== lossTicket) return;  // the slider moved on
    const rows = lossRows(answer.binary, answer.multi);
    lossBody.replaceChildren(...rows.map((row) => el("tr",
      { dataset: { testid: "loss-row", name: row.name, value: String(row.value), p: String(p) } },
      el("th", { scope: "row", textContent: row.label, title: row.formula }),
      el("td", { className: "num", textContent: formatLoss(row.value) }),
      el("td", { className: "num", textContent: formatVector(row.grad, 3) }),
      el("td", { className: "num", textContent: row.shortcut ? formatVector(row.shortcut.grad_logits, 3) : "\u2013",
        title: row.shortcut ? `through the output's ${row.shortcut.activation}` : "" }))));
    formulas.replaceChildren(...rows.flatMap((row) => [el("dt", { textContent: row.label }), el("dd", { textContent: row.formula })]));
    drawLossChart();
  };

  const loadGrid = () => {
    if (!gridLoaded) {
      const queue = [...GRID];
      const worker = async () => {
        while (queue.length) await lossesAt(queue.shift());
      };
      lossStatus.textContent = "loading the loss curves\u2026";
      gridLoaded = Promise.all(Array.from({ length: PARALLEL }, worker)).then(() => {
        lossStatus.textContent = "";
      }, (error) => {
        gridLoaded = null;
        lossStatus.textContent = `could not load the loss curves: ${error.message}`;
        throw error;
      });
    }
    return gridLoaded;
  };

  const drawLossChart = () => {
    if (!section.open || !plotly() || !gridLoaded) return;
    const curvesByP = lossCurves(new Map([...losses].filter(([p]) => GRID.includes(p))));
    if (!curvesByP.p.length) return;
    const colors = palette();
    const trace = (name, y, color, dash, width = 2) => ({ type: "scatter", mode: "lines", name, x: curvesByP.p, y,
      line: { color, dash, width }, hovertemplate: `p = %{x:.2f}<br>${name} = %{y:.4g}<extra></extra>` });
    plotly().react(lossChart, [
      trace("MSE", curvesByP.mse, rgb(colors.pos), "solid"),
      trace("BCE", curvesByP.bce, rgb(colors.neg), "solid", 3),
      trace("CCE", curvesByP.cce, cssVar("--text", "#222"), "dot", 2),
    ], plotLayout(lossChart, "p (prediction for the true class)", "loss", { shapes: [vline(Number(slider.value), "dash")] },
      { range: [0, 1] }), PLOT_CONFIG);
  };

  // ---- events ----
  choose.addEventListener("change", () => drawActivation());
  slider.addEventListener("input", () => {
    pText.textContent = Number(slider.value).toFixed(2);
    clearTimeout(debounce);
    debounce = setTimeout(showLosses, DEBOUNCE_MS);
  });
  section.addEventListener("toggle", () => {
    if (!section.open) return;
    drawActivation();
    showLosses();
    loadGrid().then(drawLossChart, () => {});
  });

  app.bus.on("select", (detail) => {
    if (detail?.kind !== "neuron") return;
    neuron = { ...detail, session: app.sessionId };
    const info = selectedNeuron(detail, app.config, app.snapshot);
    if (info && !info.input && info.activation !== choose.value) choose.value = info.activation;
    drawActivation();
  });
  app.bus.on("snapshot", () => {
    if (neuron) queueActivation();
  });
  app.bus.on("topology", (topology) => {
    if (!neuron || neuron.session === topology.session) return;
    neuron = null;
    delete marker.dataset.z;
    marker.textContent = "Click a neuron on the diagram to mark its z on the curves.";
    if (section.open) drawActivation();
  });
  app.bus.on("theme", () => {
    if (!section.open) return;
    drawActivation();
    drawLossChart();
  });
}
