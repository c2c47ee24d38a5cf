import { test } from "node:test";
import assert from "node:assert/strict";

import {
  byteValue, colorTable, decodeBase64Into, decodedLength, discreteTable, gridValues, niceTicks, paintArgmax, paintFlipped,
  roundUp, scalePosition, unitScale,
} from "../../../../static/js/views/heatmap/grid-decode.js";

const b64 = (bytes) => Buffer.from(Uint8Array.from(bytes)).toString("base64");

test("base64 decodes to the same bytes as Node's decoder, for every padding", () => {
  for (let n = 0; n < 70; n += 1) {
    const bytes = Array.from({ length: n }, (_, i) => (i * 37 + n) % 256);
    const text = b64(bytes);
    assert.equal(decodedLength(text), n);
    assert.deepEqual([...decodeBase64Into(text)], bytes);
  }
});

test("decoding reuses the buffer it is given", () => {
  const buffer = new Uint8Array(1600);
  const bytes = Array.from({ length: 1600 }, (_, i) => i % 256);
  const out = decodeBase64Into(b64(bytes), buffer);
  assert.equal(out, buffer);
  const shorter = decodeBase64Into(b64([1, 2, 3]), buffer);
  assert.equal(shorter.buffer, buffer.buffer);
  assert.deepEqual([...shorter], [1, 2, 3]);
});

test("bytes map back to values between low and high", () => {
  assert.equal(byteValue(0, -2, 3), -2);
  assert.equal(byteValue(255, -2, 3), 3);
  assert.ok(Math.abs(byteValue(51, 0, 1) - 0.2) < 1e-12);
  const values = gridValues({ low: 0.25, high: 0.75, data: b64([0, 255, 51, 102]) });
  assert.deepEqual([...values].map((v) => Number(v.toFixed(6))), [0.25, 0.75, 0.35, 0.45]);
});

test("a constant grid (low == high) decodes to its constant", () => {
  const values = gridValues({ low: 0.5, high: 0.5, data: b64([0, 0, 0, 0]) });
  assert.deepEqual([...values], [0.5, 0.5, 0.5, 0.5]);
});

test("a real server grid round-trips (quantize_grid's encoding)", () => {
  // 2x2 grid: rows along y, values 0, 1/3, 2/3, 1 between low -1 and high 1.
  const packed = { low: -1, high: 1, data: b64([0, 85, 170, 255]) };
  const values = [...gridValues(packed)];
  assert.deepEqual(values.map((v) => Number(v.toFixed(4))), [-1, -0.3333, 0.3333, 1]);
});

test("painting flips rows so that y grows upward", () => {
  const table = Uint32Array.from({ length: 256 }, (_, b) => b);
  const pixels = new Uint32Array(4);
  paintFlipped(Uint8Array.from([1, 2, 3, 4]), table, pixels, 2); // row 0 (lowest y) = 1, 2
  assert.deepEqual([...pixels], [3, 4, 1, 2]);
});

test("colour tables: neutral at the centre, full colour at the ends", () => {
  const palette = { pos: [0, 0, 255], neg: [255, 128, 0], zero: [200, 200, 200] };
  const table = colorTable(0, 1, { center: 0.5, limit: 0.5 }, palette);
  const rgba = (v) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
  assert.deepEqual(rgba(table[0]), [255, 128, 0, 255]);
  assert.deepEqual(rgba(table[255]), [0, 0, 255, 255]);
  const mid = rgba(table[128]);
  assert.ok(Math.abs(mid[0] - 200) < 3 && Math.abs(mid[2] - 200) < 3);
  const soft = colorTable(0, 1, { center: 0.5, limit: 0.5 }, palette, 0.5);
  assert.deepEqual(rgba(soft[255]).slice(0, 3), [100, 100, 228]);
});

