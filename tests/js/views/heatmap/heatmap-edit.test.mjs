import { test } from "node:test";
import assert from "node:assert/strict";

import {
  CURSOR_STEPS, DRAG_SLOP, Gesture, HIT_RADIUS, applyEdit, asTopologyPoints, cursorLabel, editAtCursor,
  editablePoints, fromPx, hitTest, moveCursor, rowsBody, toPx,
} from "../../../../static/js/views/heatmap/heatmap-edit.js";
import { HeatmapModel, MARGIN, PLOT } from "../../../../static/js/views/heatmap/heatmap-model.js";

// A plane 12 wide and 8 high: x in [-6, 6], y in [0, 8].
const domain = [[-6, 6], [0, 8]];
const topology = (extra = {}) => ({
  session: "s",
  layers: [2, 4, 1],
  activations: ["tanh", "sigmoid"],
  dataset: { kind: "classification", n_classes: 2, n_train: 3, domain },
  points: {
    train: { x: [[0, 4], [-6, 0], [6, 8]], targets: [[1], [0], [1]], labels: [1, 0, 1] },
    test: { x: [], targets: [], labels: [] },
  },
  ...extra,
});
const three = editablePoints(topology()).points;

test("plane and canvas coordinates are each other's inverse, y growing upward", () => {
  assert.deepEqual(toPx([-6, 0], domain), [MARGIN.left, MARGIN.top + PLOT]);
  assert.deepEqual(toPx([6, 8], domain), [MARGIN.left + PLOT, MARGIN.top]);
  assert.deepEqual(toPx([0, 4], domain), [MARGIN.left + PLOT / 2, MARGIN.top + PLOT / 2]);
  // The heatmap draws points where this module looks for them.
  const model = new HeatmapModel();
  model.setTopology(topology());
  assert.deepEqual(model.toPx(1.5, 2), toPx([1.5, 2], domain));
  for (const at of [[-6, 0], [1.5, 2], [6, 8], [-2.25, 7.5]]) assert.deepEqual(fromPx(...toPx(at, domain), domain), at);
});

test("a press in the margin puts the point on the plane's edge, rounded to thousandths", () => {
  assert.deepEqual(fromPx(0, 0, domain), [-6, 8]);
  assert.deepEqual(fromPx(MARGIN.left + PLOT + 9, MARGIN.top + PLOT + 20, domain), [6, 0]);
  const [x, y] = fromPx(MARGIN.left + 1, MARGIN.top + 1, domain);
  assert.equal(x, -5.95);  // 1 px of 240 across 12 units: 0.05
  assert.equal(y, 7.967);  // 1 px of 240 across 8 units: 0.0333..., rounded
});

test("the topology's training points, with class labels or targets, and when they cannot be edited", () => {
  assert.deepEqual(three, [{ at: [0, 4], value: 1 }, { at: [-6, 0], value: 0 }, { at: [6, 8], value: 1 }]);
  const info = editablePoints(topology());
  assert.equal(info.kind, "classes");
  assert.equal(info.classes, 2);
  assert.equal(info.why, null);
  const regression = editablePoints(topology({
    dataset: { kind: "regression", n_train: 1, domain },
    points: { train: { x: [[1, 1]], targets: [[-2.5]], labels: null }, test: { x: [] } },
  }));
  assert.deepEqual([regression.kind, regression.points], ["target", [{ at: [1, 1], value: -2.5 }]]);
  assert.match(editablePoints(topology({ dataset: { kind: "classification", n_classes: 2, n_train: 5000, domain } })).why,
    /only 2,000 of its 5,000 points/);
  assert.match(editablePoints(topology({ layers: [3, 1], points: undefined })).why, /not a plane/);
  // Features widen the input layer; the points are still the plane's own, to edit.
  assert.equal(editablePoints(topology({ layers: [3, 4, 1], config: { features: ["x1", "x2", "x1^2"] } })).why, null);
  assert.match(editablePoints(topology({ layers: [2, 4, 2], dataset: { kind: "regression", n_train: 3, domain } })).why,
    /single output/);
});

test("hit testing finds the nearest point within the radius", () => {
  const [px, py] = toPx([0, 4], domain);
  assert.equal(hitTest(three, px, py, domain), 0);
  assert.equal(hitTest(three, px + HIT_RADIUS - 1, py, domain), 0);
  assert.equal(hitTest(three, px + HIT_RADIUS + 1, py, domain), -1);
  assert.equal(hitTest(three, px + HIT_RADIUS + 1, py, domain, 16), 0);  // a finger's radius
  // Two points in reach: the nearer one.
  const close = [{ at: [0, 4], value: 0 }, { at: [0.2, 4], value: 1 }];
  const [qx] = toPx([0.15, 4], domain);
  assert.equal(hitTest(close, qx, py, domain), 1);
});

