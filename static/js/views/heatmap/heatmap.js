// For 2-D inputs: what the network outputs over the whole input plane, with the data drawn
// on top, and a small picture of the same plane for every hidden neuron (as the
// TensorFlow Playground does). The values are the server's grid (one byte per cell between
// the grid's low and high); this view only colours them.
//
// Painting: per frame and per grid, one base64 decode into a reused byte buffer, a
// 256-entry colour table, and a copy into a reused ImageData; the data points live on a
// second canvas that is redrawn only when the data, the theme or the test-points toggle
// changes.
//
// What to draw is the model's (heatmap-model.js: the output's meaning, colours, ticks,
// legend and readout, and the network's and grid's state); this file holds the DOM and the
// reused pixel buffers.
import { outputSlot } from "../charts/chart-slots.js";
import {
  byteValue, colorTable, decodeBase64Into, discreteTable, paintArgmax, paintFlipped, unitScale,
} from "./grid-decode.js";
import {
  BACKGROUND, HEIGHT, HeatmapModel, MARGIN, PLOT, WIDTH, axisTicks, barColor, cellAt, formatTick,
} from "./heatmap-model.js";
import { cssVar, palette } from "../../shell/theme.js";
import { viewOption, withViewOption } from "../../shell/urlstate.js";
import { el } from "../../lib/dom.js";
import { mountEditor } from "./heatmap-editor.js";

const MAX_UNITS = 32;                   // thumbnails per hidden layer

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

// The pixel buffers, reused from frame to frame: one decoded byte buffer per output unit and
// one for all thumbnails, the res x res offscreen canvas holding the output's pixels (its
// ImageData and a Uint32 view of it), two colour tables, and the thumbnails.
class Buffers {
  constructor() {
    this.res = 0;
    this.outputBytes = [];
    this.unitBytes = null;
    this.source = null;
    this.sourceCtx = null;
    this.image = null;
    this.pixels = null;
    this.table = new Uint32Array(256);
    this.unitTable = new Uint32Array(256);
    this.thumbs = [];            // [{layer, unit, ctx, image, pixels, activation, res}]
  }

  // For a grid of size x size; returns whether the buffers were made again.
  fit(size) {
    if (size === this.res && this.source) return false;
    this.res = size;
    this.source = document.createElement("canvas");
    this.source.width = size;
    this.source.height = size;
    this.sourceCtx = this.source.getContext("2d");
    this.image = this.sourceCtx.createImageData(size, size);
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.thumbs = [];
    return true;
  }

  // The outputs' values at cell i of the last decoded grid.
  valuesAt(output, i) {
    return output.map((packed, u) => byteValue(this.outputBytes[u]?.[i] ?? 0, packed.low, packed.high));
  }
}

