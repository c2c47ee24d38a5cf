import { test } from "node:test";
import assert from "node:assert/strict";

import { FRAMEWORKS, STEPS, clampSteps, codePath, fileName } from "../../../../static/js/views/code/code-model.js";

test("the menu offers the route's three frameworks", () => {
  assert.deepEqual(FRAMEWORKS.map((f) => f.id), ["numpy", "pytorch", "keras"]);
});

test("steps are whole and within the route's limits", () => {
  assert.equal(clampSteps("25"), 25);
  assert.equal(clampSteps(2.6), 3);
  assert.equal(clampSteps(0), STEPS.min);
  assert.equal(clampSteps(-4), STEPS.min);
  assert.equal(clampSteps(5000), STEPS.max);
  assert.equal(clampSteps(""), STEPS.initial);
  assert.equal(clampSteps("many"), STEPS.initial);
});

test("the path names the session, the framework and the steps", () => {
  assert.equal(codePath("a/b", "pytorch", "7"), "/api/sessions/a%2Fb/code?framework=pytorch&steps=7");
  assert.equal(codePath("id", "numpy", 99999), "/api/sessions/id/code?framework=numpy&steps=1000");
});

test("the file is named as the server says, else after the framework", () => {
  assert.equal(fileName('attachment; filename="nnplay-abcd1234-keras.py"', "keras"), "nnplay-abcd1234-keras.py");
  assert.equal(fileName(null, "numpy"), "nnplay-numpy.py");
});
