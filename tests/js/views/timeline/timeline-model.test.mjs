import { test } from "node:test";
import assert from "node:assert/strict";

import { clampStep, latestStep, movesLive, timelineText } from "../../../../static/js/views/timeline/timeline-model.js";

test("the slider's range and values", () => {
  assert.equal(latestStep([0, 1, 2, 50], 50), 50);
  assert.equal(latestStep([], 3), 3);
  assert.equal(latestStep(undefined, undefined), 0);
  assert.equal(latestStep([0, 10], 4), 10);
  assert.equal(clampStep("12", 50), 12);
  assert.equal(clampStep("99", 50), 50);
  // A restored run's slider starts at the step it was restored at.
  assert.equal(clampStep("3", 50, 30), 30);
  assert.equal(clampStep("40", 50, 30), 40);
  assert.equal(clampStep("x", 50, 30), 30);
  assert.equal(clampStep("-3", 50), 0);
  assert.equal(clampStep("x", 50), 0);
  assert.equal(timelineText(null, null, 7), "step 7 (now)");
  assert.equal(timelineText(0, 0, 50), "viewing step 0 (past) \u00b7 now: step 50");
});

test("commands that move the live run end the look at the past", () => {
  assert.ok(movesLive({ type: "step", steps: 1 }));
  assert.ok(movesLive({ type: "play" }));
  assert.ok(movesLive({ type: "set", batch: { size: 1 } }));
  assert.ok(!movesLive({ type: "pause" }));
  assert.ok(!movesLive({ type: "view", grid: 40 }));
  assert.ok(!movesLive(null));
});