test("a tap on empty space adds a point there; a drag there adds nothing", () => {
  const [px, py] = toPx([3, 2], domain);
  const tap = new Gesture(three, domain, px, py);
  assert.equal(tap.move(px + 1, py - 1), null);  // within the slop: still a tap
  assert.deepEqual(tap.end(px + 1, py - 1), { kind: "add", at: fromPx(px + 1, py - 1, domain) });
  const drag = new Gesture(three, domain, px, py);
  drag.move(px + DRAG_SLOP + 5, py);
  assert.equal(drag.end(px + 40, py), null);
});

test("a tap on a point removes it; a drag moves it, showing where it is on the way", () => {
  const [px, py] = toPx([0, 4], domain);
  assert.deepEqual(new Gesture(three, domain, px + 2, py).end(px + 3, py), { kind: "remove", index: 0 });
  const drag = new Gesture(three, domain, px, py);
  assert.deepEqual(drag.move(px + 20, py), fromPx(px + 20, py, domain));
  const [tx, ty] = toPx([2, 6], domain);
  assert.deepEqual(drag.end(tx, ty), { kind: "move", index: 0, at: [2, 6] });
});

test("edits give new point lists and leave the old one as it was", () => {
  const before = JSON.stringify(three);
  assert.deepEqual(applyEdit(three, { kind: "add", at: [1, 1] }, 0).at(-1), { at: [1, 1], value: 0 });
  assert.deepEqual(applyEdit(three, { kind: "remove", index: 1 }).map((p) => p.at), [[0, 4], [6, 8]]);
  assert.deepEqual(applyEdit(three, { kind: "move", index: 2, at: [5, 5] })[2], { at: [5, 5], value: 1 });
  assert.deepEqual(applyEdit(three, { kind: "clear" }), []);
  assert.equal(applyEdit(three, null), three);
  assert.equal(JSON.stringify(three), before);
});

test("the keyboard cursor moves a step of the plane per arrow, four with Shift, and stays on it", () => {
  const stepX = 12 / CURSOR_STEPS;
  const stepY = 8 / CURSOR_STEPS;
  assert.deepEqual(moveCursor([0, 4], "ArrowRight", domain), [stepX, 4]);
  assert.deepEqual(moveCursor([0, 4], "ArrowUp", domain), [0, Math.round((4 + stepY) * 1000) / 1000]);
  assert.deepEqual(moveCursor([0, 4], "ArrowLeft", domain, true), [-4 * stepX, 4]);
  assert.deepEqual(moveCursor([-5.9, 0.1], "ArrowDown", domain, true), [-5.9, 0]);
  assert.deepEqual(moveCursor([6, 4], "ArrowRight", domain), [6, 4]);
  assert.equal(moveCursor([0, 4], "Enter", domain), null);
});

test("Enter at the cursor removes the point under it, else adds one there", () => {
  assert.deepEqual(editAtCursor(three, [0.05, 4], domain), { kind: "remove", index: 0 });
  assert.deepEqual(editAtCursor(three, [3, 3], domain), { kind: "add", at: [3, 3] });
  assert.match(cursorLabel(three, [0, 4], domain, "classes"), /cursor at \(0, 4\), on a point of class 1: Enter removes it/);
  assert.match(cursorLabel(three, [3, 3], domain, "classes"), /Enter adds a point/);
});

test("points go to the server as rows with labels or targets, and are drawn as the topology's", () => {
  assert.deepEqual(rowsBody(three, "classes"), { inputs: [[0, 4], [-6, 0], [6, 8]], labels: [1, 0, 1] });
  const values = [{ at: [1, 2], value: 0.5 }];
  assert.deepEqual(rowsBody(values, "target"), { inputs: [[1, 2]], targets: [[0.5]] });
  assert.deepEqual(asTopologyPoints(three, "classes", 2), {
    x: [[0, 4], [-6, 0], [6, 8]], targets: [[1], [0], [1]], labels: [1, 0, 1],
  });
  assert.deepEqual(asTopologyPoints([{ at: [0, 0], value: 2 }], "classes", 3).targets, [[0, 0, 1]]);
  assert.deepEqual(asTopologyPoints(values, "target"), { x: [[1, 2]], targets: [[0.5]], labels: null });
});

test("new points on the same network keep the grid; another network does not", () => {
  const model = new HeatmapModel();
  model.setTopology(topology());
  model.grid = { output: [] };
  const drawn = topology({ points: { train: { x: [[1, 1]], targets: [[1]], labels: [1] }, test: { x: [] } } });
  assert.equal(model.sameNetwork(drawn), true);
  model.takePoints(drawn);
  assert.equal(model.topology, drawn);
  assert.deepEqual(model.grid, { output: [] });
  assert.equal(model.sameNetwork(topology({ session: "other" })), false);
  assert.equal(model.sameNetwork(topology({ layers: [2, 5, 1] })), false);
});
