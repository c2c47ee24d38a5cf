// For 2-D inputs: what the network outputs over the whole input plane, with the data drawn
// on top, and a small picture of the same plane for every hidden neuron (as the
// TensorFlow Playground does). The values are the server's grid (one byte per cell between
// the grid's low and high); this view only colours them.
//
// Painting: per frame and per grid, one base64 decode into a reused byte buffer, a
// 256-entry colour table, and a copy into a reused ImageData; the data points live on a
// second canvas that is redrawn only when the data, the theme or the test-points toggle
// changes.
import { outputSlot } from "../charts/chart-slots.js";
import { formatNumber } from "../../lib/format.js";
import {
  byteValue, colorTable, decodeBase64Into, niceTicks, paintFlipped, roundUp, scalePosition, unitScale,
} from "./grid-decode.js";
import { cssVar, palette } from "../../shell/theme.js";
import { el } from "../../lib/dom.js";
import { mix, parseColor, rgb } from "../../lib/color.js";

const PLOT = 240;                       // the plot area, CSS px
const MARGIN = { left: 36, right: 10, top: 8, bottom: 24 };
const WIDTH = MARGIN.left + PLOT + MARGIN.right;
const HEIGHT = MARGIN.top + PLOT + MARGIN.bottom;
const BACKGROUND = 0.8;                 // background saturation, so the points stand out
const MAX_UNITS = 32;                   // thumbnails per hidden layer
// Okabe-Ito, for more than two classes.
const CLASS_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];

// A canvas with a backing store at the device's pixel ratio, drawn in CSS px.
function hiDpiCanvas(width, height, className) {
  const canvas = el("canvas", { className });
  const ratio = Math.min(3, window.devicePixelRatio || 1);
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { canvas, ctx };
}

// What the output means and how to colour it, from the topology.
function outputMode(topology) {
  const outputs = topology.layers[topology.layers.length - 1];
  const activation = topology.activations[topology.activations.length - 1];
  const classification = topology.dataset.kind === "classification";
  if (classification && outputs > 1) return { kind: "classes", classes: outputs, activation };
  if (classification) return { kind: "binary", activation };
  return { kind: "regression", activation, outputs };
}

