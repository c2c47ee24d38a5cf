import { test } from "node:test";
import assert from "node:assert/strict";

import { Gate, Refresher } from "../../../static/js/lib/throttle.js";

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
