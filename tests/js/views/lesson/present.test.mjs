import { test } from "node:test";
import assert from "node:assert/strict";

import { KEPT, captionParts, captionText, describeConfig, keptQuery, parsePresent } from "../../../../static/js/views/lesson/present.js";

const CONFIG = {
  preset: "seed-2-3-1", layers: [2, 3, 1], activations: ["sigmoid", "linear"], loss: "mse",
  optimizer: { name: "sgd", lr: 0.01 }, batch: { size: null, order: "sequential" }, seed: 0,
};
const SNAPSHOT = { step: 0, status: "ready", phase: null, loss: { train: 1.5208120789621902, test: null },
  accuracy: { train: null, test: null } };

test("presentation options from the URL", () => {
  assert.deepEqual(parsePresent("?preset=seed-2-3-1&present=1&canvas=1280x720&caption=1&hide=data,hyper"),
    { present: true, canvas: { width: 1280, height: 720 }, caption: true, hide: ["data", "hyper"], problems: [] });
  assert.deepEqual(parsePresent(""), { present: false, canvas: null, caption: false, hide: [], problems: [] });
  assert.deepEqual(parsePresent("canvas=1920x1080").canvas, { width: 1920, height: 1080 });
  assert.deepEqual(parsePresent("canvas=1920%C3%971080").canvas, { width: 1920, height: 1080 }, "the times sign");
  assert.equal(parsePresent("present=true").present, true);
  assert.equal(parsePresent("present=0").present, false);
  assert.equal(parsePresent("caption=yes").caption, true);
  assert.equal(parsePresent("canvas=0").canvas, null);
  assert.deepEqual(parsePresent("hide= Data , loss-chart,data,,").hide, ["data", "loss-chart"]);
});

test("unreadable presentation options are reported, the rest applies", () => {
  const bad = parsePresent("present=1&canvas=big&hide=data,sidebar");
  assert.equal(bad.present, true);
  assert.equal(bad.canvas, null);
  assert.deepEqual(bad.hide, ["data"]);
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0], /canvas=big: write WIDTHxHEIGHT/);
  assert.match(bad.problems[1], /hide=sidebar/);
  assert.equal(parsePresent("canvas=100x100").canvas, null, "too small");
  assert.equal(parsePresent("canvas=9000x9000").canvas, null, "too big");
});

test("the kept parameters survive the URL rewrite, readable", () => {
  assert.deepEqual(KEPT, ["present", "canvas", "caption", "hide", "step", "discrete"]);
  assert.equal(keptQuery("?preset=xor&layers=2%2C4%2C1&present=1&canvas=1280x720&caption=1&hide=data%2Chyper&step=2"),
    "present=1&canvas=1280x720&caption=1&hide=data,hyper&step=2");
  assert.equal(keptQuery("?preset=xor&lr=0.1"), "");
  assert.equal(keptQuery("?data=sine&discrete=1&dseed=7"), "discrete=1");  // a view option, not the config
  assert.equal(keptQuery(""), "");
  assert.equal(keptQuery("hide=a b"), "hide=a%20b");
});

test("the caption: config, step and loss from the engine's snapshot", () => {
  assert.equal(describeConfig(CONFIG), "2-3-1 sigmoid/linear \u00b7 mse \u00b7 sgd lr 0.01 \u00b7 seed 0");
  assert.equal(describeConfig({ ...CONFIG, batch: { size: 4 } }), "2-3-1 sigmoid/linear \u00b7 mse \u00b7 sgd lr 0.01 \u00b7 batch 4 \u00b7 seed 0");
  assert.equal(describeConfig(null), "");
  assert.equal(captionText(CONFIG, SNAPSHOT),
    "2-3-1 sigmoid/linear \u00b7 mse \u00b7 sgd lr 0.01 \u00b7 seed 0 \u00b7 step 0 \u00b7 loss 1.5208");
  const trained = { ...SNAPSHOT, step: 1234, loss: { train: 0.00030535, test: 0.5 }, accuracy: { train: 0.95, test: 0.9 } };
  assert.deepEqual(captionParts(CONFIG, trained).slice(-3), ["step 1,234", "loss 3.054e-4 (test 0.5)", "accuracy 95.0% (test 90.0%)"]);
  assert.equal(captionParts(CONFIG, { ...SNAPSHOT, status: "diverged" }).at(-1), "diverged");
  assert.equal(captionParts(CONFIG, { ...SNAPSHOT, viewing_past: true, step: 3 }).at(-2), "step 3 (past)");
  const lesson = { number: 1, step: 4, count: 4, title: "The output" };
  assert.equal(captionParts(CONFIG, SNAPSHOT, lesson)[0], "Lesson 1, step 4 of 4: The output");
  assert.deepEqual(captionParts(null, null), []);
});
