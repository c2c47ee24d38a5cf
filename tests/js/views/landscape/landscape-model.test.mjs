import { test } from "node:test";
import assert from "node:assert/strict";

import {
  axisTitles, buildQuery, describe, landscapeTraces,
} from "../../../../static/js/views/landscape/landscape-model.js";

// The shape of GET /api/sessions/{id}/landscape on a 3x3 grid.
const RESULT = {
  directions: "random", seed: 2, span: 0.5, resolution: 3, axis: [-0.5, 0, 0.5],
  loss: [[0.3, 0.4, null], [0.2, 0.25, 0.6], [0.5, 0.7, 0.9]], center_loss: 0.25, points: 9,
  path: { steps: [0, 8, 12], alpha: [0.2, 0.1, 0], beta: [-0.1, 0, 0], residual: [0.3, 0.1, 0] },
  work: 1000, stopped_early: null,
};
const COLORS = { low: "#00f", mid: "#eee", high: "#f80", text: "#111", background: "#fff" };

test("random directions send their seed, span and resolution", () => {
  const { query } = buildQuery({ directions: "random", seed: "3", span: "0.5", resolution: "41" });
  assert.equal(query, "directions=random&seed=3&span=0.5&resolution=41");
});

test("weight directions send the two names, spaces dropped", () => {
  const { query } = buildQuery({ directions: "weights", first: "W1[0, 2]", second: "b2[0]", span: 1, resolution: 21 });
  assert.equal(new URLSearchParams(query).get("weights"), "W1[0,2],b2[0]");
  assert.equal(new URLSearchParams(query).get("seed"), null);
});

test("bad form values name the field", () => {
  const bad = [
    [{ directions: "random", seed: "-1", span: 1, resolution: 21 }, "seed"],
    [{ directions: "random", seed: "1.5", span: 1, resolution: 21 }, "seed"],
    [{ directions: "random", seed: "0", span: "0", resolution: 21 }, "span"],
    [{ directions: "random", seed: "0", span: "abc", resolution: 21 }, "span"],
    [{ directions: "random", seed: "0", span: 1, resolution: 20 }, "resolution"],
    [{ directions: "weights", first: "W1[0,0]", second: "", span: 1, resolution: 21 }, "weights"],
    [{ directions: "weights", first: "W1[0,0]", second: "W1[0,0]", span: 1, resolution: 21 }, "weights"],
    [{ directions: "weights", first: "x", second: "W1[0,0]", span: 1, resolution: 21 }, "weights"],
    [{ directions: "sideways", span: 1, resolution: 21 }, "directions"],
  ];
  for (const [form, field] of bad) {
    const { error, query } = buildQuery(form);
    assert.equal(query, undefined, JSON.stringify(form));
    assert.ok(error.startsWith(`${field}:`), error);
  }
});

test("the traces carry the engine's grid, the path and the current point untouched", () => {
  const [contour, path, now] = landscapeTraces(RESULT, COLORS);
  assert.equal(contour.type, "contour");
  assert.deepEqual(contour.z, RESULT.loss);
  assert.deepEqual(contour.x, RESULT.axis);
  assert.deepEqual(path.x, [0.2, 0.1, 0]);
  assert.deepEqual(path.text, ["step 0", "step 8", "step 12"]);
  assert.deepEqual([now.x, now.y], [[0], [0]]);
  assert.equal(now.name, "now, step 12");
});

test("the axes and the sentence say what was drawn", () => {
  assert.deepEqual(axisTitles({ directions: "weights", weights: ["W1[0,0]", "b2[1]"] }),
    ["change in W1[0,0]", "change in b2[1]"]);
  assert.match(axisTitles(RESULT)[0], /seed 2/);
  const text = describe(RESULT);
  assert.match(text, /3\u00d73 grid along two random directions \(seed 2\)/);
  assert.match(text, /2 earlier saved states/);
  assert.match(describe({ ...RESULT, points: 4 }), /stopped after 4 of 9 points/);
});
