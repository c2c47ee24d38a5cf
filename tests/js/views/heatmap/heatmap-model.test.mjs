import { test } from "node:test";
import assert from "node:assert/strict";

import {
  BACKGROUND, HeatmapModel, MARGIN, PLOT, axisTicks, barColor, cellAt, formatTick, outputMode,
} from "../../../../static/js/views/heatmap/heatmap-model.js";

const palette = { pos: [33, 102, 172], neg: [179, 88, 6], zero: [240, 240, 240] };

// Topologies as the server sends them (the parts the heatmap reads).
const plane = (layers, activations, kind, extra = {}) => ({
  layers, activations, dataset: { kind, domain: [[-1, 1], [0, 4]] },
  points: { train: { x: [[0, 2], [1, 4]], targets: [[0], [1]] }, test: { x: [] } }, ...extra,
});
const xor = plane([2, 4, 1], ["tanh", "sigmoid"], "classification");
const spirals = plane([2, 8, 3], ["relu", "softmax"], "classification");
const wave = plane([2, 8, 1], ["tanh", "linear"], "regression", {
  points: { train: { x: [[0, 0]], targets: [[-3.5]] }, test: { x: [[0, 1], [1, 1]] } },
});
const packed = (low, high) => ({ low, high, data: "" });
const grid = (output, layers = [[packed(0, 1), packed(0, 1)]]) => ({ x: [-1, 0, 1], y: [0, 2, 4], output, layers });

test("the output's meaning comes from the data's kind and the output layer", () => {
  assert.deepEqual(outputMode(xor), { kind: "binary", activation: "sigmoid" });
  assert.deepEqual(outputMode(spirals), { kind: "classes", classes: 3, activation: "softmax" });
  assert.deepEqual(outputMode(wave), { kind: "regression", activation: "linear", outputs: 1 });
});

test("a network whose input is not a plane has nothing to show", () => {
  const model = new HeatmapModel();
  assert.equal(model.setTopology({ ...xor, layers: [3, 1] }), false);
  assert.equal(model.mode, null);
  assert.equal(model.setTopology({ ...xor, dataset: { kind: "classification" } }), false);
  assert.equal(model.setTopology(xor), true);
  assert.equal(model.mode.kind, "binary");
  assert.equal(model.testCount, 0);
});

test("the plane maps onto the plot, y growing upward", () => {
  const model = new HeatmapModel();
  model.setTopology(xor);
  assert.deepEqual(model.toPx(-1, 0), [MARGIN.left, MARGIN.top + PLOT]);
  assert.deepEqual(model.toPx(1, 4), [MARGIN.left + PLOT, MARGIN.top]);
  assert.deepEqual(model.toPx(0, 2), [MARGIN.left + PLOT / 2, MARGIN.top + PLOT / 2]);
});

test("regression's colour limit starts above the targets and moves only when the outputs cross it", () => {
  const model = new HeatmapModel();
  model.setTopology(wave);
  assert.equal(model.regressionLimit, 5);   // |-3.5| rounded up to 1, 2 or 5 times a power of ten
  assert.equal(model.testCount, 2);
  assert.deepEqual(model.takeGrid(grid([packed(-4, 4.9)])), { layersChanged: false, limitChanged: false });
  assert.deepEqual(model.takeGrid(grid([packed(-6, 1)])), { layersChanged: false, limitChanged: true });
  assert.equal(model.regressionLimit, 10);
  assert.deepEqual(model.outputScale(), { center: 0, limit: 10 });
  // a point's colour follows its target on that scale: -3.5 of 10 is 35 % of the way to neg
  assert.equal(model.pointColor(wave.points.train, 0, palette), "rgb(219, 187, 158)");
});

test("a grid with other hidden layer sizes makes the thumbnails again", () => {
  const model = new HeatmapModel();
  model.setTopology(xor);
  assert.equal(model.takeGrid(grid([packed(0, 1)])).layersChanged, false);   // the first grid
  assert.equal(model.takeGrid(grid([packed(0, 1)])).layersChanged, false);
  assert.equal(model.takeGrid(grid([packed(0, 1)], [[packed(0, 1)]])).layersChanged, true);
  assert.equal(model.takeGrid(grid([packed(0, 1)], [[packed(0, 1)], [packed(0, 1)]])).layersChanged, true);
});

test("the output's colour scale follows the output activation", () => {
  const model = new HeatmapModel();
  model.setTopology(xor);
  assert.deepEqual(model.outputScale(packed(0, 1)), { center: 0.5, limit: 0.5 });
  model.setTopology(plane([2, 1], ["tanh"], "classification"));
  assert.deepEqual(model.outputScale(packed(-1, 1)), { center: 0, limit: 1 });
  model.setTopology(plane([2, 1], ["linear"], "classification"));
  assert.deepEqual(model.outputScale(packed(-0.5, 1.2)), { center: 0.5, limit: 1 });
});

