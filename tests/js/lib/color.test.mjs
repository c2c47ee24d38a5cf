import { test } from "node:test";
import assert from "node:assert/strict";

import { contrast, luminance, mix, parseColor, parseRgb, rgb } from "../../../static/js/lib/color.js";

test("colours read from hex and from CSS rgb(), and written back", () => {
  assert.deepEqual(parseColor("#2166ac"), [33, 102, 172]);
  assert.deepEqual(parseColor(" #fa0 "), [255, 170, 0]);
  assert.deepEqual(parseRgb("rgb(33, 102, 172)"), [33, 102, 172]);
  assert.deepEqual(parseRgb("rgba(1 2 3 / 0.5)"), [1, 2, 3]);
  assert.deepEqual(parseRgb("none"), [128, 128, 128]);
  assert.equal(rgb([33, 102, 172]), "rgb(33, 102, 172)");
  assert.deepEqual(parseRgb(rgb([5, 6, 7])), [5, 6, 7]);
});

test("mixing goes from the first colour to the second, clamped to the ends", () => {
  const [a, b] = [[0, 100, 200], [200, 100, 0]];
  assert.deepEqual(mix(a, b, 0), a);
  assert.deepEqual(mix(a, b, 1), b);
  assert.deepEqual(mix(a, b, 0.25), [50, 100, 150]);
  assert.deepEqual(mix(a, b, -1), a);
  assert.deepEqual(mix(a, b, 2), b);
});

test("luminance and contrast as WCAG defines them", () => {
  assert.equal(luminance([0, 0, 0]), 0);
  assert.ok(Math.abs(luminance([255, 255, 255]) - 1) < 1e-12);
  assert.ok(Math.abs(contrast([0, 0, 0], [255, 255, 255]) - 21) < 1e-9);
  assert.equal(contrast([9, 9, 9], [9, 9, 9]), 1);
  assert.equal(contrast([29, 35, 43], [255, 255, 255]), contrast([255, 255, 255], [29, 35, 43]));
  // #767676 on white is the classic 4.5:1 pair
  assert.ok(Math.abs(contrast(parseColor("#767676"), [255, 255, 255]) - 4.54) < 0.01);
});
