import { test } from "node:test";
import assert from "node:assert/strict";

import { describe, paramName, short, unitName, valueText } from "../../../../static/js/views/diagram/diagram-text.js";
import { paramSymbol } from "../../../../static/js/views/formula/formula-lines.js";

const topology = { layers: [2, 3, 1], activations: ["sigmoid", "linear"] };
const snap = {
  step: 1,
  params: [{ W: [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], b: null }, { W: [[0.3], [0.5], [0.9]], b: null }],
  grads: [{ W: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], b: null }, { W: [[0.7], [0.8], [0.9]], b: null }],
  probe: { inputs: [[1, 1]], targets: [[0]] },
  activations: [{ z: [[1.0, 1.3, 0.8]], a: [[0.7310585786300049, 0.7858349830425586, 0.6899744811276125]] },
    { z: [[1.233212098125132]], a: [[1.233212098125132]] }],
};

test("names", () => {
  // The engine's names (core/explain.py), units counted from 1, everywhere on the page.
  assert.equal(paramName("weight", 1, 2, 0), "w2_31");
  assert.equal(paramName("weight", 0, 0, 0), paramSymbol("weight", 1, 0, 0));
  assert.equal(paramName("bias", 1, null, 2), "b1_3");
  assert.equal(paramName("weight", 0, 9, 11), "w1_10,12");
  assert.equal(unitName(0, 1, 3), "input x2");
  assert.equal(unitName(0, 1, 3, ["x1^2", "sin(x2)"]), "input sin(x2)");  // named by its feature
  assert.equal(unitName(1, 2, 3), "hidden 1 unit 3");
  assert.equal(unitName(2, 0, 3), "output unit 1");
});

test("numbers: full precision for attributes, 3 decimals in pills", () => {
  assert.equal(valueText(0.7310585786300049), "0.7310585786300049");
  assert.equal(valueText(null), "NaN");
  assert.equal(short(0.7310585786300049), "0.731");
  assert.equal(short(-3.4e-4), "0.000");
  assert.equal(short(-0.0312), "-0.031");
  assert.equal(short(null), "\u2013");
});

test("a neuron's tooltip: z, a and the target at the output", () => {
  assert.deepEqual(describe({ kind: "neuron", l: 1, i: 0 }, topology, snap),
    ["hidden 1 unit 1 (sigmoid)", "z = 1.000000", "a = 0.731059", "probe sample 0 \u00b7 click to select"]);
  const out = describe({ kind: "neuron", l: 2, i: 0 }, topology, snap);
  assert.equal(out[2], "a = 1.233212");
  assert.equal(out[3], "target = 0.000000");
  assert.deepEqual(describe({ kind: "neuron", l: 0, i: 1 }, topology, snap).slice(0, 2), ["input x2", "x = 1.000000"]);
});

test("a weight's tooltip: value, gradient, last update", () => {
  const change = { source: "pending", change: [{ W: [[0, 0, -0.001]], b: null }], steps: 1 };
  assert.deepEqual(describe({ kind: "weight", l: 0, i: 0, j: 2 }, topology, snap, change).slice(0, 4), [
    "w1_13: input x1 \u2192 hidden 1 unit 3", "w = 0.300000", "\u2202L/\u2202w = 0.300000",
    "last update \u0394w = -0.001000"]);
  const fresh = describe({ kind: "weight", l: 1, i: 2, j: 0 }, topology, { ...snap, grads: null });
  assert.equal(fresh[0], "w2_31: hidden 1 unit 3 \u2192 output unit 1");
  assert.equal(fresh[2], "\u2202L/\u2202w: no step taken yet");
  assert.equal(fresh[3], "last update: none yet");
});

test("a bias's tooltip, with the change over several steps", () => {
  const biased = { ...snap, params: [{ ...snap.params[0], b: [0.1, 0.2, 0.3] }, snap.params[1]],
    grads: [{ ...snap.grads[0], b: [1, 2, 3] }, snap.grads[1]] };
  const before = { params: [{ ...snap.params[0], b: [0.1, 0.25, 0.3] }, snap.params[1]] };
  const change = { source: "diff", now: biased.params, before: before.params, steps: 3 };
  const lines = describe({ kind: "bias", l: 1, j: 1 }, topology, biased, change);
  assert.equal(lines[0], "b1_2: bias of hidden 1 unit 2");
  assert.equal(lines[1], "b = 0.200000");
  assert.equal(lines[2], "\u2202L/\u2202b = 2.000000");
  assert.equal(lines[3], "last update \u0394b = -0.050000 (over 3 steps)");
});
