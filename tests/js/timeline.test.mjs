import { test } from "node:test";
import assert from "node:assert/strict";

import { Gate } from "../../static/js/lib/gate.js";
import { clampStep, latestStep, movesLive, timelineText } from "../../static/js/views/timeline/timeline-model.js";

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

// A fake clock: `schedule` queues callbacks, `advance` runs the due ones.
function clock() {
  let now = 0;
  let timers = [];
  return {
    now: () => now,
    schedule: (fn, ms) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return timer;
    },
    cancel: (timer) => { timers = timers.filter((t) => t !== timer); },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("the gate: one request at a time, at most one per interval, the latest wish last", async () => {
  const time = clock();
  const asked = [];
  const pending = [];
  const got = [];
  const gate = new Gate((req) => {
    asked.push(req);
    return new Promise((resolve) => pending.push(resolve));
  }, (req, outcome, info) => got.push([req, outcome.result, info.superseded]),
  { interval: 250, now: time.now, schedule: time.schedule, cancel: time.cancel });

  gate.want(1);
  assert.deepEqual(asked, [1]);
  gate.want(2);
  gate.want(3);  // 2 is never asked: 3 replaced it while 1 was in flight
  assert.deepEqual(asked, [1]);
  pending.shift()("one");
  await tick();
  assert.deepEqual(got, [[1, "one", true]]);
  assert.deepEqual(asked, [1]);  // too soon after the first request
  time.advance(249);
  assert.deepEqual(asked, [1]);
  time.advance(1);
  assert.deepEqual(asked, [1, 3]);
  pending.shift()("three");
  await tick();
  assert.deepEqual(got.at(-1), [3, "three", false]);
  time.advance(1000);
  assert.deepEqual(asked, [1, 3]);  // nothing more was wanted
});

test("the gate reports failures and forgets on drop", async () => {
  const time = clock();
  const got = [];
  let calls = 0;
  const gate = new Gate(() => {
    calls += 1;
    throw new Error("no");
  }, (req, outcome) => got.push([req, outcome.ok, outcome.error.message]),
  { interval: 100, now: time.now, schedule: time.schedule, cancel: time.cancel });
  gate.want("a");
  await tick();
  assert.deepEqual(got, [["a", false, "no"]]);
  gate.want("b");   // waits for the interval
  gate.drop();
  time.advance(500);
  await tick();
  assert.equal(calls, 1);
});