export function mount(app) {
  const slot = outputSlot("heatmap");
  slot.classList.add("heatmap-section");
  slot.dataset.testid = "heatmap-section";

  // --- the output heatmap -------------------------------------------------------------
  const showTest = el("input", { type: "checkbox", dataset: { testid: "show-test" } });
  const noTest = el("span", { className: "chart-toggle-why", textContent: " (no test rows)", hidden: true });
  const heading = el("div", { className: "chart-head" },
    el("h2", { textContent: "Output" }),
    el("label", { className: "chart-toggle" }, showTest, " show test points", noTest));
  const base = hiDpiCanvas(WIDTH, HEIGHT, "heatmap-base");
  const overlay = hiDpiCanvas(WIDTH, HEIGHT, "heatmap-overlay");
  overlay.canvas.dataset.testid = "output-heatmap";
  overlay.canvas.setAttribute("role", "img");
  const stack = el("div", { className: "heatmap-stack" }, base.canvas, overlay.canvas);
  stack.style.width = `${WIDTH}px`;
  stack.style.height = `${HEIGHT}px`;
  const legendBar = hiDpiCanvas(PLOT, 10, "legend-bar");
  const legendLabels = el("div", { className: "legend-labels" });
  const legendClasses = el("div", { className: "legend-classes" });
  const legendNote = el("div", { className: "legend-note" });
  const legend = el("div", { className: "heatmap-legend", dataset: { testid: "heatmap-legend" } },
    legendBar.canvas, legendLabels, legendClasses, legendNote);
  legend.style.marginLeft = `${MARGIN.left}px`;
  legend.style.width = `${PLOT}px`;
  const readout = el("div", { className: "heatmap-readout", ariaLive: "off" }, "\u00a0");
  readout.style.marginLeft = `${MARGIN.left}px`;
  const waiting = el("p", { className: "heatmap-waiting", textContent: "waiting for the first grid\u2026" });

  // --- the hidden units -----------------------------------------------------------------
  const unitsHeading = el("h3", { className: "units-heading", textContent: "Hidden units" });
  const units = el("div", { className: "hidden-units", dataset: { testid: "hidden-units" } });
  slot.append(heading, stack, legend, readout, waiting, unitsHeading, units);

  // --- state ----------------------------------------------------------------------------
  let topology = null;
  let mode = null;
  let grid = null;            // the last packed grid (for a theme repaint)
  let res = 0;
  let domain = null;
  let targetLimit = 0;        // the train targets' largest |value|
  let regressionLimit = 1;    // colour limit for regression: a round number above targets and outputs
  const outputBytes = [];     // one reused byte buffer per output unit
  let unitBytes = null;       // one reused byte buffer for all thumbnails
  let source = null;          // res x res offscreen canvas holding the output's pixels
  let sourceCtx = null;
  let image = null;           // its ImageData, and a Uint32 view of it
  let pixels = null;
  const table = new Uint32Array(256);
  const unitTable = new Uint32Array(256);
  let thumbs = [];            // [{layer, unit, canvas, ctx, image, pixels}]

  const colors = () => {
    const p = palette();
    return { ...p, text: cssVar("--text", "#222"), muted: cssVar("--muted", "#666"), panel: cssVar("--panel", "#fff") };
  };

  const toPx = (x, y) => [
    MARGIN.left + ((x - domain[0][0]) / (domain[0][1] - domain[0][0])) * PLOT,
    MARGIN.top + PLOT - ((y - domain[1][0]) / (domain[1][1] - domain[1][0])) * PLOT,
  ];

  const classColor = (k, p) => {
    if (mode.kind === "binary" || (mode.kind === "classes" && mode.classes === 2)) return k === 1 ? p.pos : p.neg;
    return parseColor(CLASS_COLORS[k % CLASS_COLORS.length]);
  };

  // --- setup per topology ---------------------------------------------------------------
  const setup = (message) => {
    topology = message;
    grid = null;
    res = 0;
    const twoD = message.layers[0] === 2 && Array.isArray(message.dataset?.domain);
    slot.hidden = !twoD;
    if (!twoD) {
      mode = null;
      return;
    }
    mode = outputMode(message);
    domain = message.dataset.domain;
    const targets = message.points?.train?.targets ?? [];
    targetLimit = Math.max(0, ...targets.map((t) => Math.abs(t[0] ?? 0)));
    regressionLimit = roundUp(targetLimit);
    const test = message.points?.test?.x ?? [];
    showTest.disabled = test.length === 0;
    showTest.parentElement.title = test.length ? "" : "this data has no test rows";
    noTest.hidden = test.length > 0;  // the reason, readable without hovering
    units.replaceChildren();
    thumbs = [];
    unitsHeading.hidden = message.layers.length <= 2;
    waiting.hidden = false;
    base.ctx.clearRect(0, 0, WIDTH, HEIGHT);
    drawAxes();
    drawPoints();
    drawLegend();
  };

  // --- painting ---------------------------------------------------------------------------
  const ensureBuffers = (size) => {
    if (size === res && source) return;
    res = size;
    source = document.createElement("canvas");
    source.width = size;
    source.height = size;
    sourceCtx = source.getContext("2d");
    image = sourceCtx.createImageData(size, size);
    pixels = new Uint32Array(image.data.buffer);
    thumbs = [];
    units.replaceChildren();
  };

  const paintOutput = (p) => {
    const packed = grid.output;
    if (mode.kind === "classes") {
      // Argmax class, saturation by how sure: p_max from 1/K (neutral) to 1 (full).
      const k = packed.length;
      for (let u = 0; u < k; u += 1) outputBytes[u] = decodeBase64Into(packed[u].data, outputBytes[u]);
      const colorsK = Array.from({ length: k }, (_, c) => classColor(c, p));
      for (let row = 0; row < res; row += 1) {
        for (let col = 0; col < res; col += 1) {
          const i = row * res + col;
          let best = 0;
          let bestValue = -Infinity;
          for (let u = 0; u < k; u += 1) {
            const v = byteValue(outputBytes[u][i], packed[u].low, packed[u].high);
            if (v > bestValue) { bestValue = v; best = u; }
          }
          const t = Math.max(0, Math.min(1, (bestValue - 1 / k) / (1 - 1 / k))) * BACKGROUND;
          const c = colorsK[best];
          const r = Math.round(p.zero[0] + (c[0] - p.zero[0]) * t);
          const g = Math.round(p.zero[1] + (c[1] - p.zero[1]) * t);
          const b = Math.round(p.zero[2] + (c[2] - p.zero[2]) * t);
          pixels[(res - 1 - row) * res + col] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
        }
      }
    } else {
      const first = packed[0];
      outputBytes[0] = decodeBase64Into(first.data, outputBytes[0]);
      const scale = outputScale(first);
      colorTable(first.low, first.high, scale, p, BACKGROUND, table);
      paintFlipped(outputBytes[0], table, pixels, res);
    }
    sourceCtx.putImageData(image, 0, 0);
    const ctx = base.ctx;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, PLOT, PLOT);
    ctx.clip();
    // Grid values are samples at the domain's corners and evenly between: centre each
    // sample's pixel on its point (half a cell beyond the plot on each side, clipped).
    const cell = PLOT / Math.max(1, res - 1);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(source, MARGIN.left - cell / 2, MARGIN.top - cell / 2, PLOT + cell, PLOT + cell);
    ctx.restore();
    drawAxes();
  };

  const outputScale = (packed) => {
    if (mode.kind === "regression") return { center: 0, limit: Math.max(regressionLimit, 1e-9) };
    if (mode.activation === "tanh") return { center: 0, limit: 1 };
    if (mode.activation === "linear" || mode.activation === "relu") {
      return { center: 0.5, limit: Math.max(0.5, Math.abs(packed.low - 0.5), Math.abs(packed.high - 0.5)) };
    }
    return { center: 0.5, limit: 0.5 };
  };

  const drawAxes = () => {
    const ctx = base.ctx;
    const p = colors();
    ctx.save();
    ctx.strokeStyle = p.muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(MARGIN.left - 0.5, MARGIN.top - 0.5, PLOT + 1, PLOT + 1);
    ctx.fillStyle = p.muted;
    const fontSize = Math.round((parseFloat(cssVar("--font-size", "14px")) || 14) * 0.78);
    ctx.font = `${fontSize}px system-ui, sans-serif`;
    // Round ticks inside the domain, plus the domain's ends when they are round numbers
    // themselves (then ticks too close to an end are dropped).
    const axisTicks = (low, high) => {
      const ticks = niceTicks(low, high, 5);
      const step = ticks.length > 1 ? ticks[1] - ticks[0] : high - low;
      const round = (v) => Number(v.toPrecision(2)) === v;
      const ends = [low, high].filter(round);
      const inner = ticks.filter((t) => ends.every((e) => Math.abs(t - e) > step * 0.45 || t === e));
      return [...new Set([...ends, ...inner])];
    };
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of axisTicks(domain[0][0], domain[0][1])) {
      const [x] = toPx(t, domain[1][0]);
      ctx.fillRect(Math.round(x) - 0.5, MARGIN.top + PLOT, 1, 4);
      ctx.fillText(formatTick(t), x, MARGIN.top + PLOT + 6);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of axisTicks(domain[1][0], domain[1][1])) {
      const [, y] = toPx(domain[0][0], t);
      ctx.fillRect(MARGIN.left - 4, Math.round(y) - 0.5, 4, 1);
      ctx.fillText(formatTick(t), MARGIN.left - 6, y);
    }
    ctx.restore();
  };

  const pointColor = (points, i, p) => {
    if (mode.kind === "regression") {
      const t = scalePosition(points.targets[i][0], { center: 0, limit: regressionLimit });
      return rgb(mix(p.zero, t >= 0 ? p.pos : p.neg, Math.abs(t)));
    }
    const label = points.labels?.[i] ?? Math.round(points.targets[i][0]);
    return rgb(classColor(label, p));
  };

  const drawPoints = () => {
    const ctx = overlay.ctx;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    if (!topology?.points) return;
    const p = colors();
    const train = topology.points.train;
    const test = topology.points.test;
    const n = train.x.length + (showTest.checked ? test.x.length : 0);
    const radius = n > 800 ? 2.5 : n > 300 ? 3 : n > 20 ? 3.5 : 5;
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, PLOT, PLOT);
    ctx.clip();
    // Train points: filled in the class (or target) colour, a white ring inside a dark
    // one, so they read on any background and on either theme.
    for (let i = 0; i < train.x.length; i += 1) {
      const [x, y] = toPx(train.x[i][0], train.x[i][1]);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fillStyle = pointColor(train, i, p);
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(x, y, radius + 1, 0, 2 * Math.PI);
      ctx.strokeStyle = "rgba(0, 0, 0, 0.75)";
      ctx.stroke();
    }
    // Test points: hollow rings in the class colour, outlined the same way.
    if (showTest.checked) {
      for (let i = 0; i < test.x.length; i += 1) {
        const [x, y] = toPx(test.x[i][0], test.x[i][1]);
        ctx.beginPath();
        ctx.arc(x, y, radius, 0, 2 * Math.PI);
        ctx.lineWidth = 3.5;
        ctx.strokeStyle = "rgba(0, 0, 0, 0.75)";
        ctx.stroke();
        ctx.lineWidth = 2;
        ctx.strokeStyle = pointColor(test, i, p);
        ctx.stroke();
      }
    }
    ctx.restore();
    const shown = train.x.length + (showTest.checked ? test.x.length : 0);
    overlay.canvas.setAttribute("aria-label",
      `network output over the input plane with ${shown} data points` + (grid ? "" : " (no output yet)"));
  };

  const drawLegend = () => {
    const p = colors();
    const ctx = legendBar.ctx;
    ctx.clearRect(0, 0, PLOT, 10);
    legendClasses.replaceChildren();
    legendLabels.replaceChildren();
    const train = "\u25cf train";
    const test = showTest.checked ? "  \u25cb test (hollow)" : "";
    if (mode.kind === "classes") {
      legendBar.canvas.hidden = true;
      for (let k = 0; k < mode.classes; k += 1) {
        const swatch = el("span", { className: "swatch" });
        swatch.style.background = rgb(classColor(k, p));
        legendClasses.append(el("span", { className: "legend-class" }, swatch, `class ${k}`));
      }
      legendNote.textContent = `colour: the most likely class, paler where unsure. ${train}${test}`;
      return;
    }
    legendBar.canvas.hidden = false;
    for (let x = 0; x < PLOT; x += 1) {
      const t = (x / (PLOT - 1)) * 2 - 1;
      ctx.fillStyle = rgb(mix(p.zero, t >= 0 ? p.pos : p.neg, Math.abs(t) * BACKGROUND));
      ctx.fillRect(x, 0, 1, 10);
    }
    let labels;
    let note;
    if (mode.kind === "regression") {
      const limit = regressionLimit;
      labels = [formatTick(-limit), "0", formatTick(limit)];
      note = `colour: the network's output (points: their target). ${train}${test}`;
    } else {
      const scale = outputScale(grid?.output?.[0] ?? { low: 0, high: 1 });
      labels = [`${formatTick(scale.center - scale.limit)} = class 0`, formatTick(scale.center), `${formatTick(scale.center + scale.limit)} = class 1`];
      note = `colour: the output; the boundary is at ${formatTick(scale.center)}. ${train}${test}`;
    }
    legendLabels.append(...labels.map((text) => el("span", { textContent: text })));
    legendNote.textContent = note;
  };

  const paintUnits = (p) => {
    const layers = grid.layers ?? [];
    // Hidden units come on a coarser grid of their own (thumbnails), sized by unit_x.
    const ures = grid.unit_x?.length ?? res;
    if (thumbs.length && thumbs[0].res !== ures) thumbs.length = 0;
    if (!thumbs.length && layers.length) {
      units.replaceChildren();
      layers.forEach((layer, l) => {
        const row = el("div", { className: "unit-row" });
        const activation = topology.activations[l];
        row.append(el("div", { className: "unit-layer", textContent: `layer ${l + 1} \u00b7 ${activation}` }));
        // Up to 8 thumbnails fit a row at 40 px; small layers get 48 px.
        const cells = el("div", { className: layer.length > 6 ? "unit-cells compact" : "unit-cells" });
        layer.slice(0, MAX_UNITS).forEach((_, j) => {
          const canvas = el("canvas", { className: "unit-canvas", width: ures, height: ures });
          const ctx = canvas.getContext("2d");
          const img = ctx.createImageData(ures, ures);
          const name = `h${l + 1}.${j + 1}`;
          canvas.title = `${name}: this neuron's activation over the input plane`;
          cells.append(el("figure", { className: "unit", dataset: { testid: `unit-${name}` } },
            canvas, el("figcaption", { textContent: name })));
          thumbs.push({ layer: l, unit: j, ctx, image: img, pixels: new Uint32Array(img.data.buffer), activation, res: ures });
        });
        if (layer.length > MAX_UNITS) cells.append(el("span", { className: "unit-more", textContent: `+${layer.length - MAX_UNITS} more` }));
        row.append(cells);
        units.append(row);
      });
    }
    for (const thumb of thumbs) {
      const packed = layers[thumb.layer]?.[thumb.unit];
      if (!packed) continue;
      unitBytes = decodeBase64Into(packed.data, unitBytes);
      colorTable(packed.low, packed.high, unitScale(thumb.activation, packed.low, packed.high), p, 1, unitTable);
      paintFlipped(unitBytes, unitTable, thumb.pixels, ures);
      thumb.ctx.putImageData(thumb.image, 0, 0);
    }
  };

  const paint = () => {
    if (!grid || !mode) return;
    if (mode.kind === "regression") {
      // Around 0, out to a round number covering the targets and the current outputs; it
      // changes only when the outputs cross it, and then the points are recoloured too.
      const first = grid.output[0];
      const limit = roundUp(Math.max(targetLimit, Math.abs(first.low), Math.abs(first.high)));
      if (limit !== regressionLimit) {
        regressionLimit = limit;
        drawPoints();
      }
    }
    ensureBuffers(grid.x.length);
    const p = colors();
    paintOutput(p);
    paintUnits(p);
    drawLegend();
    waiting.hidden = true;
  };

  // --- events -----------------------------------------------------------------------------
  app.bus.on("topology", setup);
  app.bus.on("snapshot", (snap) => {
    if (slot.hidden || !mode || !snap.grid || snap.grid.encoding !== "u8") return;
    const layersChanged = grid && (grid.layers?.length !== snap.grid.layers?.length
      || grid.layers?.some((layer, l) => layer.length !== snap.grid.layers[l].length));
    grid = snap.grid;
    if (layersChanged) {
      thumbs = [];
    }
    paint();
  });
  app.bus.on("theme", () => {
    if (!mode) return;
    drawPoints();
    if (grid) paint();
    else {
      base.ctx.clearRect(0, 0, WIDTH, HEIGHT);
      drawAxes();
      drawLegend();
    }
  });
  showTest.addEventListener("change", () => {
    if (!mode) return;
    drawPoints();
    drawLegend();
  });

  // The value under the pointer, from the last decoded output grid.
  overlay.canvas.addEventListener("mousemove", (event) => {
    if (!grid || !mode || !res) return;
    const box = overlay.canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * WIDTH - MARGIN.left;
    const py = ((event.clientY - box.top) / box.height) * HEIGHT - MARGIN.top;
    if (px < 0 || py < 0 || px > PLOT || py > PLOT) {
      readout.textContent = "\u00a0";
      return;
    }
    const col = Math.round((px / PLOT) * (res - 1));
    const row = Math.round((1 - py / PLOT) * (res - 1));
    const x = grid.x[col];
    const y = grid.y[row];
    const i = row * res + col;
    const values = grid.output.map((packed, u) => byteValue(outputBytes[u]?.[i] ?? 0, packed.low, packed.high));
    let shown;
    if (mode.kind === "classes") {
      const best = values.indexOf(Math.max(...values));
      shown = `class ${best} (output ${formatNumber(values[best], 3)})`;
    } else if (mode.kind === "binary") {
      const scale = outputScale(grid.output[0]);
      shown = `output ${formatNumber(values[0], 3)} (class ${values[0] >= scale.center ? 1 : 0})`;
    } else {
      shown = `output ${formatNumber(values[0], 3)}`;
    }
    readout.textContent = `x = (${formatNumber(x, 2)}, ${formatNumber(y, 2)}) \u2192 ${shown}`;
  });
  overlay.canvas.addEventListener("mouseleave", () => { readout.textContent = "\u00a0"; });
}

function formatTick(value) {
  if (!Number.isFinite(value)) return "";
  const rounded = Number(value.toPrecision(3));
  return Math.abs(rounded) >= 1000 || (rounded !== 0 && Math.abs(rounded) < 0.01)
    ? rounded.toExponential(1) : String(rounded);
}
