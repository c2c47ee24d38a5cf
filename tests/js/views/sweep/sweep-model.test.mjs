import { test } from "node:test";
import assert from "node:assert/strict";

import {
  axisType, buildBody, defaultsFor, describe, parseValues, sweepTraces, sweepableFields, twinHref,
} from "../../../../static/js/views/sweep/sweep-model.js";

// The shape of GET /api/sessions/{id}/sweep: three rates, the largest diverged.
const SWEEP = {
  field: "optimizer.lr", values: [0.01, 0.1, 10], steps: 50, status: "done", done: 150, of: 150,
  results: [
    { value: 0.01, train_loss: 0.7, test_loss: 0.72, train_accuracy: 0.5, test_accuracy: 0.5, diverged_at: null },
    { value: 0.1, train_loss: 0.2, test_loss: 0.25, train_accuracy: 0.9, test_accuracy: 0.88, diverged_at: null },
    { value: 10, train_loss: null, test_loss: null, train_accuracy: null, test_accuracy: null, diverged_at: 4 },
  ],
  stopped_early: null, error: null,
};
const COLORS = { train: "#00f", test: "#f80", bad: "#c00" };

test("the settings offered are the table's sweepable ones", () => {
  const fields = [{ path: "layers", sweepable: false }, { path: "optimizer.lr", sweepable: true }, { path: "seed", sweepable: true }];
  assert.deepEqual(sweepableFields(fields).map((f) => f.path), ["optimizer.lr", "seed"]);
});

test("a rate starts as the classic log range, a choice as all its choices, a number as its value", () => {
  assert.deepEqual(defaultsFor({ path: "optimizer.lr", type: "float" }, 0.03), { mode: "log", from: "0.001", to: "1", count: "8", values: "" });
  assert.deepEqual(defaultsFor({ path: "optimizer.name", type: "choice", choices: ["sgd", "adam"] }, "sgd"), { mode: "list", values: "sgd, adam" });
  assert.deepEqual(defaultsFor({ path: "batch.size", type: "int" }, null), { mode: "list", values: "full" });
});

test("the form becomes the request: a range, or a list with a full batch as null", () => {
  assert.deepEqual(buildBody({ field: "optimizer.lr", mode: "log", from: "0.001", to: "1", count: "8", steps: "500" }).body,
    { field: "optimizer.lr", from: 0.001, to: 1, count: 8, scale: "log", steps: 500 });
  assert.deepEqual(buildBody({ field: "batch.size", mode: "list", values: "1, 10, full", steps: "20" }).body,
    { field: "batch.size", values: [1, 10, null], steps: 20 });
  assert.deepEqual(parseValues("sgd, adam,"), ["sgd", "adam"]);
  const bad = [
    [{ field: "optimizer.lr", mode: "log", from: "", to: "1", count: "8", steps: "5" }, "from"],
    [{ field: "optimizer.lr", mode: "log", from: "0.1", to: "1", count: "1", steps: "5" }, "count"],
    [{ field: "optimizer.lr", mode: "list", values: " , ", steps: "5" }, "values"],
    [{ field: "optimizer.lr", mode: "list", values: "1", steps: "0" }, "steps"],
    [{ field: "", mode: "list", values: "1", steps: "5" }, "setting"],
  ];
  for (const [form, name] of bad) {
    const { body, error } = buildBody(form);
    assert.equal(body, undefined);
    assert.ok(error.startsWith(`${name}:`), error);
  }
});

test("a variant opens as a twin: the page's address plus its value under b. and the address's name", () => {
  assert.equal(twinHref("/", "?preset=xor&lr=0.03", "optimizer.lr", 0.3), "/?preset=xor&lr=0.03&b.lr=0.3");
  assert.equal(twinHref("/", "?preset=xor&b.lr=1", "batch.size", null), "/?preset=xor&b.batch=full");
  assert.equal(twinHref("/", "?preset=xor", "optimizer.eps", 1e-8), null);  // the address has no name for it
});

test("the plot: train and test loss against the value, the diverged one marked, a log axis for rates", () => {
  const [train, testLoss, diverged] = sweepTraces(SWEEP, COLORS);
  assert.deepEqual(train.x, [0.01, 0.1, 10]);
  assert.deepEqual(train.y, [0.7, 0.2, null]);
  assert.deepEqual(testLoss.y, [0.72, 0.25, null]);
  assert.deepEqual([diverged.x, diverged.y, diverged.customdata], [[10], [0.72], [2]]);
  assert.deepEqual(train.customdata, [0, 1, 2]);
  assert.equal(axisType(SWEEP), "log");
  assert.equal(axisType({ ...SWEEP, field: "optimizer.momentum", values: [0.1, 0.5, 0.9] }), "linear");
  assert.equal(axisType({ ...SWEEP, field: "batch.size", values: [1, null] }), "category");
  const choices = { ...SWEEP, field: "batch.size", values: [1, null], results: SWEEP.results.slice(0, 2).map((r, i) => ({ ...r, value: [1, null][i] })) };
  assert.deepEqual(sweepTraces(choices, COLORS)[0].x, ["1", "full"]);
});

test("the sentence says how far it got, the best value and what diverged", () => {
  assert.match(describe(SWEEP), /lowest training loss 0\.2000 at 0\.1; 1 diverged\./);
  assert.match(describe({ ...SWEEP, status: "running", done: 60, results: SWEEP.results.slice(0, 1) }), /60 of 150 steps, 1 of 3 variants/);
  assert.match(describe({ ...SWEEP, status: "stopped", stopped_early: "time budget", results: SWEEP.results.slice(0, 2) }),
    /stopped early \(time budget\) after 2 of 3 variants/);
});
