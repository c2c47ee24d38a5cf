import { test } from "node:test";
import assert from "node:assert/strict";

import { catchUp, curveName, mirrors, strayed, thin } from "../../../../static/js/views/compare/compare-model.js";

const still = (step, more = {}) => ({ step, phase: "update", playing: false, status: "paused", ...more });

test("play, pause, step and reset drive the twin; settings and edits stay with their run", () => {
  for (const type of ["play", "pause", "step", "reset"]) assert.equal(mirrors({ type }), true, type);
  for (const type of ["set", "new_data", "data", "params", "view"]) assert.equal(mirrors({ type }), false, type);
  assert.equal(mirrors(undefined), false);
});

test("the run behind catches up once both stand still", () => {
  assert.deepEqual(catchUp(still(40), still(37)), { run: "b", steps: 3 });
  assert.deepEqual(catchUp(still(0), still(13)), { run: "a", steps: 13 });
  assert.equal(catchUp(still(12), still(12)), null);
});

test("no catching up while playing, half a step in, diverged or not yet known", () => {
  assert.equal(catchUp(still(40, { playing: true }), still(37)), null);
  assert.equal(catchUp(still(40), still(37, { playing: true })), null);
  assert.equal(catchUp(still(40, { phase: "backward" }), still(37)), null);
  assert.equal(catchUp(still(40), still(37, { status: "diverged" })), null);
  assert.equal(catchUp(null, still(3)), null);
  assert.deepEqual(catchUp(still(2, { phase: null }), still(0, { phase: null })), { run: "b", steps: 2 });
});

test("a run that stopped by itself stops the other only after play has settled", () => {
  const playing = still(50, { playing: true });
  assert.equal(strayed(still(50), playing, 5000), true);
  assert.equal(strayed(playing, still(50), 5000), true);
  assert.equal(strayed(still(50), playing, 200), false, "the other's play may not have arrived yet");
  assert.equal(strayed(playing, playing, 5000), false);
  assert.equal(strayed(null, playing, 5000), false);
});

test("curves are named by their run's side of the difference", () => {
  assert.equal(curveName("lr 0.3", "train loss"), "train loss \u00b7 lr 0.3");
});

test("a long curve is thinned evenly and keeps its last point", () => {
  const steps = Array.from({ length: 10 }, (_, i) => i);
  const values = steps.map((s) => s * 2);
  assert.deepEqual(thin(steps, values, 20), { x: steps, y: values });
  const { x, y } = thin(steps, values, 4);
  assert.deepEqual(x, [0, 3, 6, 9]);
  assert.deepEqual(y, [0, 6, 12, 18]);
  assert.deepEqual(thin(steps.slice(0, 9), values.slice(0, 9), 4).x, [0, 3, 6, 8]);
});
