import { test } from "node:test";
import assert from "node:assert/strict";

import {
  BUCKETS, bucketOf, changeOf, colorTable, nextChange, paramValue, readableOn, signColor, withParam,
} from "../../../../static/js/views/diagram/diagram-paint.js";
import { parseRgb } from "../../../../static/js/lib/color.js";

const palette = { pos: [33, 102, 172], neg: [179, 88, 6], zero: [232, 232, 232] };

test("signColor: the sign's colour, never the background's", () => {
  assert.equal(signColor(1, 1, palette), "rgb(33, 102, 172)");
  assert.equal(signColor(-1, 1, palette), "rgb(179, 88, 6)");
  const faint = parseRgb(signColor(1e-9, 1, palette));
  assert.notDeepEqual(faint, palette.zero);
  assert.ok(faint[2] > faint[0], "still bluish");
  assert.equal(signColor(null, 1, palette), "rgb(232, 232, 232)");
  assert.equal(signColor(NaN, 1, palette), "rgb(232, 232, 232)");
});

test("buckets: |w| / limit in BUCKETS steps, -1 for missing numbers", () => {
  assert.equal(bucketOf(0, 2), 0);
  assert.equal(bucketOf(2, 2), BUCKETS);
  assert.equal(bucketOf(-1, 2), BUCKETS / 2);
  assert.equal(bucketOf(5, 2), BUCKETS);
  assert.equal(bucketOf(null, 2), -1);
  assert.equal(bucketOf(Infinity, 2), -1);
});

test("colour table matches signColor at each step", () => {
  const table = colorTable(palette);
  assert.equal(table.pos.length, BUCKETS + 1);
  assert.equal(table.pos[BUCKETS], signColor(1, 1, palette));
  assert.equal(table.neg[BUCKETS / 2], signColor(-0.5, 1, palette));
  assert.equal(table.zero, "rgb(232, 232, 232)");
});

test("text colour: whichever reads better on the fill", () => {
  const dark = [29, 35, 43];
  const light = [255, 255, 255];
  assert.deepEqual(readableOn([33, 102, 172], [dark, light]), light);
  assert.deepEqual(readableOn([232, 232, 232], [dark, light]), dark);
});

test("paramValue reads weights and biases, undefined when absent", () => {
  const params = [{ W: [[1, 2], [3, 4]], b: [5, 6] }, { W: [[7], [8]], b: null }];
  assert.equal(paramValue(params, "weight", 0, 1, 0), 3);
  assert.equal(paramValue(params, "bias", 0, null, 1), 6);
  assert.equal(paramValue(params, "bias", 1, null, 0), undefined);
  assert.equal(paramValue(params, "weight", 1, 5, 0), undefined);
  assert.equal(paramValue(null, "weight", 0, 0, 0), undefined);
});

test("nextChange: the pending update when the snapshot carries it", () => {
  const change = [{ W: [[0.5]], b: [0.25] }];
  const record = nextChange(null, { step: 0 }, { step: 1, pending: { update: { change } } });
  assert.equal(changeOf(record, "weight", 0, 0, 0), 0.5);
  assert.equal(changeOf(record, "bias", 0, null, 0), 0.25);
  assert.equal(record.steps, 1);
});

test("nextChange: new minus old when the step moved on", () => {
  const before = { step: 3, params: [{ W: [[1.0]], b: [0.0] }] };
  const now = { step: 5, params: [{ W: [[0.75]], b: [0.5] }] };
  const record = nextChange(null, before, now);
  assert.equal(changeOf(record, "weight", 0, 0, 0), -0.25);
  assert.equal(changeOf(record, "bias", 0, null, 0), 0.5);
  assert.equal(record.steps, 2);
  // a frame at the same step (say, after an edit) keeps what the last update did
  assert.equal(nextChange(record, now, { ...now, params: [{ W: [[9]], b: [9] }] }), record);
  // a reset forgets it
  assert.equal(nextChange(record, now, { step: 0, params: now.params }), null);
  assert.equal(changeOf(null, "weight", 0, 0, 0), undefined);
});

test("withParam replaces one value in a copy", () => {
  const params = [{ W: [[1, 2], [3, 4]], b: [5, 6] }, { W: [[7], [8]], b: null }];
  const edited = withParam(params, "weight", 1, 1, 0, 0.125);
  assert.equal(edited[1].W[1][0], 0.125);
  assert.equal(params[1].W[1][0], 8, "the original is untouched");
  assert.equal(edited[1].b, null);
  const biased = withParam(params, "bias", 0, null, 1, -2);
  assert.deepEqual(biased[0].b, [5, -2]);
  assert.throws(() => withParam(params, "bias", 1, null, 0, 1), RangeError);
  assert.throws(() => withParam(params, "weight", 0, 0, 9, 1), RangeError);
});
