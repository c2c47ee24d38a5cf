import { test } from "node:test";
import assert from "node:assert/strict";

import {
  CONTROLS, EXTRAS, LESSON_HIDDEN, NAMES, PANELS, buildingWords, figureLinks, figureSelect, hidingCss,
  lessonHidden, lessonIdFromPath, rearranges, searchWithStep, selectDetail, selectorsFor, stepFromSearch,
  stepLabel, withContainers,
} from "../../../../static/js/views/lesson/lesson-model.js";

// The names a lesson file may use (app/lessons.py LessonStep.show, docs/lessons.md controls).
const SHOW_NAMES = ["network", "formula", "loss-chart", "accuracy-chart", "heatmap", "digits",
  "gradcheck", "landscape", "sweep", "explorer", "activation-explorer", "loss-explorer", "timeline", "diagnostics"];
const CONTROL_NAMES = ["play", "step", "phase-step", "reset", "lr", "batch", "optimizer", "gradient"];

test("every panel and control name of the lesson format has selectors", () => {
  assert.deepEqual(Object.keys(PANELS).sort(), [...SHOW_NAMES].sort());
  assert.deepEqual(Object.keys(CONTROLS).sort(), [...CONTROL_NAMES].sort());
  for (const [name, selectors] of Object.entries(NAMES)) {
    assert.ok(Array.isArray(selectors) && selectors.length > 0, name);
    for (const s of selectors) assert.equal(typeof s, "string", name);
  }
  for (const name of LESSON_HIDDEN) assert.ok(name in NAMES, name);
});

test("names map to the page's elements", () => {
  assert.deepEqual(selectorsFor(["loss-chart"]), ["#out-loss"]);
  assert.deepEqual(selectorsFor(["formula"]), ["[data-testid=formula]"]);
  assert.deepEqual(selectorsFor(["timeline"]), ["[data-testid=timeline-panel]"]);
  assert.deepEqual(selectorsFor(["data", "hyper"]), ["#data-panel", "#hyper-panel"]);
  assert.ok(selectorsFor(["play"]).includes("[data-testid=play]"));
  assert.ok(selectorsFor(["phase-step"]).includes("[data-testid=phase-step]"));
  assert.ok(selectorsFor(["lr"])[0].includes("[data-testid=lr]"));
  // hyper and settings are the same panel: listed once.
  assert.deepEqual(selectorsFor(["hyper", "settings"]), ["#hyper-panel"]);
  assert.deepEqual(selectorsFor(["nonsense"]), []);
  assert.equal(EXTRAS.data[0], "#data-panel");
});

test("a lesson step hides the panels and controls it does not list, never the diagram", () => {
  const hidden = lessonHidden({ show: ["network", "formula"], controls: ["phase-step"] });
  for (const name of ["loss-chart", "accuracy-chart", "heatmap", "digits", "gradcheck", "explorer", "timeline",
    "diagnostics", "play", "step", "reset", "lr", "batch", "optimizer", "gradient", "data", "architecture"]) {
    assert.ok(hidden.includes(name), name);
  }
  for (const name of ["network", "formula", "phase-step", "numbers", "lesson"]) assert.ok(!hidden.includes(name), name);
  // "network" missing from show still keeps the diagram.
  assert.ok(!lessonHidden({ show: ["gradcheck"], controls: [] }).includes("network"));
  // The defaults of the lesson format.
  const defaults = lessonHidden({});
  assert.ok(!defaults.includes("loss-chart") && !defaults.includes("play") && !defaults.includes("reset"));
  assert.ok(defaults.includes("heatmap") && defaults.includes("phase-step"));
});

test("a step shows the explorer whole or one of its parts", () => {
  const whole = lessonHidden({ show: ["explorer"], controls: [] });
  for (const name of ["explorer", "activation-explorer", "loss-explorer"]) assert.ok(!whole.includes(name), name);
  const losses = lessonHidden({ show: ["loss-explorer"], controls: [] });
  assert.ok(!losses.includes("explorer") && !losses.includes("loss-explorer"), "the frame and the part show");
  assert.ok(losses.includes("activation-explorer"), "the other part hides");
  const none = lessonHidden({ show: ["network"], controls: [] });
  for (const name of ["explorer", "activation-explorer", "loss-explorer"]) assert.ok(none.includes(name), name);
});

