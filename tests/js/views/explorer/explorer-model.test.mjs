import { test } from "node:test";
import assert from "node:assert/strict";

import {
  formatVector, lossBodies, lossCurves, lossGrid, lossRows, markerPlacement, selectedNeuron,
} from "../../../../static/js/views/explorer/explorer-model.js";

// A curve shaped like GET /api/explorer/activation?name=sigmoid&low=-2&high=2&points=5.
const SIGMOID = {
  z: [-2, -1, 0, 1, 2],
  a: [0.11920292202211757, 0.2689414213699951, 0.5, 0.7310585786300049, 0.8807970779778824],
  da: [0.10499358540350653, 0.19661193324148185, 0.25, 0.19661193324148185, 0.10499358540350653],
};

test("a z on a grid point sits exactly on the engine's values", () => {
  const place = markerPlacement(SIGMOID, 1);
  assert.equal(place.x, 1);
  assert.equal(place.outside, null);
  assert.equal(place.a, 0.7310585786300049);
  assert.equal(place.da, 0.19661193324148185);
});

test("between grid points the marker is read off the straight segment", () => {
  const place = markerPlacement(SIGMOID, 0.5);
  assert.ok(Math.abs(place.a - (0.5 + 0.7310585786300049) / 2) < 1e-15);
  assert.ok(Math.abs(place.da - (0.25 + 0.19661193324148185) / 2) < 1e-15);
  assert.equal(markerPlacement(SIGMOID, -2).a, SIGMOID.a[0]);
  assert.equal(markerPlacement(SIGMOID, 2).a, SIGMOID.a[4]);
});

test("a z off the chart is drawn at its edge, and says which side", () => {
  const right = markerPlacement(SIGMOID, 9.3);
  assert.equal(right.x, 2);
  assert.equal(right.z, 9.3);
  assert.equal(right.outside, "right");
  assert.equal(right.a, SIGMOID.a[4]);
  assert.equal(markerPlacement(SIGMOID, -50).outside, "left");
});

test("no marker without a curve or a finite z", () => {
  assert.equal(markerPlacement(null, 1), null);
  assert.equal(markerPlacement(SIGMOID, null), null);
  assert.equal(markerPlacement(SIGMOID, Number.NaN), null);
});

test("a selected neuron: its layer's activation and its z and a on probe sample 0", () => {
  const config = { layers: [2, 3, 1], activations: ["sigmoid", "linear"] };
  const snapshot = { activations: [{ z: [[1.0, 1.3, 0.8]], a: [[0.731, 0.786, 0.69]] }, { z: [[1.2332]], a: [[1.2332]] }] };
  assert.deepEqual(selectedNeuron({ kind: "neuron", layer: 1, i: 0, j: null }, config, snapshot),
    { layer: 1, unit: 0, activation: "sigmoid", z: 1.0, a: 0.731 });
  assert.equal(selectedNeuron({ kind: "neuron", layer: 2, i: 0, j: null }, config, snapshot).activation, "linear");
  assert.deepEqual(selectedNeuron({ kind: "neuron", layer: 0, i: 1, j: null }, config, snapshot), { input: true, layer: 0, unit: 1 });
  assert.equal(selectedNeuron({ kind: "weight", layer: 1, i: 0, j: 0 }, config, snapshot), null);
  assert.equal(selectedNeuron({ kind: "neuron", layer: 1, i: 0 }, config, null).z, null);
});

test("the loss requests: one output for MSE/BCE, three classes for CCE", () => {
  assert.deepEqual(lossBodies(0.8).binary, { prediction: [0.8], target: [1] });
  const multi = lossBodies(0.4).multi;
  assert.deepEqual(multi.target, [1, 0, 0]);
  assert.equal(multi.prediction[0], 0.4);
  assert.ok(Math.abs(multi.prediction[1] - 0.3) < 1e-15);
  assert.equal(multi.prediction[1], multi.prediction[2]);
});

test("the loss grid: a few dozen points strictly inside (0, 1)", () => {
  const grid = lossGrid();
  assert.equal(grid.length, 25);
  assert.equal(grid[0], 0.02);
  assert.equal(grid.at(-1), 0.98);
  assert.ok(grid.every((p, k) => k === 0 || p > grid[k - 1]));
});

const answer = (values) => ({
  losses: Object.entries(values).map(([name, value]) => ({ name, formula: `${name}(...)`, value,
    grad_output: [value * 2], shortcut: name === "mse" ? null : { activation: "sigmoid", grad_logits: [-0.2] } })),
});

test("rows: MSE and BCE from the one-output answer, CCE from the three-class one", () => {
  const rows = lossRows(answer({ mse: 0.04, bce: 0.22, cce: 0 }), answer({ mse: 0.5, bce: 0.9, cce: 0.22 }));
  assert.deepEqual(rows.map((r) => [r.label, r.value]), [["MSE", 0.04], ["BCE", 0.22], ["CCE", 0.22]]);
  assert.equal(rows[0].shortcut, null);
  assert.deepEqual(rows[1].shortcut.grad_logits, [-0.2]);
});

test("the curves come out in ascending p whatever order the answers arrived in", () => {
  const cache = new Map([
    [0.5, { binary: answer({ mse: 0.25, bce: 0.69, cce: 0 }), multi: answer({ cce: 0.69 }) }],
    [0.1, { binary: answer({ mse: 0.81, bce: 2.3, cce: 0 }), multi: answer({ cce: 2.3 }) }],
  ]);
  assert.deepEqual(lossCurves(cache), { p: [0.1, 0.5], mse: [0.81, 0.25], bce: [2.3, 0.69], cce: [2.3, 0.69] });
});

test("vectors print as lists, one-entry vectors as a number", () => {
  assert.equal(formatVector([-1.25, 0, -0]), "[-1.2500, 0.0000, 0.0000]");
  assert.equal(formatVector([-0.2]), "-0.2000");
  assert.equal(formatVector(null), "\u2013");
});
