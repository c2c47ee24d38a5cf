import { test } from "node:test";
import assert from "node:assert/strict";

import {
  EDGE_LABEL_LIMIT, NEAR_END, NEAR_START, commonBox, compactEdges, edgeLabel, labelEveryEdge, lineBox,
  nodeLabel, nodeValue, numberView, overlapArea, placeLabels,
} from "../../../../static/js/views/diagram/diagram-numbers.js";

// The 2-3-1 network's snapshots while stepping phase by phase (abridged from the engine).
const params = [{ W: [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], b: null }, { W: [[0.3], [0.5], [0.9]], b: null }];
const acts = [{ z: [[1.0, 1.3, 0.8]], a: [[0.7310585786300049, 0.7858349830425586, 0.6899744811276125]] },
  { z: [[1.233212098125132]], a: [[1.233212098125132]] }];
const pending = { batch: [0], inputs: [[1, 1]], targets: [[0]], activations: acts };
const probe = { inputs: [[1, 1]], targets: [[0]] };
const later = [{ z: [[0.997, 1.2958, 0.7905]], a: [[0.7305, 0.7851, 0.6879]] }, { z: [[1.1908]], a: [[1.1908]] }];
const backward = {
  phase: "backward", params, probe, activations: acts,
  pending: { ...pending, loss: 1.5208120789621902,
    grads: [{ W: [[0.1455, 0.2075, 0.4748], [0.1455, 0.2075, 0.4748]], b: null }, { W: [[1.8031], [1.9382], [1.7018]], b: null }],
    deltas: [[[0.14547852882549972, 0.2075, 0.4748]], [[2.466424196250264]]] },
};

test("mid-step the numbers are the batch's first row; between steps probe sample 0", () => {
  const forward = numberView({ phase: "forward", params, probe: { inputs: [[9, 9]] }, activations: later, pending });
  assert.equal(forward.source, "batch");
  assert.equal(forward.sample, "batch sample 1");
  assert.deepEqual(forward.inputs, [1, 1]);
  assert.equal(nodeValue(forward, 1, 0), 0.7310585786300049);
  assert.equal(forward.loss, null);
  const idle = numberView({ phase: null, params, probe, activations: later });
  assert.equal(idle.source, "probe");
  assert.equal(nodeValue(idle, 1, 2), 0.6879);
  assert.equal(nodeValue(idle, 0, 1), 1);
  assert.equal(idle.deltas, null);
});

test("node labels: z above, dL/dz (and the target at the output) below", () => {
  const view = numberView(backward);
  assert.equal(view.loss, 1.5208120789621902);
  const hidden = nodeLabel(view, 1, 0, 3, 4);
  assert.deepEqual(hidden.above, ["z 1.0000"]);
  assert.deepEqual(hidden.below, ["\u2202L/\u2202z 0.1455"]);
  assert.equal(hidden.data.grad, 0.14547852882549972);
  const out = nodeLabel(view, 2, 0, 3, 2);
  assert.deepEqual(out.above, ["z 1.23"]);
  assert.deepEqual(out.below, ["target 0.00", "\u2202L/\u2202z 2.47"]);
  assert.deepEqual(nodeLabel(view, 0, 1, 3, 4), { above: [], below: [], data: { x: 1 } });
  const forward = numberView({ phase: "forward", params, activations: acts, pending });
  assert.deepEqual(nodeLabel(forward, 2, 0, 3, 4).below, []);
});

test("edge labels: w, then dL/dw, then old -> new and the change", () => {
  assert.deepEqual(edgeLabel(numberView({ phase: null, params, activations: acts }), params, 0, 0, 0, 4).lines, ["w 0.8000"]);
  const view = numberView(backward);
  assert.deepEqual(edgeLabel(view, params, 0, 0, 0, 4).lines, ["w 0.8000", "\u2202L/\u2202w 0.1455"]);
  assert.deepEqual(edgeLabel(view, params, 1, 2, 0, 3, true).lines, ["0.900", "\u2202 1.702"]);
  const update = numberView({ ...backward, phase: "update",
    pending: { ...backward.pending, update: { old: params, change: [{ W: [[-0.0015]] }], new: [{ W: [[0.7985]] }] } } });
  const label = edgeLabel(update, params, 0, 0, 0, 4);
  assert.deepEqual(label.lines, ["0.8000\u21920.7985", "\u0394 -0.0015"]);
  assert.equal(label.data.old, 0.8);
  assert.deepEqual(edgeLabel(update, params, 0, 0, 0, 4, true).lines, ["\u21920.7985", "\u0394 -0.0015"]);
});

test("sizes: boxes fit the longest line, every edge labelled only on small nets", () => {
  assert.deepEqual(lineBox(["ab", "abcd"], 10), { w: 4 * 5.8 + 6, h: 26 });
  const box = commonBox([["w 0.8000"], ["w 0.4000", "\u2202L/\u2202w 0.1455"]]);
  assert.equal(box.h, 26);
  assert.equal(box.w % 8, 0);
  assert.ok(box.w >= 12 * 5.8 + 6);
  assert.ok(labelEveryEdge(9) && labelEveryEdge(EDGE_LABEL_LIMIT));
  assert.ok(!labelEveryEdge(EDGE_LABEL_LIMIT + 1));
  assert.ok(compactEdges(60, 4) && !compactEdges(180, 4));
});

