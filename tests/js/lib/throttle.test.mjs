import { test } from "node:test";
import assert from "node:assert/strict";

import { Refresher } from "../../../static/js/lib/throttle.js";

// A fake clock and timer queue for the refresher.
function fakeTime() {
  let now = 0;
  let timers = [];
  return {
    now: () => now,
    setTimer: (fn, ms) => { const t = { fn, at: now + ms }; timers.push(t); return t; },
    clearTimer: (t) => { timers = timers.filter((x) => x !== t); },
    async advance(ms) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) { timers = timers.filter((x) => x !== t); t.fn(); }
      await new Promise((r) => setImmediate(r));
    },
  };
}

test("refresher: one run at a time, at most one per interval, the last request kept", async () => {
  const time = fakeTime();
  let runs = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let finish = null;
  const run = () => {
    runs += 1;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve) => { finish = () => { inFlight -= 1; resolve(); }; });
  };
  const r = new Refresher(run, { interval: 2000, ...time });
  r.request();
  assert.equal(runs, 1);              // the first request runs at once
  r.request();
  r.request({ urgent: true });        // even urgent waits for the one in flight
  assert.equal(runs, 1);
  finish();
  await time.advance(0);
  assert.equal(runs, 2);              // urgent: right after the first finished
  finish();
  await time.advance(0);
  r.request();                        // not urgent: waits for the interval
  await time.advance(1000);
  assert.equal(runs, 2);
  await time.advance(1000);
  assert.equal(runs, 3);
  finish();
  await time.advance(5000);
  assert.equal(runs, 3);              // nothing asked: nothing runs
  assert.equal(maxInFlight, 1);
});

test("refresher: a failed run does not block the next one", async () => {
  const time = fakeTime();
  let runs = 0;
  const r = new Refresher(async () => { runs += 1; throw new Error("server down"); }, { interval: 100, ...time });
  r.request();
  await time.advance(0);
  r.request();
  await time.advance(100);
  assert.equal(runs, 2);
  r.cancel();
});
