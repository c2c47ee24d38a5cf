// Decision-boundary grids as the server sends them: each unit's res x res values as bytes
// (0..255 between the grid's own low and high), base64, rows along y (row 0 is the lowest
// y). Pure functions, no DOM: the node tests run them.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i += 1) LOOKUP[ALPHABET.charCodeAt(i)] = i;
LOOKUP["-".charCodeAt(0)] = 62; // the URL-safe alphabet too
LOOKUP["_".charCodeAt(0)] = 63;

// Number of bytes a base64 string decodes to.
export function decodedLength(text) {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end -= 1; // "="
  return Math.floor((end * 3) / 4);
}

// Decode base64 into `out` (a Uint8Array reused between frames; a new one when it is
// missing or too small). Returns the bytes as a view of exactly the decoded length.
export function decodeBase64Into(text, out) {
  const length = decodedLength(text);
  const target = out && out.length >= length ? out : new Uint8Array(length);
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length && o < length; i += 1) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? LOOKUP[code] : -1;
    if (value < 0) continue; // padding, whitespace
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      target[o] = (buffer >> bits) & 0xff;
      o += 1;
    }
  }
  return target.length === length ? target : target.subarray(0, length);
}

// The value a byte stands for: low + byte * (high - low) / 255.
export function byteValue(byte, low, high) {
  return low + (byte * (high - low)) / 255;
}

// A packed grid {low, high, data} -> its values as a Float64Array (rows along y).
export function gridValues(packed) {
  const bytes = decodeBase64Into(packed.data);
  const values = new Float64Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) values[i] = byteValue(bytes[i], packed.low, packed.high);
  return values;
}

// The grid's resolution (it is square): sqrt of the byte count.
export function gridSize(bytes) {
  return Math.round(Math.sqrt(bytes.length));
}

// How a unit's values map onto the diverging colour scale: `center` gets the neutral
// colour, center +- limit the full positive / negative colour. For ranges that start at 0
// (relu) `sequential` maps 0..limit from neutral to positive.
export function unitScale(activation, low, high) {
  switch (activation) {
    case "sigmoid":
    case "softmax":
    case "step":
      return { center: 0.5, limit: 0.5 };
    case "tanh":
      return { center: 0, limit: 1 };
    case "relu":
      return { center: 0, limit: Math.max(high, 1e-9), sequential: true };
    default: {
      const limit = Math.max(Math.abs(low), Math.abs(high), 1e-9);
      return { center: 0, limit };
    }
  }
}

// Where a value falls on the scale: -1 (full negative) .. 0 (neutral) .. 1 (full positive).
export function scalePosition(value, { center, limit, sequential = false }) {
  if (!Number.isFinite(value)) return 0;
  const t = (value - center) / limit;
  return Math.max(sequential ? 0 : -1, Math.min(1, t));
}

// 256 packed RGBA colours (little-endian Uint32, as an ImageData's Uint32Array view
// reads them) for the bytes of one grid: byte -> value -> scale position -> colour.
// `strength` (0..1) caps how saturated the colours get (a background for points).
export function colorTable(low, high, scale, { pos, neg, zero }, strength = 1, out = new Uint32Array(256)) {
  for (let b = 0; b < 256; b += 1) {
    const t = scalePosition(byteValue(b, low, high), scale) * strength;
    const end = t >= 0 ? pos : neg;
    const u = Math.abs(t);
    const r = Math.round(zero[0] + (end[0] - zero[0]) * u);
    const g = Math.round(zero[1] + (end[1] - zero[1]) * u);
    const bl = Math.round(zero[2] + (end[2] - zero[2]) * u);
    out[b] = ((255 << 24) | (bl << 16) | (g << 8) | r) >>> 0;
  }
  return out;
}

// The same table for a discretized output: two colours only, the positive end's for every
// value at or above `threshold` and the negative end's below it, each `strength` of the way
// from `zero` (so the points still stand out).
export function discreteTable(low, high, threshold, { pos, neg, zero }, strength = 1, out = new Uint32Array(256)) {
  const shade = (end) => {
    const [r, g, b] = end.map((c, i) => Math.round(zero[i] + (c - zero[i]) * strength));
    return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  };
  const above = shade(pos);
  const below = shade(neg);
  for (let b = 0; b < 256; b += 1) out[b] = byteValue(b, low, high) >= threshold ? above : below;
  return out;
}

// Paint bytes (rows along y, row 0 lowest) into an RGBA Uint32Array of the same res x res
// image with row 0 at the top, so that y grows upward on screen.
export function paintFlipped(bytes, table, pixels, res) {
  for (let row = 0; row < res; row += 1) {
    const src = row * res;
    const dst = (res - 1 - row) * res;
    for (let col = 0; col < res; col += 1) pixels[dst + col] = table[bytes[src + col]];
  }
}

// Around five round tick values inside [low, high].
export function niceTicks(low, high, count = 5) {
  if (!(high > low)) return [low];
  const raw = (high - low) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw * 0.999) ?? raw;
  const ticks = [];
  const first = Math.ceil(low / step - 1e-9) * step;
  for (let v = first; v <= high + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

// The smallest 1, 2 or 5 times a power of ten that is >= |value| (1e-6 at least): a
// colour limit that changes rarely and reads well in a legend.
export function roundUp(value) {
  const v = Math.max(Math.abs(value), 1e-6);
  const power = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) {
    const candidate = Number((m * power).toPrecision(12));
    if (candidate >= v * (1 - 1e-12)) return candidate;
  }
  return Number((10 * power).toPrecision(12));
}

// Paint K class outputs (bytes per unit, with their packed {low, high}) as the most likely
// class per cell, its colour from `zero` (at p = 1/K: no idea) to full (p = 1), at most
// `strength`; rows flipped as paintFlipped does.
export function paintArgmax(bytes, packed, colors, zero, strength, pixels, res) {
  const k = packed.length;
  for (let row = 0; row < res; row += 1) {
    for (let col = 0; col < res; col += 1) {
      const i = row * res + col;
      let best = 0;
      let bestValue = -Infinity;
      for (let u = 0; u < k; u += 1) {
        const v = byteValue(bytes[u][i], packed[u].low, packed[u].high);
        if (v > bestValue) { bestValue = v; best = u; }
      }
      const t = Math.max(0, Math.min(1, (bestValue - 1 / k) / (1 - 1 / k))) * strength;
      const c = colors[best];
      const r = Math.round(zero[0] + (c[0] - zero[0]) * t);
      const g = Math.round(zero[1] + (c[1] - zero[1]) * t);
      const b = Math.round(zero[2] + (c[2] - zero[2]) * t);
      pixels[(res - 1 - row) * res + col] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
    }
  }
}