test("overlap areas", () => {
  assert.equal(overlapArea({ x: 0, y: 0, w: 10, h: 10 }, { x: 5, y: 5, w: 10, h: 10 }), 25);
  assert.equal(overlapArea({ x: 0, y: 0, w: 10, h: 10 }, { x: 10, y: 0, w: 10, h: 10 }), 0);
});

test("placement: labels on their edges, apart from each other and from obstacles", () => {
  // Two crossing edges: their midpoints coincide, so the labels must move apart.
  const items = [{ x1: 0, y1: 0, x2: 200, y2: 100, w: 50, h: 14 }, { x1: 0, y1: 100, x2: 200, y2: 0, w: 50, h: 14 }];
  const spots = placeLabels(items);
  for (const [k, spot] of spots.entries()) {
    const { x1, y1, x2, y2 } = items[k];
    assert.ok(Math.abs(spot.x - (x1 + (x2 - x1) * spot.t)) < 1e-9 && Math.abs(spot.y - (y1 + (y2 - y1) * spot.t)) < 1e-9);
  }
  assert.equal(overlapArea(spots[0].box, spots[1].box), 0);
  assert.equal(spots[0].overlap + spots[1].overlap, 0);
  // An obstacle on the midpoint pushes the label along its edge.
  const [alone] = placeLabels([{ x1: 0, y1: 50, x2: 200, y2: 50, w: 40, h: 14 }], [{ x: 70, y: 40, w: 60, h: 20 }]);
  assert.equal(alone.overlap, 0);
  assert.ok(alone.t !== 0.5);
  // Bounds keep a label inside the drawing.
  const [inside] = placeLabels([{ x1: 0, y1: 0, x2: 60, y2: 100, w: 40, h: 14 }], [],
    { bounds: { x: 0, y: 0, w: 60, h: 100 }, candidates: [0.1, 0.5] });
  assert.equal(inside.t, 0.5);
  assert.equal(inside.overlap, 0);
  // Every label of many parallel edges finds a free spot when there is room.
  const many = Array.from({ length: 6 }, (_, k) => ({ x1: 0, y1: k * 30, x2: 300, y2: k * 30, w: 60, h: 14 }));
  assert.ok(placeLabels(many).every((s) => s.overlap === 0));
});

test("a focused node's labels sit near each edge's other end", () => {
  assert.ok(NEAR_START.every((t) => t <= 0.6));
  assert.ok(NEAR_END.every((t) => t >= 0.4));
  const fan = [0, 40, 80].map((y) => ({ x1: 0, y1: y, x2: 200, y2: 40, w: 50, h: 14, candidates: NEAR_START }));
  const spots = placeLabels(fan);
  assert.ok(spots.every((s) => s.t < 0.5));
  assert.ok(spots.every((s) => s.overlap === 0));
});

test("tooltips tell the step in progress: the batch's row, dL/dz, the update", async () => {
  const { describe } = await import("../../../../static/js/views/diagram/diagram-text.js");
  const topology = { layers: [2, 3, 1], activations: ["sigmoid", "linear"] };
  // Mid-step: the batch's first row, the sample the diagram draws, and only that one.
  const neuron = describe({ kind: "neuron", l: 1, i: 0 }, topology, backward);
  assert.deepEqual(neuron, ["hidden 1 unit 1 (sigmoid)", "z = 1.000000", "a = 0.731059",
    "\u2202L/\u2202z = 0.145479", "batch sample 1 \u00b7 click to select"]);
  const input = describe({ kind: "neuron", l: 0, i: 0 }, topology, { ...backward, probe: { inputs: [[4.68, 0]] } });
  assert.deepEqual(input, ["input x1", "x = 1.000000", "batch sample 1"]);
  const weight = describe({ kind: "weight", l: 0, i: 0, j: 0 }, topology, backward);
  assert.equal(weight[2], "\u2202L/\u2202w = 0.145500 (this step's batch)");
  const update = { ...backward, phase: "update",
    pending: { ...backward.pending, update: { old: params, change: [{ W: [[-0.001455]] }], new: [{ W: [[0.798545]] }] } } };
  const lines = describe({ kind: "weight", l: 0, i: 0, j: 0 }, topology, update);
  assert.ok(lines.includes("this step: old 0.800000 + change -0.001455 = new 0.798545"), lines.join("\n"));
  assert.equal(lines[2], "\u2202L/\u2202w = 0.145500 (the gradient this update used)");
  // After the update the diagram draws probe sample 0 at the new weights: no old dL/dz.
  const after = describe({ kind: "neuron", l: 1, i: 0 }, topology, { ...update, activations: later });
  assert.deepEqual(after, ["hidden 1 unit 1 (sigmoid)", "z = 0.997000", "a = 0.730500",
    "probe sample 0 \u00b7 click to select"]);
});
