import { test } from "node:test";
import assert from "node:assert/strict";

import {
  columnsMaxAbs, confusionCell, paintDiverging, paintGrey, rowShare, weightColumn,
} from "../../../../static/js/views/digits/digits-images.js";

test("a weight column becomes a row-major image", () => {
  // W is fan_in x fan_out: 6 inputs (a 2x3 image), 2 units; column 1 is 10 * input index.
  const W = Array.from({ length: 6 }, (_, i) => [i, 10 * i]);
  assert.deepEqual([...weightColumn(W, 1, [2, 3])], [0, 10, 20, 30, 40, 50]);
  assert.deepEqual([...weightColumn(W, 0, [3, 2])], [0, 1, 2, 3, 4, 5]);
  // pixel (r, c) = input r * cols + c
  const img = weightColumn(W, 0, [2, 3]);
  assert.equal(img[1 * 3 + 2], 5);
});

test("non-finite weights draw as zero; too few rows is an error", () => {
  const W = [[1], [null], [NaN], [2]];
  assert.deepEqual([...weightColumn(W, 0, [2, 2])], [1, 0, 0, 2]);
  assert.throws(() => weightColumn(W, 0, [3, 3]));
});

test("the shared colour limit covers only the shown columns", () => {
  const W = [[0.5, -2, 100], [-0.7, 1, 100]];
  assert.equal(columnsMaxAbs(W, 2), 2);
  assert.equal(columnsMaxAbs([[0, 0]], 2), 1e-9);
});

test("diverging paint: blue positive, orange negative, neutral at zero", () => {
  const palette = { pos: [0, 0, 255], neg: [255, 128, 0], zero: [255, 255, 255] };
  const rgba = new Uint8ClampedArray(12);
  paintDiverging(Float64Array.from([2, -2, 0]), 2, palette, rgba);
  assert.deepEqual([...rgba], [0, 0, 255, 255, 255, 128, 0, 255, 255, 255, 255, 255]);
  paintDiverging(Float64Array.from([9, -9, 1]), 2, palette, rgba); // clamped, half way
  assert.deepEqual([...rgba.slice(0, 8)], [0, 0, 255, 255, 255, 128, 0, 255]);
  assert.deepEqual([...rgba.slice(8)], [128, 128, 255, 255]);
});

test("grey paint scales each digit from its own min to max", () => {
  const rgba = new Uint8ClampedArray(12);
  paintGrey([0, 8, 16], rgba);
  assert.deepEqual([...rgba], [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  paintGrey([3, 3, 3], rgba); // a blank image stays black, no division by zero
  assert.equal(rgba[0], 0);
});

test("confusion colours scale with the share of the true class", () => {
  const palette = { pos: [33, 102, 172], neg: [179, 88, 6], zero: [232, 232, 232] };
  assert.equal(rowShare(5, 0), 0);
  assert.equal(rowShare(3, 12), 0.25);
  const empty = confusionCell(0, 40, false, palette);
  assert.deepEqual(empty.background, palette.zero);
  assert.equal(empty.text, "dark");
  const perfect = confusionCell(40, 40, true, palette);
  assert.deepEqual(perfect.background, palette.pos);
  assert.equal(perfect.text, "light");
  const allWrong = confusionCell(40, 40, false, palette);
  assert.deepEqual(allWrong.background, palette.neg);
  // More of the row -> stronger colour (further from zero), and one mistake still shows.
  const distance = (c) => Math.hypot(...c.background.map((v, i) => v - palette.zero[i]));
  const few = confusionCell(1, 40, false, palette);
  const many = confusionCell(10, 40, false, palette);
  assert.ok(distance(few) > 0);
  assert.ok(distance(many) > distance(few));
});