test("two classes take the sign colours, more take Okabe-Ito's", () => {
  const model = new HeatmapModel();
  model.setTopology(xor);
  assert.deepEqual(model.classColor(1, palette), palette.pos);
  assert.deepEqual(model.classColor(0, palette), palette.neg);
  assert.equal(model.pointColor(xor.points.train, 1, palette), "rgb(33, 102, 172)");
  model.setTopology(spirals);
  assert.deepEqual(model.classColor(0, palette), [0, 114, 178]);
  assert.deepEqual(model.classColor(9, palette), [230, 159, 0]);   // wraps around
});

test("the legend: swatches for classes, a bar with labels otherwise", () => {
  const model = new HeatmapModel();
  model.setTopology(spirals);
  const classes = model.legend(palette, false);
  assert.deepEqual(classes.classes.map((c) => c.name), ["class 0", "class 1", "class 2"]);
  assert.equal(classes.classes[0].color, "rgb(0, 114, 178)");
  assert.equal(classes.note, "colour: the most likely class, paler where unsure. \u25cf train");
  model.setTopology(xor);
  const binary = model.legend(palette, true);
  assert.deepEqual(binary.labels, ["0 = class 0", "0.5", "1 = class 1"]);
  assert.ok(binary.note.endsWith("\u25cf train  \u25cb test (hollow)"));
  model.setTopology(wave);
  assert.deepEqual(model.legend(palette, false).labels, ["-5", "0", "5"]);
  assert.equal(barColor(0, palette), "rgb(240, 240, 240)");
  assert.equal(barColor(1, palette), `rgb(${palette.zero.map((z, i) => Math.round(z + (palette.pos[i] - z) * BACKGROUND)).join(", ")})`);
});

test("the readout names the point and what the network says there", () => {
  const model = new HeatmapModel();
  model.setTopology(xor);
  model.takeGrid(grid([packed(0, 1)]));
  assert.deepEqual(cellAt(0, PLOT, 3), { col: 0, row: 0 });
  assert.deepEqual(cellAt(PLOT, 0, 3), { col: 2, row: 2 });
  assert.equal(cellAt(-1, 10, 3), null);
  assert.equal(cellAt(10, PLOT + 1, 3), null);
  assert.equal(model.readout({ col: 2, row: 1 }, [0.75]), "x = (1.00, 2.00) \u2192 output 0.750 (class 1)");
  model.setTopology(spirals);
  model.takeGrid(grid([packed(0, 1), packed(0, 1), packed(0, 1)]));
  assert.equal(model.readout({ col: 0, row: 0 }, [0.2, 0.7, 0.1]), "x = (-1.00, 0.00) \u2192 class 1 (output 0.700)");
});

test("ticks: round numbers and the domain's round ends", () => {
  assert.deepEqual(axisTicks(-1, 1), [-1, 1, -0.5, 0, 0.5]);
  assert.deepEqual(axisTicks(0, 4), [0, 4, 1, 2, 3]);
  assert.equal(formatTick(0.25), "0.25");
  assert.equal(formatTick(12345), "1.2e+4");
  assert.equal(formatTick(0.001234), "1.2e-3");
  assert.equal(formatTick(NaN), "");
});

test("discretizing splits at the output's boundary: 0.5 for sigmoid, 0 for tanh and regression", () => {
  const model = new HeatmapModel();
  model.setTopology(xor);
  assert.equal(model.discreteThreshold(), 0.5);
  const split = model.legend(palette, false, true);
  assert.deepEqual(split.labels, ["class 0", "0.5", "class 1"]);
  assert.equal(split.discrete, true);
  assert.ok(split.note.includes("two only"));
  assert.equal(model.legend(palette, false, false).discrete, undefined);
  model.setTopology(plane([2, 4, 1], ["tanh", "tanh"], "classification"));
  assert.equal(model.discreteThreshold(), 0);
  model.setTopology(wave);
  assert.equal(model.discreteThreshold(), 0);
  assert.deepEqual(model.legend(palette, false, true).labels, ["< 0", "0", "\u2265 0"]);
  model.setTopology(spirals);
  assert.equal(model.discreteThreshold(), null);  // the classes' colours are discrete already
  assert.ok(model.legend(palette, false, true).classes);
});

test("classes the data names (a CSV's words) are named so in the legend and the readout", () => {
  const model = new HeatmapModel();
  const named = (topology, names) => ({ ...topology, dataset: { ...topology.dataset, class_names: names } });
  model.setTopology(named(spirals, ["red", "green", "blue"]));
  assert.deepEqual(model.legend(palette, false).classes.map((c) => c.name), ["red", "green", "blue"]);
  model.takeGrid(grid([packed(0, 1), packed(0, 1), packed(0, 1)]));
  assert.equal(model.readout({ col: 0, row: 0 }, [0.2, 0.7, 0.1]), "x = (-1.00, 0.00) \u2192 green (output 0.700)");
  model.setTopology(named(xor, ["no", "yes"]));
  assert.deepEqual(model.legend(palette, false).labels, ["0 = no", "0.5", "1 = yes"]);
  assert.deepEqual(model.legend(palette, false, true).labels, ["no", "0.5", "yes"]);
  model.takeGrid(grid([packed(0, 1)]));
  assert.equal(model.readout({ col: 2, row: 1 }, [0.75]), "x = (1.00, 2.00) \u2192 output 0.750 (yes)");
});
