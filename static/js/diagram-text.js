// The diagram's words and numbers: tooltip lines for a neuron, weight or bias, parameter
// names, and number formats. Pure (tests/js/diagram-text.test.mjs).
import { formatNumber } from "./format.js";
import { changeOf, paramValue } from "./diagram-paint.js";

// Full precision for data-* attributes; NaN travels as null in the frames.
export const valueText = (v) => (v === null ? "NaN" : String(v));
export const fmt = (v, d = 6) => formatNumber(v ?? null, d);
// In a pill or label: always 3 decimals (no exponent form for tiny values, which would not fit).
export const short = (v) => formatNumber(Number.isFinite(v) && Math.abs(v) < 5e-4 ? 0 : v ?? null, 3);

export function unitName(layer, unit, nLayers) {
  if (layer === 0) return `input ${unit}`;
  return layer === nLayers - 1 ? `output unit ${unit}` : `hidden ${layer} unit ${unit}`;
}

// "W2[1][0]" for the weight from unit 1 of layer 1 to unit 0 of layer 2 (l = 1, the source
// layer, as in the edge's testid), "b1[2]" for the bias of unit 2 of layer 1.
export function paramName(kind, l, i, j) {
  return kind === "bias" ? `b${l}[${j}]` : `W${l + 1}[${i}][${j}]`;
}

// Tooltip lines for the element {kind: "neuron"|"weight"|"bias", l, i, j} (l as in its
// testid), from the topology, the latest snapshot and the last update's record.
export function describe({ kind, l, i, j }, topology, snap = {}, change = null) {
  const { layers, activations } = topology;
  const n = layers.length;
  if (kind === "neuron") {
    if (l === 0) return [unitName(0, i, n), `x = ${fmt(snap.probe?.inputs?.[0]?.[i])}`, "probe sample 0"];
    const values = snap.activations?.[l - 1];
    const lines = [`${unitName(l, i, n)} (${activations[l - 1]})`, `z = ${fmt(values?.z?.[0]?.[i])}`,
      `a = ${fmt(values?.a?.[0]?.[i])}`];
    if (l === n - 1 && snap.probe?.targets?.[0]) lines.push(`target = ${fmt(snap.probe.targets[0][i])}`);
    lines.push(...stepLinesForNeuron(l, i, snap));
    lines.push("probe sample 0 \u00b7 click to select");
    return lines;
  }
  const index = kind === "bias" ? l - 1 : l;  // into params
  const symbol = kind === "bias" ? "b" : "w";
  const name = paramName(kind, l, i, j);
  const delta = changeOf(change, kind, index, i, j);
  const steps = change?.steps > 1 ? ` (over ${change.steps} steps)` : "";
  // Mid-step (after the backward phase) the step's own gradient, not the last step's.
  const stepGrad = paramValue(snap.pending?.grads, kind, index, i, j);
  const update = snap.phase === "update" && snap.pending?.update?.old ? snap.pending.update : null;
  const old = paramValue(update?.old, kind, index, i, j);
  return [
    kind === "bias" ? `${name}: bias of ${unitName(l, j, n)}` : `${name}: ${unitName(l, i, n)} \u2192 ${unitName(l + 1, j, n)}`,
    `${symbol} = ${fmt(paramValue(snap.params, kind, index, i, j))}`,
    stepGrad !== undefined ? `\u2202L/\u2202${symbol} = ${fmt(stepGrad)} (this step's batch)`
      : snap.grads ? `\u2202L/\u2202${symbol} = ${fmt(paramValue(snap.grads, kind, index, i, j))}`
        : `\u2202L/\u2202${symbol}: no step taken yet`,
    delta === undefined ? "last update: none yet" : `last update \u0394${symbol} = ${fmt(delta)}${steps}`,
    ...(old === undefined ? [] : [`this step: old ${fmt(old)} + change ${fmt(paramValue(update.change, kind, index, i, j))}` +
      ` = new ${fmt(paramValue(update.new, kind, index, i, j))}`]),
    "click to edit \u00b7 shift-click to select",
  ];
}

// A neuron's lines about the step in progress: its values for the batch's first row
// (mid-step) and dL/dz for that row (after the backward phase).
function stepLinesForNeuron(l, i, snap) {
  const pending = snap.pending;
  if (!pending) return [];
  const out = [];
  const mid = ["forward", "loss", "backward"].includes(snap.phase);
  const values = pending.activations?.[l - 1];
  if (mid && values) out.push(`batch sample 1: z = ${fmt(values.z?.[0]?.[i])}, a = ${fmt(values.a?.[0]?.[i])}`);
  const delta = pending.deltas?.[l - 1]?.[0]?.[i];
  if (delta !== undefined) out.push(`\u2202L/\u2202z = ${fmt(delta)} (batch sample 1)`);
  return out;
}
