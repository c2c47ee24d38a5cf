// The heatmap's pure part (heatmap.js paints it): the plot's geometry, what the output
// means (two classes, more classes, regression) and how it is coloured, the axis ticks, the
// points' colours, the legend's words and the readout under the pointer, and the state that
// changes with each network and grid, all in one object. No DOM
// (tests/js/views/heatmap/heatmap-model.test.mjs).
import { formatNumber } from "../../lib/format.js";
import { mix, parseColor, rgb } from "../../lib/color.js";
import { niceTicks, roundUp, scalePosition } from "./grid-decode.js";
import { seesFeatures } from "../features/features-model.js";

export const PLOT = 240;                       // the plot area, CSS px
export const MARGIN = { left: 36, right: 10, top: 8, bottom: 24 };
export const WIDTH = MARGIN.left + PLOT + MARGIN.right;
export const HEIGHT = MARGIN.top + PLOT + MARGIN.bottom;
export const BACKGROUND = 0.8;                 // background saturation, so the points stand out
// Okabe-Ito, for more than two classes.
export const CLASS_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];

// What the output means and how to colour it, from the topology.
export function outputMode(topology) {
  const outputs = topology.layers[topology.layers.length - 1];
  const activation = topology.activations[topology.activations.length - 1];
  const classification = topology.dataset.kind === "classification";
  if (classification && outputs > 1) return { kind: "classes", classes: outputs, activation };
  if (classification) return { kind: "binary", activation };
  return { kind: "regression", activation, outputs };
}

// A tick's label: three significant digits, exponent form when very large or small.
export function formatTick(value) {
  if (!Number.isFinite(value)) return "";
  const rounded = Number(value.toPrecision(3));
  return Math.abs(rounded) >= 1000 || (rounded !== 0 && Math.abs(rounded) < 0.01)
    ? rounded.toExponential(1) : String(rounded);
}

// Round ticks inside the domain, plus the domain's ends when they are round numbers
// themselves (then ticks too close to an end are dropped).
export function axisTicks(low, high) {
  const ticks = niceTicks(low, high, 5);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : high - low;
  const round = (v) => Number(v.toPrecision(2)) === v;
  const ends = [low, high].filter(round);
  const inner = ticks.filter((t) => ends.every((e) => Math.abs(t - e) > step * 0.45 || t === e));
  return [...new Set([...ends, ...inner])];
}

// The grid cell under a point of the plot (CSS px from its top left), or null outside it.
export function cellAt(px, py, res) {
  if (px < 0 || py < 0 || px > PLOT || py > PLOT) return null;
  return { col: Math.round((px / PLOT) * (res - 1)), row: Math.round((1 - py / PLOT) * (res - 1)) };
}

// The colour at t (-1 .. 1) of the legend's bar.
export function barColor(t, { pos, neg, zero }) {
  return rgb(mix(zero, t >= 0 ? pos : neg, Math.abs(t) * BACKGROUND));
}

export class HeatmapModel {
  constructor() {
    this.topology = null;
    this.mode = null;            // outputMode, or null when the input is not a plane
    this.grid = null;            // the last packed grid (for a theme repaint and the readout)
    this.domain = null;          // [[x low, x high], [y low, y high]]
    this.targetLimit = 0;        // the train targets' largest |value|
    this.regressionLimit = 1;    // colour limit for regression: a round number above targets and outputs
  }

  // A new network. Returns whether its input is a plane (else there is nothing to show).
  setTopology(topology) {
    this.topology = topology;
    this.grid = null;
    const plane = (topology.layers[0] === 2 || seesFeatures(topology.config)) && Array.isArray(topology.dataset?.domain);
    this.mode = plane ? outputMode(topology) : null;
    if (!plane) return false;
    this.domain = topology.dataset.domain;
    const targets = topology.points?.train?.targets ?? [];
    this.targetLimit = Math.max(0, ...targets.map((t) => Math.abs(t[0] ?? 0)));
    this.regressionLimit = roundUp(this.targetLimit);
    return true;
  }

  // Whether `topology` is the same network on the same plane as now, only its points new
  // (drawn data, new data): then the grid and thumbnails stay.
  sameNetwork(topology) {
    const old = this.topology;
    return Boolean(old && this.mode) && old.session === topology.session
      && JSON.stringify([old.layers, old.activations, old.dataset?.kind, old.dataset?.n_classes, old.dataset?.domain])
        === JSON.stringify([topology.layers, topology.activations, topology.dataset?.kind, topology.dataset?.n_classes, topology.dataset?.domain]);
  }

  // New points on the same network (sameNetwork): the grid is kept.
  takePoints(topology) {
    this.topology = topology;
    const targets = topology.points?.train?.targets ?? [];
    this.targetLimit = Math.max(0, ...targets.map((t) => Math.abs(t[0] ?? 0)));
  }

  // Class k as the data names it (a CSV's words), else "class k".
  className(k) {
    return this.topology?.dataset?.class_names?.[k] ?? `class ${k}`;
  }

  get testCount() {
    return this.topology?.points?.test?.x?.length ?? 0;
  }

