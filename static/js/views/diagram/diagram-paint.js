// Pure helpers for painting the diagram: edge colours, readable text on a coloured node,
// and "what did the last update change" bookkeeping. No DOM (tests/js/views/diagram/diagram-paint.test.mjs).
import { contrast, mix, rgb } from "../../lib/color.js";

// An edge's or bias's colour: the sign's colour (palette.pos / palette.neg), stronger for
// larger |value|, but never fading into the background: even a tiny weight shows its sign.
export function signColor(value, limit, palette, floor = 0.3) {
  if (value === null || value === undefined || !Number.isFinite(value)) return rgb(palette.zero);
  const t = limit > 0 ? Math.min(1, Math.abs(value) / limit) : 1;
  return rgb(mix(palette.zero, value >= 0 ? palette.pos : palette.neg, floor + (1 - floor) * t));
}

// Edges are painted from a small table of colours per sign: a weight's |w| / limit is
// rounded to one of BUCKETS steps, so a frame where the weights barely moved touches no
// edge's style (restyling hundreds of SVG lines per frame is what costs).
export const BUCKETS = 24;

export function bucketOf(value, limit, buckets = BUCKETS) {
  if (value === null || value === undefined || !Number.isFinite(value)) return -1;
  if (!(limit > 0)) return buckets;
  return Math.min(buckets, Math.round((Math.abs(value) / limit) * buckets));
}

// {pos: [colour per bucket], neg: [...], zero}: signColor at each bucket's |value|.
export function colorTable(palette, buckets = BUCKETS, floor = 0.3) {
  const row = (sign) => Array.from({ length: buckets + 1 }, (_, k) => signColor(sign * (k / buckets), 1, palette, floor));
  return { pos: row(1), neg: row(-1), zero: rgb(palette.zero) };
}

// Of the candidate text colours, the one that reads best on `fill`.
export function readableOn(fill, candidates) {
  let best = candidates[0];
  for (const c of candidates) if (contrast(fill, c) > contrast(fill, best)) best = c;
  return best;
}

// One parameter's value from a params list: kind "weight" -> params[layer].W[i][j],
// kind "bias" -> params[layer].b[j] (layer = index into the list, 0-based). Undefined when
// absent (cut by shown_units, no biases, no params yet).
export function paramValue(params, kind, layer, i, j) {
  const p = params?.[layer];
  if (!p) return undefined;
  return kind === "bias" ? p.b?.[j] : p.W?.[i]?.[j];
}

// What the last update did, from one snapshot to the next. Returns the new record:
// {source: "pending", change, steps: 1} when the snapshot carries the update's change,
// {source: "diff", now, before, steps} when the step count moved on between frames,
// null after a reset, and the previous record otherwise (a frame without a new step).
export function nextChange(previous, prevSnap, snap) {
  const change = snap?.pending?.update?.change;
  if (change) return { source: "pending", change, steps: 1 };
  if (!prevSnap || !snap) return previous ?? null;
  if (snap.step < prevSnap.step) return null;
  if (snap.step > prevSnap.step && snap.params && prevSnap.params) {
    return { source: "diff", now: snap.params, before: prevSnap.params, steps: snap.step - prevSnap.step };
  }
  return previous ?? null;
}

// The change of one parameter under a record from nextChange (undefined when unknown).
export function changeOf(record, kind, layer, i, j) {
  if (!record) return undefined;
  if (record.source === "pending") return paramValue(record.change, kind, layer, i, j);
  const now = paramValue(record.now, kind, layer, i, j);
  const before = paramValue(record.before, kind, layer, i, j);
  return Number.isFinite(now) && Number.isFinite(before) ? now - before : undefined;
}

// A deep copy of a params list with one value replaced (for the weight editor).
export function withParam(params, kind, layer, i, j, value) {
  const out = params.map((p) => ({ W: p.W.map((row) => row.slice()), b: p.b === null ? null : p.b.slice() }));
  if (kind === "bias") {
    if (!out[layer]?.b || j >= out[layer].b.length) throw new RangeError(`no bias b${layer + 1}[${j}]`);
    out[layer].b[j] = value;
  } else {
    if (!out[layer]?.W?.[i] || j >= out[layer].W[i].length) throw new RangeError(`no weight W${layer + 1}[${i}][${j}]`);
    out[layer].W[i][j] = value;
  }
  return out;
}