// `root`: the panel it draws in; the compare view mounts a plane per run in its own panels.
export function mount(app, root = undefined) {
  const slot = outputSlot("heatmap", root);
  slot.classList.add("heatmap-section");
  slot.dataset.testid = "heatmap-section";

  // --- the output heatmap -------------------------------------------------------------
  const showTest = el("input", { type: "checkbox", dataset: { testid: "show-test" } });
  const noTest = el("span", { className: "chart-toggle-why", textContent: " (no test rows)", hidden: true });
  // Two colours only, split at the classes' boundary (the playground's "discretize output").
  const discrete = el("input", { type: "checkbox", dataset: { testid: "discretize" } });
  discrete.checked = viewOption(location.search, "discrete");
  const discreteLabel = el("label", { className: "chart-toggle", title: "draw the output in two colours, split at the boundary" },
    discrete, " discretize");
  const heading = el("div", { className: "chart-head" },
    el("h2", { textContent: "Output" }),
    el("label", { className: "chart-toggle" }, showTest, " show test points", noTest),
    discreteLabel);
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

  const model = new HeatmapModel();
  const buffers = new Buffers();

  const colors = () => {
    const p = palette();
    return { ...p, text: cssVar("--text", "#222"), muted: cssVar("--muted", "#666"), panel: cssVar("--panel", "#fff") };
  };
  // Drawing the data on the plane (heatmap-editor.js); it redraws the points layer.
  const editor = mountEditor(app, { model, canvas: overlay.canvas, heading, colors, redraw: () => drawPoints() });
  slot.append(heading, stack, legend, editor.bar, readout, waiting, unitsHeading, units);

  // --- setup per topology ---------------------------------------------------------------
  const setup = (message) => {
    if (model.sameNetwork(message)) {
      // Only the points are new (drawn or drawn afresh): the grid and thumbnails stay.
      model.takePoints(message);
      updateTestToggle();
      editor.setTopology(message);
      drawLegend();
      return;
    }
    buffers.res = 0;
    slot.hidden = !model.setTopology(message);
    if (slot.hidden) return;
    discreteLabel.hidden = model.discreteThreshold() === null;
    updateTestToggle();
    units.replaceChildren();
    buffers.thumbs = [];
    unitsHeading.hidden = message.layers.length <= 2;
    waiting.hidden = false;
    base.ctx.clearRect(0, 0, WIDTH, HEIGHT);
    drawAxes();
    editor.setTopology(message);  // draws the points
    drawLegend();
  };

  const updateTestToggle = () => {
    const tests = model.testCount;
    showTest.disabled = tests === 0;
    showTest.parentElement.title = tests ? "" : "this data has no test rows";
    noTest.hidden = tests > 0;  // the reason, readable without hovering
  };

  // --- painting ---------------------------------------------------------------------------
  const paintOutput = (p) => {
    const packed = model.grid.output;
    const { res, outputBytes } = buffers;
    if (model.mode.kind === "classes") {
      // Argmax class, saturation by how sure: p_max from 1/K (neutral) to 1 (full).
      for (let u = 0; u < packed.length; u += 1) outputBytes[u] = decodeBase64Into(packed[u].data, outputBytes[u]);
      const classColors = packed.map((_, c) => model.classColor(c, p));
      paintArgmax(outputBytes, packed, classColors, p.zero, BACKGROUND, buffers.pixels, res);
    } else {
      const first = packed[0];
      outputBytes[0] = decodeBase64Into(first.data, outputBytes[0]);
      const threshold = discrete.checked ? model.discreteThreshold() : null;
      if (threshold === null) colorTable(first.low, first.high, model.outputScale(first), p, BACKGROUND, buffers.table);
      else discreteTable(first.low, first.high, threshold, p, BACKGROUND, buffers.table);
      paintFlipped(outputBytes[0], buffers.table, buffers.pixels, res);
    }
    buffers.sourceCtx.putImageData(buffers.image, 0, 0);
    const ctx = base.ctx;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    ctx.save();
    clipToPlot(ctx);
    // Grid values are samples at the domain's corners and evenly between: centre each
    // sample's pixel on its point (half a cell beyond the plot on each side, clipped).
    const cell = PLOT / Math.max(1, res - 1);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(buffers.source, MARGIN.left - cell / 2, MARGIN.top - cell / 2, PLOT + cell, PLOT + cell);
    ctx.restore();
    drawAxes();
  };

  const clipToPlot = (ctx) => {
    ctx.beginPath();
    ctx.rect(MARGIN.left, MARGIN.top, PLOT, PLOT);
    ctx.clip();
  };

  const drawAxes = () => {
    const ctx = base.ctx;
    const p = colors();
    const [[x0, x1], [y0, y1]] = model.domain;
    ctx.save();
    ctx.strokeStyle = p.muted;
    ctx.lineWidth = 1;
    ctx.strokeRect(MARGIN.left - 0.5, MARGIN.top - 0.5, PLOT + 1, PLOT + 1);
    ctx.fillStyle = p.muted;
    const fontSize = Math.round((parseFloat(cssVar("--font-size", "14px")) || 14) * 0.78);
    ctx.font = `${fontSize}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of axisTicks(x0, x1)) {
      const [x] = model.toPx(t, y0);
      ctx.fillRect(Math.round(x) - 0.5, MARGIN.top + PLOT, 1, 4);
      ctx.fillText(formatTick(t), x, MARGIN.top + PLOT + 6);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of axisTicks(y0, y1)) {
      const [, y] = model.toPx(x0, t);
      ctx.fillRect(MARGIN.left - 4, Math.round(y) - 0.5, 4, 1);
      ctx.fillText(formatTick(t), MARGIN.left - 6, y);
    }
    ctx.restore();
  };

  const drawPoints = () => {
    const ctx = overlay.ctx;
    ctx.clearRect(0, 0, WIDTH, HEIGHT);
    const points = model.topology?.points;
    if (!points) return;
    const p = colors();
    const { test } = points;
    const train = editor.shown() ?? points.train;  // a draft while an edit is on its way
    const n = train.x.length + (showTest.checked ? test.x.length : 0);
    const radius = n > 800 ? 2.5 : n > 300 ? 3 : n > 20 ? 3.5 : 5;
    ctx.save();
    clipToPlot(ctx);
    // Train points: filled in the class (or target) colour, a white ring inside a dark
    // one, so they read on any background and on either theme.
    for (let i = 0; i < train.x.length; i += 1) {
      const [x, y] = model.toPx(train.x[i][0], train.x[i][1]);
      ctx.beginPath();
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
      ctx.fillStyle = model.pointColor(train, i, p);
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
        const [x, y] = model.toPx(test.x[i][0], test.x[i][1]);
        ctx.beginPath();
        ctx.arc(x, y, radius, 0, 2 * Math.PI);
        ctx.lineWidth = 3.5;
        ctx.strokeStyle = "rgba(0, 0, 0, 0.75)";
        ctx.stroke();
        ctx.lineWidth = 2;
        ctx.strokeStyle = model.pointColor(test, i, p);
        ctx.stroke();
      }
    }
    ctx.restore();
    editor.drawCursor(ctx);
    overlay.canvas.setAttribute("aria-label",
      `network output over the input plane with ${n} data points` + (model.grid ? "" : " (no output yet)"));
  };

  const drawLegend = () => {
    const p = colors();
    const ctx = legendBar.ctx;
    ctx.clearRect(0, 0, PLOT, 10);
    legendClasses.replaceChildren();
    legendLabels.replaceChildren();
    const { classes, labels, note, discrete: split } = model.legend(p, showTest.checked, discrete.checked);
    legendNote.textContent = note;
    legendBar.canvas.hidden = Boolean(classes);
    if (classes) {
      for (const { name, color } of classes) {
        const swatch = el("span", { className: "swatch" });
        swatch.style.background = color;
        legendClasses.append(el("span", { className: "legend-class" }, swatch, name));
      }
      return;
    }
    for (let x = 0; x < PLOT; x += 1) {
      const t = (x / (PLOT - 1)) * 2 - 1;
      ctx.fillStyle = barColor(split ? (t < 0 ? -1 : 1) : t, p);
      ctx.fillRect(x, 0, 1, 10);
    }
    legendLabels.append(...labels.map((text) => el("span", { textContent: text })));
  };

  const paintUnits = (p) => {
    const { grid, topology } = model;
    const layers = grid.layers ?? [];
    // Hidden units come on a coarser grid of their own (thumbnails), sized by unit_x.
    const ures = grid.unit_x?.length ?? buffers.res;
    const thumbs = buffers.thumbs;
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
      buffers.unitBytes = decodeBase64Into(packed.data, buffers.unitBytes);
      colorTable(packed.low, packed.high, unitScale(thumb.activation, packed.low, packed.high), p, 1, buffers.unitTable);
      paintFlipped(buffers.unitBytes, buffers.unitTable, thumb.pixels, ures);
      thumb.ctx.putImageData(thumb.image, 0, 0);
    }
  };

  const paint = () => {
    if (!model.grid || !model.mode) return;
    if (buffers.fit(model.grid.x.length)) units.replaceChildren();
    const p = colors();
    paintOutput(p);
    paintUnits(p);
    drawLegend();
    waiting.hidden = true;
  };

  // --- events -----------------------------------------------------------------------------
  const show = (snap) => {
    if (slot.hidden || !model.mode || !snap.grid || snap.grid.encoding !== "u8") return;
    const { layersChanged, limitChanged } = model.takeGrid(snap.grid);
    if (layersChanged) buffers.thumbs = [];
    if (limitChanged) drawPoints();
    paint();
  };
  app.bus.on("topology", setup);
  app.bus.on("snapshot", show);
  // Mounted after the session's first frames (the compare view): show what it has.
  if (app.topology) {
    setup(app.topology);
    if (app.snapshot) show(app.snapshot);
  }
  app.bus.on("theme", () => {
    if (!model.mode) return;
    drawPoints();
    if (model.grid) paint();
    else {
      base.ctx.clearRect(0, 0, WIDTH, HEIGHT);
      drawAxes();
      drawLegend();
    }
  });
  discrete.addEventListener("change", () => {
    const query = withViewOption(location.search, "discrete", discrete.checked);
    history.replaceState(history.state, "", query ? `?${query}` : location.pathname);
    if (!model.mode) return;
    if (model.grid) paint();
    else drawLegend();
  });
  showTest.addEventListener("change", () => {
    if (!model.mode) return;
    drawPoints();
    drawLegend();
  });

  // The value under the pointer, from the last decoded output grid.
  overlay.canvas.addEventListener("mousemove", (event) => {
    if (!model.grid || !model.mode || !buffers.res) return;
    const box = overlay.canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * WIDTH - MARGIN.left;
    const py = ((event.clientY - box.top) / box.height) * HEIGHT - MARGIN.top;
    const cell = cellAt(px, py, buffers.res);
    if (!cell) {
      readout.textContent = "\u00a0";
      return;
    }
    const values = buffers.valuesAt(model.grid.output, cell.row * buffers.res + cell.col);
    readout.textContent = model.readout(cell, values);
  });
  overlay.canvas.addEventListener("mouseleave", () => { readout.textContent = "\u00a0"; });
}
