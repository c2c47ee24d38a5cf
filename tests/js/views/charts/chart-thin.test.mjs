import { test } from "node:test";
import assert from "node:assert/strict";

import { MAX_POINTS, Thinner } from "../../../../static/js/views/charts/chart-thin.js";

const rows = (from, n) => Array.from({ length: n }, (_, k) => from + k);

test("below the limit every row is kept and handed back to append", () => {
  const t = new Thinner(2, 100);
  const r = t.add([0, 1, 2], [[1, 2, 3], [4, 5, null]]);
  assert.equal(r.rebuild, false);
  assert.deepEqual(r.x, [0, 1, 2]);
  assert.deepEqual(r.ys, [[1, 2, 3], [4, 5, null]]);
  assert.deepEqual(t.x, [0, 1, 2]);
  assert.deepEqual(t.ys[1], [4, 5, null]);
});

test("missing values become null, never undefined", () => {
  const t = new Thinner(1, 100);
  const r = t.add([0, 1], [[undefined, 2]]);
  assert.deepEqual(r.ys, [[null, 2]]);
});

test("the kept points stay bounded however many rows arrive, one frame at a time", () => {
  const max = 200;
  const t = new Thinner(1, max);
  let rebuilds = 0;
  let next = 0;
  for (let frame = 0; frame < 5000; frame += 1) {
    const n = 1 + (frame % 7); // uneven frames, as a real socket delivers them
    const x = rows(next, n);
    const r = t.add(x, [x.map((v) => v * 2)]);
    next += n;
    if (r.rebuild) rebuilds += 1;
    assert.ok(t.length <= max, `kept ${t.length} > ${max}`);
  }
  assert.equal(t.count, next);
  // Redraws are rare: about one per doubling of the run, plus the tips' share.
  assert.ok(rebuilds < 120, `too many rebuilds: ${rebuilds}`);
  // The start of the run is kept (decimation, not a window) and so is the newest row.
  assert.equal(t.x[0], 0);
  assert.equal(t.x[t.x.length - 1], next - 1);
  // Values stay paired with their x.
  t.x.forEach((x, i) => assert.equal(t.ys[0][i], x * 2));
  // x is increasing; every multiple of the stride is there (even thinning), and the rest
  // are frame tips kept since the last thinning.
  for (let i = 1; i < t.x.length; i += 1) assert.ok(t.x[i] > t.x[i - 1]);
  const kept = new Set(t.x);
  for (let row = 0; row < next; row += t.stride) assert.ok(kept.has(row), `row ${row} missing`);
  const multiples = Math.ceil(next / t.stride);
  assert.ok(multiples <= max, `${multiples} multiples of ${t.stride}`);
  assert.ok(multiples >= max / 4, `thinned too much: ${multiples} multiples of ${t.stride}`);
});

test("one huge batch (a rebuild from history) is thinned at once", () => {
  const t = new Thinner(2, 1000);
  const n = 1_000_000;
  const x = rows(0, n);
  const r = t.add(x, [x, x.map(() => 1)]);
  assert.equal(r.rebuild, true);
  assert.ok(t.length <= 502, `kept ${t.length}`);
  assert.ok(t.length >= 250, `kept only ${t.length}`);
  assert.equal(t.x[0], 0);
  assert.equal(t.x[t.x.length - 1], n - 1);
});

test("the tip of each frame is kept even when it is not on the stride", () => {
  const t = new Thinner(1, 10);
  t.add(rows(0, 40), [rows(0, 40)]); // stride now > 1
  assert.ok(t.stride > 1);
  const r = t.add([40], [[40]]);
  if (!r.rebuild) assert.deepEqual(r.x, [40]);
  assert.equal(t.x[t.x.length - 1], 40);
});

test("reset forgets everything", () => {
  const t = new Thinner(1, 10);
  t.add(rows(0, 100), [rows(0, 100)]);
  t.reset();
  assert.equal(t.length, 0);
  assert.equal(t.stride, 1);
  assert.equal(t.count, 0);
});

test("the default limit is a few thousand points", () => {
  assert.ok(MAX_POINTS >= 1000 && MAX_POINTS <= 5000);
});

test("marked rows keep an even share of their own, however the stride falls", () => {
  // A value every 7th row (an evaluation schedule): strided rows alone would keep only
  // the multiples of 7 * stride.
  const max = 100;
  const t = new Thinner(1, max);
  let next = 0;
  for (let batch = 0; batch < 300; batch += 1) {
    const x = rows(next, 10);
    t.add(x, [x.map((r) => (r % 7 === 0 ? r : null))], x.map((r) => r % 7 === 0));
    next += 10;
  }
  const kept = t.ys[0].filter((v) => v !== null);
  assert.ok(t.stride >= 32, `stride ${t.stride}`);
  assert.ok(kept.length >= max / 4, `only ${kept.length} of the marked rows kept`);
  assert.ok(t.length <= 2 * max + 10, `kept ${t.length}`);
  const gaps = kept.slice(1).map((v, i) => v - kept[i]);
  assert.ok(Math.max(...gaps) <= 7 * t.markStride, "evenly spread");
});
