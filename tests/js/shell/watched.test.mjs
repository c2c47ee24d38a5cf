import { test } from "node:test";
import assert from "node:assert/strict";

import { WatchedSession } from "../../../static/js/shell/watched.js";

function listened(session, types) {
  const heard = [];
  for (const type of types) session.bus.on(type, (payload) => heard.push([type, payload]));
  return heard;
}

const rows = (steps) => ({ step: steps, train_loss: steps.map((s) => 1 / (s + 1)) });

test("topology, snapshot and config messages update the session and reach its views", () => {
  const session = new WatchedSession();
  const changed = [];
  session.configChanged = (config) => changed.push(config);
  const heard = listened(session, ["topology", "snapshot", "history", "config"]);
  session.receive({ type: "topology", config: { seed: 1 } });
  session.receive({ type: "snapshot", step: 2, history: { reset: true, ...rows([0, 1, 2]) } });
  session.receive({ type: "config", config: { seed: 1, lr: 0.3 } });
  assert.deepEqual(session.config, { seed: 1, lr: 0.3 });
  assert.equal(session.snapshot.step, 2);
  assert.deepEqual(session.history.columns.step, [0, 1, 2]);
  assert.deepEqual(changed, [{ seed: 1, lr: 0.3 }]);
  assert.deepEqual(heard.map(([type]) => type), ["topology", "history", "snapshot", "config"]);
});

test("a long run's first frame fetches the whole history once, for this session only", async () => {
  const session = new WatchedSession();
  session.sessionId = "s1";
  const asked = [];
  const realFetch = globalThis.fetch;  // what shell/api.js calls
  globalThis.fetch = async (url) => {
    asked.push(String(url));
    return new Response(JSON.stringify(rows([0, 5, 10, 15])), { headers: { "content-type": "application/json" } });
  };
  try {
    const heard = listened(session, ["history"]);
    session.receive({ type: "snapshot", step: 15, history: { reset: true, ...rows([10, 15]) } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(asked.length, 1);
    assert.match(asked[0], /\/api\/sessions\/s1\/history/);
    assert.deepEqual(session.history.columns.step, [0, 5, 10, 15]);
    assert.equal(heard.length, 1);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test("a stopped-early step becomes a notice; the views' messages pass; others are dropped", () => {
  const session = new WatchedSession();
  const heard = listened(session, ["notice", "diverged", "reached", "sweep", "mystery"]);
  session.receive({ type: "stopped_early", message: "stopped after 3 steps" });
  session.receive({ type: "diverged", step: 4 });
  session.receive({ type: "reached", why: "steps" });
  session.receive({ type: "sweep", done: 1, of: 2 });
  session.receive({ type: "mystery" });
  assert.deepEqual(heard.map(([type]) => type), ["notice", "diverged", "reached", "sweep"]);
  assert.deepEqual(heard[0][1], { message: "stopped after 3 steps" });
});
