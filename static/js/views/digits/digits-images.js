// Pure helpers for the image views: first-layer weights as pictures, digits in grey, and
// the confusion matrix's colours. No DOM: the node tests run them.

import { luminance, mix } from "../../lib/color.js";

// Column j of W (fan_in x fan_out, as the snapshot sends it) as an image of `shape`
// [rows, cols], row-major: pixel (r, c) is input r * cols + c. Returns a Float64Array.
export function weightColumn(W, j, [rows, cols], out = new Float64Array(rows * cols)) {
  const n = rows * cols;
  if (W.length < n) throw new Error(`W has ${W.length} input rows, an image of ${rows}x${cols} needs ${n}`);
  for (let i = 0; i < n; i += 1) {
    const value = W[i][j];
    out[i] = Number.isFinite(value) ? value : 0;
  }
  return out;
}

// The largest |w| over the first `units` columns, at least `floor`.
export function columnsMaxAbs(W, units, floor = 1e-9) {
  let best = floor;
  for (const row of W) {
    for (let j = 0; j < units && j < row.length; j += 1) {
      const v = Math.abs(row[j]);
      if (v > best) best = v;
    }
  }
  return best;
}

// values -> RGBA bytes (Uint8ClampedArray of an ImageData) on the diverging scale: 0 is
// `zero`, +limit `pos`, -limit `neg`.
export function paintDiverging(values, limit, { pos, neg, zero }, rgba) {
  for (let i = 0; i < values.length; i += 1) {
    const t = Math.max(-1, Math.min(1, values[i] / limit));
    const end = t >= 0 ? pos : neg;
    const u = Math.abs(t);
    rgba[4 * i] = zero[0] + (end[0] - zero[0]) * u;
    rgba[4 * i + 1] = zero[1] + (end[1] - zero[1]) * u;
    rgba[4 * i + 2] = zero[2] + (end[2] - zero[2]) * u;
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

// Pixel intensities -> grey RGBA, white ink on black (as MNIST is usually shown), scaled
// from the sample's own min..max so any input scaling reads the same.
export function paintGrey(values, rgba) {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const span = high > low ? high - low : 1;
  for (let i = 0; i < values.length; i += 1) {
    const g = Math.round((255 * ((Number.isFinite(values[i]) ? values[i] : low) - low)) / span);
    rgba[4 * i] = g;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = g;
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

// A confusion cell's share of its row (true class): count / row total, 0 for empty rows.
export function rowShare(count, rowTotal) {
  return rowTotal > 0 ? Math.max(0, Math.min(1, count / rowTotal)) : 0;
}

// The colour of a confusion cell: its share of the true class's rows, from `zero` (none)
// to `pos` on the diagonal (right) or `neg` off it (mistakes), and a text colour that
// stays readable on it. -> {share, background: [r, g, b], text: "dark" | "light"}.
export function confusionCell(count, rowTotal, diagonal, { pos, neg, zero }) {
  const share = rowShare(count, rowTotal);
  // A square root so a few mistakes out of many still show.
  const t = count > 0 ? Math.max(0.08, Math.sqrt(share)) : 0;
  const end = diagonal ? pos : neg;
  const background = mix(zero, end, t);
  return { share, background, text: luminance(background) < 0.45 ? "light" : "dark" };
}
