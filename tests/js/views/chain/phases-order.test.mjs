import { test } from "node:test";
import assert from "node:assert/strict";

import { PHASES, batchWords, midStep, nextPhase, phaseLabel, phaseNote, phaseToRequest } from "../../../../static/js/views/chain/phases-order.js";
import { server } from "../../server.mjs";

test("the phases run in order and a finished step starts again with forward", () => {
  assert.deepEqual(PHASES, ["forward", "loss", "backward", "update"]);
  assert.deepEqual(PHASES, server.phases, "the page's phases are the engine's (core/run.py)");
  assert.equal(nextPhase(null), "forward");
  assert.equal(nextPhase(undefined), "forward");
  assert.equal(nextPhase("forward"), "loss");
  assert.equal(nextPhase("loss"), "backward");
  assert.equal(nextPhase("backward"), "update");
  assert.equal(nextPhase("update"), "forward");
  assert.equal(nextPhase("nonsense"), "forward");
});

test("a phase asked for and not yet shown counts: two quick clicks ask for two phases", () => {
  assert.equal(phaseToRequest(null, null), "forward");
  assert.equal(phaseToRequest(null, "forward"), "loss");
  assert.equal(phaseToRequest("forward", "loss"), "backward");
  assert.equal(phaseToRequest("backward", null), "update");
});

test("names and notes", () => {
  assert.equal(phaseLabel(null), "\u2014");
  assert.equal(phaseLabel("loss"), "loss");
  assert.ok(midStep("forward") && midStep("loss") && midStep("backward"));
  assert.ok(!midStep("update") && !midStep(null));
  for (const phase of [...PHASES, null]) assert.ok(phaseNote(phase).length > 10);
  assert.match(phaseNote("backward"), /\u2202L\/\u2202z/);
});

test("what one step uses", () => {
  assert.equal(batchWords(null, 200), "the full batch (all 200 samples)");
  assert.equal(batchWords(1, 1), "the full batch (all 1 samples)");
  assert.equal(batchWords(4, 200), "one mini-batch (4 samples)");
  assert.equal(batchWords(1, 200), "one mini-batch (1 sample)");
  assert.equal(batchWords(null, null), "the full batch");
});
