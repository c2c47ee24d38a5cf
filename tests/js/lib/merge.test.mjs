import { test } from "node:test";
import assert from "node:assert/strict";

import { mergeDeep } from "../../../static/js/lib/merge.js";

test("objects merge key by key; other values replace", () => {
  const base = { optimizer: { name: "sgd", lr: 0.1 }, layers: [2, 4, 1], data: { name: "xor", n: 200 }, seed: 1 };
  const merged = mergeDeep(base, { optimizer: { lr: 0.5 }, layers: [2, 1], data: null, loss: "bce" });
  assert.deepEqual(merged, { optimizer: { name: "sgd", lr: 0.5 }, layers: [2, 1], data: null, seed: 1, loss: "bce" });
});

test("an object replaces a value that is not one, and the base is left as it was", () => {
  const base = { init: "xavier", data: { name: "xor", extra: { a: 1 } } };
  const merged = mergeDeep(base, { init: { scheme: "zeros" }, data: { extra: { b: 2 } } });
  assert.deepEqual(merged, { init: { scheme: "zeros" }, data: { name: "xor", extra: { a: 1, b: 2 } } });
  assert.deepEqual(base, { init: "xavier", data: { name: "xor", extra: { a: 1 } } });
  merged.data.extra.a = 9;
  assert.equal(base.data.extra.a, 1);
});