  // A new grid. `layersChanged`: the hidden layers' shapes differ from the last grid's (the
  // thumbnails are made again); `limitChanged`: regression's colour limit moved (it changes
  // only when the outputs cross it, around 0 out to a round number covering the targets
  // and the current outputs), so the points are recoloured too.
  takeGrid(grid) {
    const old = this.grid;
    const layersChanged = Boolean(old) && (old.layers?.length !== grid.layers?.length
      || old.layers?.some((layer, l) => layer.length !== grid.layers[l].length));
    this.grid = grid;
    let limitChanged = false;
    if (this.mode.kind === "regression") {
      const first = grid.output[0];
      const limit = roundUp(Math.max(this.targetLimit, Math.abs(first.low), Math.abs(first.high)));
      limitChanged = limit !== this.regressionLimit;
      this.regressionLimit = limit;
    }
    return { layersChanged, limitChanged };
  }

  // A point of the input plane -> CSS px on the canvas.
  toPx(x, y) {
    const [[x0, x1], [y0, y1]] = this.domain;
    return [MARGIN.left + ((x - x0) / (x1 - x0)) * PLOT, MARGIN.top + PLOT - ((y - y0) / (y1 - y0)) * PLOT];
  }

  classColor(k, palette) {
    const { mode } = this;
    if (mode.kind === "binary" || (mode.kind === "classes" && mode.classes === 2)) return k === 1 ? palette.pos : palette.neg;
    return parseColor(CLASS_COLORS[k % CLASS_COLORS.length]);
  }

  // How the (first) output's values map onto the diverging colours (grid-decode.js colorTable).
  outputScale(packed = this.grid?.output?.[0] ?? { low: 0, high: 1 }) {
    const { mode } = this;
    if (mode.kind === "regression") return { center: 0, limit: Math.max(this.regressionLimit, 1e-9) };
    if (mode.activation === "tanh") return { center: 0, limit: 1 };
    if (mode.activation === "linear" || mode.activation === "relu") {
      return { center: 0.5, limit: Math.max(0.5, Math.abs(packed.low - 0.5), Math.abs(packed.high - 0.5)) };
    }
    return { center: 0.5, limit: 0.5 };
  }

  // Where a discretized output splits the plane in two colours: the classes' boundary (0.5
  // for a sigmoid output, 0 for tanh: outputScale's centre), 0 for regression, as the
  // playground does; null for more than two classes, whose colours are classes already.
  discreteThreshold() {
    const { mode } = this;
    if (!mode || mode.kind === "classes") return null;
    return mode.kind === "regression" ? 0 : this.outputScale().center;
  }

  // Point i of `points` ({x, targets, labels?}): its class's colour, or its target's.
  pointColor(points, i, palette) {
    if (this.mode.kind === "regression") {
      const t = scalePosition(points.targets[i][0], { center: 0, limit: this.regressionLimit });
      return rgb(mix(palette.zero, t >= 0 ? palette.pos : palette.neg, Math.abs(t)));
    }
    const label = points.labels?.[i] ?? Math.round(points.targets[i][0]);
    return rgb(this.classColor(label, palette));
  }

  // The legend: a swatch per class (`classes`), or the colour bar's three `labels`; and a note.
  legend(palette, showTest, discrete = false) {
    const points = `\u25cf train${showTest ? "  \u25cb test (hollow)" : ""}`;
    const { mode } = this;
    const threshold = discrete ? this.discreteThreshold() : null;
    if (threshold !== null) {
      // Short labels: the three share the bar's width; the note says where the split is.
      const at = formatTick(threshold);
      return {
        labels: mode.kind === "binary" ? [this.className(0), at, this.className(1)] : [`< ${at}`, at, `\u2265 ${at}`],
        note: `colour: two only, split where the output is ${at} (discretized). ${points}`,
        discrete: true,
      };
    }
    if (mode.kind === "classes") {
      const classes = Array.from({ length: mode.classes }, (_, k) => ({ name: this.className(k), color: rgb(this.classColor(k, palette)) }));
      return { classes, note: `colour: the most likely class, paler where unsure. ${points}` };
    }
    if (mode.kind === "regression") {
      const limit = this.regressionLimit;
      return { labels: [formatTick(-limit), "0", formatTick(limit)], note: `colour: the network's output (points: their target). ${points}` };
    }
    const { center, limit } = this.outputScale();
    return {
      labels: [`${formatTick(center - limit)} = ${this.className(0)}`, formatTick(center), `${formatTick(center + limit)} = ${this.className(1)}`],
      note: `colour: the output; the boundary is at ${formatTick(center)}. ${points}`,
    };
  }

  // The readout for the cell {col, row}: its point and what the network says there, from
  // the outputs' values at that cell.
  readout({ col, row }, values) {
    const x = this.grid.x[col];
    const y = this.grid.y[row];
    let shown;
    if (this.mode.kind === "classes") {
      const best = values.indexOf(Math.max(...values));
      shown = `${this.className(best)} (output ${formatNumber(values[best], 3)})`;
    } else if (this.mode.kind === "binary") {
      const scale = this.outputScale(this.grid.output[0]);
      shown = `output ${formatNumber(values[0], 3)} (${this.className(values[0] >= scale.center ? 1 : 0)})`;
    } else {
      shown = `output ${formatNumber(values[0], 3)}`;
    }
    return `x = (${formatNumber(x, 2)}, ${formatNumber(y, 2)}) \u2192 ${shown}`;
  }
}
