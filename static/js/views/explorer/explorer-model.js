// Pure helpers of the activation and loss explorers (explorer.js): where the selected
// neuron's marker goes on the engine's curves, the request bodies of the loss explorer and
// the rows and curves made from the engine's answers. Nothing here computes an activation
// or a loss: the marker's height is read off the engine's curve between two of its points.
import { formatNumber } from "../../lib/format.js";

export const ACTIVATIONS = ["sigmoid", "tanh", "relu", "linear", "step", "softmax"];
export const Z_RANGE = [-6, 6];
export const CURVE_POINTS = 121;

// Where a neuron's z goes on a curve {z, a, da} (z ascending): x clamped to the plotted
// range (`outside` says which side it left), a and da read off the curve by linear
// interpolation between the two nearest points. null without a curve or a finite z.
export function markerPlacement(curve, z) {
  const zs = curve?.z;
  if (!zs?.length || typeof z !== "number" || !Number.isFinite(z)) return null;
  const low = zs[0];
  const high = zs[zs.length - 1];
  const x = Math.min(high, Math.max(low, z));
  const outside = z < low ? "left" : z > high ? "right" : null;
  let lo = 0;
  let hi = zs.length - 1;
  while (hi - lo > 1) {  // zs[lo] <= x <= zs[hi]
    const mid = (lo + hi) >> 1;
    if (zs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const span = zs[hi] - zs[lo];
  const t = span > 0 ? (x - zs[lo]) / span : 0;
  const at = (values) => (values ? values[lo] + (values[hi] - values[lo]) * t : null);
  return { z, x, outside, a: at(curve.a), da: at(curve.da) };
}

// The neuron a "select" event points at, with its activation and its z and a on probe
// sample 0 from the snapshot. {input: true} for an input unit; null for anything else.
export function selectedNeuron(detail, config, snapshot) {
  if (detail?.kind !== "neuron" || !Number.isInteger(detail.layer) || !Number.isInteger(detail.i)) return null;
  const { layer, i: unit } = detail;
  if (layer === 0) return { input: true, layer, unit };
  const activation = config?.activations?.[layer - 1];
  if (!activation) return null;
  const values = snapshot?.activations?.[layer - 1];
  const z = values?.z?.[0]?.[unit];
  const a = values?.a?.[0]?.[unit];
  return { layer, unit, activation, z: typeof z === "number" ? z : null, a: typeof a === "number" ? a : null };
}

// The p values whose losses make the chart (a few dozen, fetched once).
export function lossGrid(count = 25, low = 0.02, high = 0.98) {
  const step = (high - low) / (count - 1);
  return Array.from({ length: count }, (_, k) => Number((low + step * k).toFixed(4)));
}

// The two requests for one p against target 1: one output for MSE and BCE, and three
// classes for CCE (p for the true class, the rest split evenly).
export function lossBodies(p) {
  const rest = (1 - p) / 2;
  return {
    binary: { prediction: [p], target: [1] },
    multi: { prediction: [p, rest, rest], target: [1, 0, 0] },
  };
}

const LABELS = { mse: "MSE", bce: "BCE", cce: "CCE" };

// The explorer's rows from the two answers: MSE and BCE from the one-output answer, CCE
// from the three-class one.
export function lossRows(binary, multi) {
  const pick = (answer, name) => answer?.losses?.find((l) => l.name === name) ?? null;
  return [["mse", binary], ["bce", binary], ["cce", multi]].map(([name, answer]) => {
    const loss = pick(answer, name);
    return {
      name,
      label: LABELS[name],
      formula: loss?.formula ?? "",
      value: loss?.value ?? null,
      grad: loss?.grad_output ?? null,
      shortcut: loss?.shortcut ?? null,
    };
  });
}

// {p: [...], mse: [...], bce: [...], cce: [...]} from a Map p -> {binary, multi}, p ascending.
export function lossCurves(cache) {
  const ps = [...cache.keys()].sort((a, b) => a - b);
  const out = { p: ps, mse: [], bce: [], cce: [] };
  for (const p of ps) {
    const { binary, multi } = cache.get(p);
    for (const row of lossRows(binary, multi)) out[row.name].push(row.value);
  }
  return out;
}

// [-1.25, 0, 0] or -1.25 for a one-entry vector.
export function formatVector(values, decimals = 4) {
  if (!Array.isArray(values)) return formatNumber(values ?? null, decimals);
  const parts = values.map((v) => formatNumber(v, decimals));
  return parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
}
