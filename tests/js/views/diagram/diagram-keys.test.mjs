import { test } from "node:test";
import assert from "node:assert/strict";

import { nextElement } from "../../../../static/js/views/diagram/diagram-keys.js";
import { fitNumber, formatNumber } from "../../../../static/js/lib/format.js";
import { elementName } from "../../../../static/js/views/diagram/diagram-text.js";

// The 2-3-1 network, without biases, and a 2-3-1 with biases and a "+N more" under layer 1.
const plain = { counts: [2, 3, 1] };
const rich = { counts: [2, 3, 1], biases: [false, true, true], more: [false, true, false] };
const go = (key, from, shape = plain) => nextElement(key, from, shape);

test("from a node: up and down its layer, right to its first weight, left to what feeds it", () => {
  assert.equal(go("ArrowDown", { kind: "neuron", l: 1, i: 0 }), "node-1-1");
  assert.equal(go("ArrowUp", { kind: "neuron", l: 1, i: 0 }), null);
  assert.equal(go("ArrowDown", { kind: "neuron", l: 1, i: 2 }), null);
  assert.equal(go("ArrowDown", { kind: "neuron", l: 1, i: 2 }, rich), "more-1");
  assert.equal(go("ArrowRight", { kind: "neuron", l: 0, i: 1 }), "edge-0-1-0");
  assert.equal(go("ArrowRight", { kind: "neuron", l: 2, i: 0 }), null);  // the output: no weight leaves it
  assert.equal(go("ArrowLeft", { kind: "neuron", l: 1, i: 2 }), "edge-0-0-2");
  assert.equal(go("ArrowLeft", { kind: "neuron", l: 1, i: 2 }, rich), "bias-1-2");
  assert.equal(go("ArrowLeft", { kind: "neuron", l: 0, i: 0 }), null);
  assert.equal(go("End", { kind: "neuron", l: 1, i: 0 }), "node-1-2");
});

test("from a weight: through its gap in order, right to what it feeds, left to where it starts", () => {
  assert.equal(go("ArrowDown", { kind: "weight", l: 0, i: 0, j: 0 }), "edge-0-0-1");
  assert.equal(go("ArrowDown", { kind: "weight", l: 0, i: 0, j: 2 }), "edge-0-1-0");  // on to unit 2's
  assert.equal(go("ArrowUp", { kind: "weight", l: 0, i: 1, j: 0 }), "edge-0-0-2");
  assert.equal(go("ArrowDown", { kind: "weight", l: 0, i: 1, j: 2 }), null);
  assert.equal(go("ArrowUp", { kind: "weight", l: 0, i: 0, j: 0 }), null);
  assert.equal(go("ArrowRight", { kind: "weight", l: 0, i: 1, j: 2 }), "node-1-2");
  assert.equal(go("ArrowRight", { kind: "weight", l: 0, i: 1, j: 2 }, rich), "bias-1-2");
  assert.equal(go("ArrowLeft", { kind: "weight", l: 1, i: 2, j: 0 }), "node-1-2");
  assert.equal(go("Home", { kind: "weight", l: 0, i: 1, j: 1 }), "edge-0-0-0");
  assert.equal(go("End", { kind: "weight", l: 0, i: 0, j: 1 }), "edge-0-1-2");
});

test("from a bias and from '+N more'", () => {
  assert.equal(go("ArrowDown", { kind: "bias", l: 1, j: 0 }, rich), "bias-1-1");
  assert.equal(go("ArrowUp", { kind: "bias", l: 1, j: 0 }, rich), null);
  assert.equal(go("ArrowRight", { kind: "bias", l: 2, j: 0 }, rich), "node-2-0");
  assert.equal(go("ArrowLeft", { kind: "bias", l: 1, j: 2 }, rich), "edge-0-0-2");
  assert.equal(go("ArrowUp", { kind: "more", l: 1 }, rich), "node-1-2");
  assert.equal(go("ArrowDown", { kind: "more", l: 1 }, rich), null);
  assert.equal(go("Enter", { kind: "neuron", l: 0, i: 0 }), null);  // not a move
});

test("a long number is shortened to the room it has; a short one is left alone", () => {
  assert.equal(fitNumber(3.23e151, 3, 7), "3.2e151");
  assert.equal(fitNumber(3.23e151, 3, 5), "3e151");
  assert.equal(fitNumber(-3.23e151, 4, 7), "-3e151");
  assert.equal(fitNumber(123456.789, 3, 6), "123457");
  assert.equal(fitNumber(0.7311, 4, 6), formatNumber(0.7311, 4));
  assert.equal(fitNumber(1.2332, 4, 8), "1.2332");
  assert.equal(fitNumber(null, 3, 6), formatNumber(null));
  for (const v of [3.23e151, -7.5e-9, 98765.4321, -1234567.8]) {
    for (const chars of [5, 6, 7, 8]) assert.ok(fitNumber(v, 4, chars).length <= Math.max(chars, 6), `${v} in ${chars}`);
  }
});

test("each focusable element is named as its tooltip names it", () => {
  assert.equal(elementName({ kind: "neuron", l: 1, i: 0 }, 3), "hidden 1 unit 1");
  assert.equal(elementName({ kind: "weight", l: 0, i: 0, j: 0 }, 3), "w1_11: input x1 \u2192 hidden 1 unit 1");
  assert.equal(elementName({ kind: "bias", l: 2, j: 0 }, 3), "b2_1: bias of output unit 1");
});