test("a box whose parts are all hidden is hidden too", () => {
  const all = withContainers(lessonHidden({ show: ["network"], controls: [] }));
  assert.ok(all.includes("output"), "no output panel left");
  assert.ok(all.includes("hyper"), "no settings left");
  assert.ok(all.includes("teaching"));
  assert.ok(!all.includes("chain-tools"), "the numbers toggle stays");
  const lr = withContainers(lessonHidden({ show: ["loss-chart"], controls: ["lr"] }));
  assert.ok(!lr.includes("hyper") && !lr.includes("optimizer-group") && !lr.includes("output"));
  assert.ok(lr.includes("optimizer") && lr.includes("batch") && lr.includes("loss"));
  assert.ok(selectorsFor(withContainers(["lr", "optimizer"])).some((s) => s.startsWith("#hyper-panel fieldset")));
  assert.ok(rearranges(["data"]) && rearranges(withContainers(lessonHidden({ show: ["network"] }))));
  assert.ok(!rearranges(["formula", "play"]));
});

test("the hiding stylesheet has one rule per selector", () => {
  const css = hidingCss(["data", "loss-chart"]);
  assert.equal(css, "#data-panel { display: none !important; }\n#out-loss { display: none !important; }");
  assert.equal(hidingCss([]), "");
});

test("lesson URLs: the id from the path, the step from ?step=", () => {
  assert.equal(lessonIdFromPath("/lessons/01-forward-pass"), "01-forward-pass");
  assert.equal(lessonIdFromPath("/lessons/01-forward-pass/"), "01-forward-pass");
  assert.equal(lessonIdFromPath("/lessons"), null);
  assert.equal(lessonIdFromPath("/"), null);
  assert.equal(lessonIdFromPath("/lessons/a/b"), null);
  assert.equal(stepFromSearch("?step=3", 4), 3);
  assert.equal(stepFromSearch("step=9", 4), 4);
  assert.equal(stepFromSearch("?step=0", 4), 1);
  assert.equal(stepFromSearch("?step=two", 4), 1);
  assert.equal(stepFromSearch("", 4), 1);
  assert.equal(stepFromSearch("?present=1&step=2", 4), 2);
  assert.equal(searchWithStep("?present=1&step=2&caption=1", 3), "?present=1&caption=1&step=3");
  assert.equal(searchWithStep("", 1), "?step=1");
  assert.equal(searchWithStep("?stepper=1", 2), "?stepper=1&step=2");
  assert.equal(stepLabel(4, 4), "step 4 of 4");
  assert.match(buildingWords({ steps: 2000 }), /2,000 training steps/);
  assert.match(buildingWords({ epochs: 3, phase: "backward" }), /3 epochs, then up to the backward phase/);
  assert.equal(buildingWords({}), "building this step\u2026");
});

test("a lesson's select becomes the diagram's select detail", () => {
  assert.deepEqual(selectDetail({ kind: "neuron", layer: 2, unit: 0 }), { kind: "neuron", layer: 2, i: 0, j: null });
  assert.deepEqual(selectDetail({ kind: "weight", layer: 1, i: 0, j: 1, unit: null }), { kind: "weight", layer: 1, i: 0, j: 1 });
  assert.equal(selectDetail(null), null);
  assert.deepEqual(figureSelect({ kind: "neuron", layer: 2, i: 0, j: null }), { layer: 2, unit: 0 });
  assert.deepEqual(figureSelect({ kind: "weight", layer: 1, i: 0, j: 1 }), { layer: 1, i: 0, j: 1 });
  assert.equal(figureSelect({ kind: "neuron", layer: 0, i: 1 }), null, "an input unit has no formula");
  assert.equal(figureSelect({ kind: "bias", layer: 1, i: null, j: 0 }), null);
});

test("figure links: network and loss always, boundary for 2-D inputs, formula with a selection", () => {
  const config = { layers: [2, 3, 1] };
  const base = figureLinks({ sessionId: "abc", config });
  assert.deepEqual([...new Set(base.map((l) => l.panel))], ["network", "loss", "boundary"]);
  assert.equal(base[0].href, "/api/sessions/abc/figure?panel=network&format=svg");
  assert.equal(base[1].href, "/api/sessions/abc/figure?panel=network&format=png");
  assert.equal(base[0].download, "nnplay-network.svg");
  const digits = figureLinks({ sessionId: "abc", config: { layers: [64, 50, 10] } });
  assert.ok(!digits.some((l) => l.panel === "boundary"));
  const chosen = figureLinks({ sessionId: "abc", config, selection: { kind: "weight", layer: 1, i: 0, j: 0 },
    theme: "dark", past: 7, name: "lesson03-step1" });
  const formula = chosen.find((l) => l.panel === "formula" && l.format === "svg");
  assert.equal(formula.href, "/api/sessions/abc/figure?panel=formula&format=svg&theme=dark&layer=1&i=0&j=0&step=7");
  assert.equal(formula.download, "lesson03-step1-formula.svg");
  assert.deepEqual(figureLinks({ sessionId: null, config }), []);
});
