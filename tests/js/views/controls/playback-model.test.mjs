import { test } from "node:test";
import assert from "node:assert/strict";

import {
  DEFAULT_SPEED, SPEEDS, pickSpeed, speedUpdate, untilFor, untilKey, untilUpdate, untilWords, UNTIL_CHOICES,
} from "../../../../static/js/views/controls/playback-model.js";

test("speeds: the list of the brief, and a safe default", () => {
  assert.deepEqual(SPEEDS, [1, 3, 10, 30, 100, 300, 1000]);
  assert.equal(pickSpeed("300"), 300);
  assert.equal(pickSpeed(7), DEFAULT_SPEED);
  assert.equal(pickSpeed(undefined), DEFAULT_SPEED);
});

test("the until control gives the play command's target, or says what a valid one is", () => {
  assert.deepEqual(untilFor("", "50"), { until: null });
  assert.deepEqual(untilFor("steps", " 50 "), { until: { steps: 50 } });
  assert.deepEqual(untilFor("epochs", "3"), { until: { epochs: 3 } });
  assert.deepEqual(untilFor("test_loss", "0.05"), { until: { test_loss: 0.05 } });
  assert.deepEqual(untilFor("train_loss", "1e-3"), { until: { train_loss: 0.001 } });
  assert.match(untilFor("steps", "2.5").error, /whole number of steps/);
  assert.match(untilFor("epochs", "0").error, /at least 1/);
  assert.match(untilFor("test_loss", "-1").error, /test loss above 0/);
  assert.match(untilFor("train_loss", "").error, /train loss above 0/);
  assert.deepEqual(untilFor("accuracy", "1"), { until: null });  // not a choice: no target
  for (const choice of UNTIL_CHOICES.filter((c) => c.kind)) {
    assert.ok(untilFor(choice.kind, String(choice.start)).until, choice.kind);  // each starts valid
  }
});

test("a target in the status line's words", () => {
  assert.equal(untilWords({ epochs: 100 }), "100 epochs");
  assert.equal(untilWords({ steps: 10000 }), "10,000 steps");
  assert.equal(untilWords({ test_loss: 0.05 }), "test loss <= 0.05");
  assert.equal(untilWords({ train_loss: 0.001 }), "train loss <= 0.001");
  assert.equal(untilWords(null), "");
});

test("the until control follows the server's target when it changes, and only then", () => {
  // A page that connects to a session playing towards 100 epochs shows them.
  const joined = untilUpdate({ epochs: 100 }, undefined);
  assert.deepEqual(joined, { key: "epochs=100", kind: "epochs", text: "100" });
  // The same target in the next frames: the control keeps what it shows (the user may be
  // choosing their next target meanwhile).
  assert.equal(untilUpdate({ epochs: 100 }, joined.key), null);
  // Cleared on the server (an edit, a pause, reached): back to none, the number kept hidden.
  const cleared = untilUpdate(null, joined.key);
  assert.deepEqual(cleared, { key: "", kind: "", text: null });
  assert.equal(untilUpdate(null, cleared.key), null);  // a choice made while paused stays
  // A fresh page on a paused session shows none; another page's play shows its target.
  assert.deepEqual(untilUpdate(null, undefined), { key: "", kind: "", text: null });
  assert.deepEqual(untilUpdate({ test_loss: 0.05 }, ""), { key: "test_loss=0.05", kind: "test_loss", text: "0.05" });
  assert.notEqual(untilKey({ steps: 50 }), untilKey({ epochs: 50 }));
  // A target the control does not offer shows as none.
  assert.deepEqual(untilUpdate({ accuracy: 0.9 }, ""), { key: "accuracy=0.9", kind: "", text: null });
  // What the control shows is what the next Play sends.
  for (const until of [{ steps: 50 }, { epochs: 3 }, { train_loss: 0.001 }, { test_loss: 0.05 }]) {
    const { kind, text } = untilUpdate(until, "");
    assert.deepEqual(untilFor(kind, text), { until });
  }
});

test("the speed control follows the speed the session plays at, set on any page", () => {
  // A page joining a session that plays at 3 steps/s shows 3, whatever it had chosen.
  assert.deepEqual(speedUpdate({ playing: true, steps_per_second: 3 }, null), { speed: 3, listed: true });
  assert.equal(speedUpdate({ playing: true, steps_per_second: 3 }, 3), null);  // unchanged
  // Another page's change while playing reaches this one.
  assert.deepEqual(speedUpdate({ playing: true, steps_per_second: 300 }, 3), { speed: 300, listed: true });
  // Paused, the page keeps its own choice for its next Play.
  assert.equal(speedUpdate({ playing: false, steps_per_second: 300 }, 3), null);
  assert.equal(speedUpdate(null, null), null);
  // An API client may play at a speed the list does not offer: shown as it is.
  assert.deepEqual(speedUpdate({ playing: true, steps_per_second: 42 }, 3), { speed: 42, listed: false });
  assert.ok(SPEEDS.includes(DEFAULT_SPEED));
});
