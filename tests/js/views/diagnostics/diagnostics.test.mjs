import { test } from "node:test";
import assert from "node:assert/strict";

import { PAUSED_GAP_MS, PLAYING_GAP_MS, kindTitle, unitsText } from "../../../../static/js/views/diagnostics/diagnostics.js";
import { Refresher } from "../../../../static/js/lib/throttle.js";

// A fake clock and timers: run(ms) advances time and fires what is due.
function fakeTime() {
  let now = 0;
  let timers = [];
  let id = 0;
  return {
    now: () => now,
    setTimer: (fn, ms) => { id += 1; timers.push({ id, at: now + ms, fn }); return id; },
    clearTimer: (tid) => { timers = timers.filter((t) => t.id !== tid); },
    async run(ms) {
      const end = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = next.at;
        next.fn();
        await new Promise((resolve) => setImmediate(resolve));  // let the run settle
      }
      now = end;
    },
    pending: () => timers.length,
  };
}

test("while frames stream in, at most one request every 2 s", async () => {
  const clock = fakeTime();
  const starts = [];
  const poller = new Refresher(async () => { starts.push(clock.now()); }, clock);
  for (let t = 0; t < 5000; t += 33) {  // 30 frames a second for 5 s
    poller.request({ within: PLAYING_GAP_MS });
    await clock.run(33);
  }
  assert.deepEqual(starts, [0, 2000, 4000]);
});

test("one request in flight at most; asks meanwhile fold into one afterwards", async () => {
  const clock = fakeTime();
  let release;
  let calls = 0;
  const poller = new Refresher(() => { calls += 1; return new Promise((resolve) => { release = resolve; }); }, clock);
  poller.request({ within: PAUSED_GAP_MS });
  await clock.run(0);
  assert.equal(calls, 1);
  for (let k = 0; k < 10; k += 1) poller.request({ within: PAUSED_GAP_MS });
  await clock.run(5000);
  assert.equal(calls, 1);  // still waiting for the first
  release();
  await new Promise((resolve) => setImmediate(resolve));
  await clock.run(PAUSED_GAP_MS);
  assert.equal(calls, 2);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  await clock.run(10_000);
  assert.equal(calls, 2);
});

test("a pause after a playing stretch is looked at soon, not 2 s later", async () => {
  const clock = fakeTime();
  const starts = [];
  const poller = new Refresher(async () => { starts.push(clock.now()); }, clock);
  poller.request({ within: PLAYING_GAP_MS });
  await clock.run(100);
  poller.request({ within: PLAYING_GAP_MS });   // due at 2000
  await clock.run(100);
  poller.request({ within: PAUSED_GAP_MS });    // the paused frame: due at 250 instead
  await clock.run(1000);
  assert.deepEqual(starts, [0, 250]);
});

test("a failing request does not stop the polling", async () => {
  const clock = fakeTime();
  let calls = 0;
  const poller = new Refresher(async () => { calls += 1; throw new Error("offline"); }, clock);
  poller.request({ within: 0 });
  await clock.run(0);
  poller.request({ within: PAUSED_GAP_MS });
  await clock.run(PAUSED_GAP_MS);
  assert.equal(calls, 2);
});

test("findings in words: titles and the units they point at", () => {
  assert.equal(kindTitle("saturated"), "Saturated units");
  assert.equal(kindTitle("dead_relu"), "Dead ReLU units");
  assert.equal(kindTitle("something_new"), "something new");
  assert.equal(unitsText([[1, 0], [1, 1], [2, 3]]), "hidden 1: units 0, 1 \u00b7 hidden 2: unit 3");
  assert.equal(unitsText([]), "");
});
