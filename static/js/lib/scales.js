// Colour and size scales shared by the diagram and the heatmaps.
// Weights use a colour-blind-safe diverging pair (blue for positive, orange for negative,
// from ColorBrewer's PuOr/RdBu families) plus a second cue that needs no colour at all:
// negative edges are dashed.
import { mix, rgb } from "./color.js";

// value in [-limit, limit] -> a colour between neg, zero and pos.
export function divergingColor(value, limit, palette) {
  if (value === null || value === undefined || !Number.isFinite(value) || !(limit > 0)) {
    return rgb(palette.zero);
  }
  const t = Math.min(1, Math.abs(value) / limit);
  return rgb(mix(palette.zero, value >= 0 ? palette.pos : palette.neg, t));
}

// |w| -> stroke width in px, between min and max, by square root so small weights stay visible.
export function edgeWidth(value, limit, min = 0.5, max = 6) {
  if (!Number.isFinite(value) || !(limit > 0)) return min;
  return min + (max - min) * Math.sqrt(Math.min(1, Math.abs(value) / limit));
}

export function edgeDash(value) {
  return value < 0 ? "5 3" : null;
}

// The largest |value| in nested arrays, at least `floor` so an all-zero net is not divided by 0.
export function maxAbs(nested, floor = 1e-9) {
  let best = floor;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (Number.isFinite(v)) best = Math.max(best, Math.abs(v));
  };
  walk(nested);
  return best;
}

// The natural range of an activation, for colouring a neuron's value.
export function activationRange(name, values = []) {
  if (name === "sigmoid" || name === "softmax" || name === "step") return [0, 1];
  if (name === "tanh") return [-1, 1];
  const limit = maxAbs(values, 1);
  return name === "relu" ? [0, limit] : [-limit, limit];
}

// value in [low, high] -> a colour on the diverging scale centred on the range's midpoint
// for signed ranges, or from zero upward for ranges starting at 0.
export function rangeColor(value, [low, high], palette) {
  if (low >= 0) {
    return divergingColor(value - low, high - low, palette);
  }
  return divergingColor(value, Math.max(Math.abs(low), Math.abs(high)), palette);
}