test("unit scales follow the activation's range", () => {
  assert.deepEqual(unitScale("tanh", -0.2, 0.3), { center: 0, limit: 1 });
  assert.deepEqual(unitScale("sigmoid", 0.1, 0.9), { center: 0.5, limit: 0.5 });
  assert.deepEqual(unitScale("relu", 0, 4), { center: 0, limit: 4, sequential: true });
  assert.deepEqual(unitScale("linear", -3, 2), { center: 0, limit: 3 });
  assert.equal(scalePosition(-1, { center: 0, limit: 2, sequential: true }), 0);
  assert.equal(scalePosition(5, { center: 0, limit: 2 }), 1);
  assert.equal(scalePosition(NaN, { center: 0, limit: 2 }), 0);
});

test("nice ticks stay inside the domain and are round", () => {
  assert.deepEqual(niceTicks(-6, 6, 5), [-5, 0, 5]);
  assert.deepEqual(niceTicks(-0.5, 1.5, 5), [-0.5, 0, 0.5, 1, 1.5]);
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(niceTicks(2, 2), [2]);
});

test("regression colour limits round up to 1, 2 or 5 times a power of ten", () => {
  assert.equal(roundUp(0.912), 1);
  assert.equal(roundUp(1), 1);
  assert.equal(roundUp(1.01), 2);
  assert.equal(roundUp(-3), 5);
  assert.equal(roundUp(0.03), 0.05);
  assert.equal(roundUp(0), 1e-6);
});

test("classes paint as the most likely one, paler the less sure, rows flipped", () => {
  // A 2 x 2 grid, three classes with values over 0..1.
  const zero = [200, 200, 200];
  const colors = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
  const packed = [0, 1, 2].map(() => ({ low: 0, high: 1 }));
  const bytes = [
    Uint8Array.from([255, 0, 85, 0]),     // class 0: sure in cell 0
    Uint8Array.from([0, 255, 85, 0]),     // class 1: sure in cell 1
    Uint8Array.from([0, 0, 85, 153]),     // class 2: cell 3 at 0.6; cell 2 a three-way tie
  ];
  const pixels = new Uint32Array(4);
  paintArgmax(bytes, packed, colors, zero, 1, pixels, 2);
  const rgbOf = (p) => [p & 0xff, (p >> 8) & 0xff, (p >> 16) & 0xff];
  // rows along y: cells 0, 1 are the bottom row, drawn last
  assert.deepEqual(rgbOf(pixels[2]), [255, 0, 0]);
  assert.deepEqual(rgbOf(pixels[3]), [0, 255, 0]);
  assert.deepEqual(rgbOf(pixels[0]), zero);        // p = 1/3 everywhere: no idea
  // cell 3: class 2 at p = 0.6, (0.6 - 1/3) / (1 - 1/3) = 40 % of the way from zero to blue
  assert.deepEqual(rgbOf(pixels[1]), [120, 120, 222]);
  paintArgmax(bytes, packed, colors, zero, 0.5, pixels, 2);
  assert.deepEqual(rgbOf(pixels[2]), [228, 100, 100]);   // halfway at strength 0.5
});

test("a discretized table has two colours, split at the threshold", () => {
  const palette = { pos: [0, 0, 200], neg: [200, 0, 0], zero: [250, 250, 250] };
  const pack = ([r, g, b]) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  // Bytes over [-1, 1] split at 0 (a tanh output): byte 0 is -1, byte 255 is 1.
  const table = discreteTable(-1, 1, 0, palette, 0.5);
  const above = pack([125, 125, 225]);  // halfway from zero to pos
  const below = pack([225, 125, 125]);
  assert.deepEqual(new Set(table), new Set([above, below]));
  for (let b = 0; b < 256; b += 1) assert.equal(table[b], byteValue(b, -1, 1) >= 0 ? above : below, `byte ${b}`);
  // A sigmoid output whose grid lies wholly above 0.5 is one colour.
  assert.deepEqual(new Set(discreteTable(0.6, 0.9, 0.5, palette, 1)), new Set([pack(palette.pos)]));
  const out = new Uint32Array(256);
  assert.equal(discreteTable(0, 1, 0.5, palette, 1, out), out);
  assert.equal(out[0], pack(palette.neg));
  assert.equal(out[255], pack(palette.pos));
});
