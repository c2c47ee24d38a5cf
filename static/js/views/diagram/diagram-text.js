// The diagram's words and numbers: tooltip lines for a neuron, weight or bias, parameter
// names, and number formats. Pure (tests/js/views/diagram/diagram-text.test.mjs).
import { formatNumber } from "../../lib/format.js";
import { changeOf, paramValue } from "./diagram-paint.js";
import { numberView } from "./diagram-numbers.js";
import { paramSymbol } from "../formula/formula-lines.js";
import { inputNames } from "../features/features-model.js";

// Full precision for data-* attributes; NaN travels as null in the frames.
export const valueText = (v) => (v === null ? "NaN" : String(v));
export const fmt = (v, d = 6) => formatNumber(v ?? null, d);
// In a pill or label: always 3 decimals (no exponent form for tiny values, which would not fit).
export const short = (v) => formatNumber(Number.isFinite(v) && Math.abs(v) < 5e-4 ? 0 : v ?? null, 3);

// Units counted from 1, as the engine's symbols count them (x1, a1_3, y_hat): unit 2 of
// layer 1 (0-based, as in a testid) is "hidden 1 unit 3". An input is named by its
// feature when `inputs` (features-model.js inputNames) names them: "input x1^2".
export function unitName(layer, unit, nLayers, inputs = null) {
  if (layer === 0) return `input ${inputs?.[unit] ?? `x${unit + 1}`}`;
  return layer === nLayers - 1 ? `output unit ${unit + 1}` : `hidden ${layer} unit ${unit + 1}`;
}

// A weight or bias by the one name the engine, the formula panel and the diagram all use
// (formula-lines.js paramSymbol): "w2_21" for the weight from unit 1 of layer 1 to unit 0
// of layer 2 (l = 1, the source layer, as in the edge's testid; units counted from 1),
// "b1_3" for the bias of unit 2 of layer 1.
export function paramName(kind, l, i, j) {
  return kind === "bias" ? paramSymbol("bias", l, 0, j) : paramSymbol("weight", l + 1, i, j);
}

// An element's accessible name, as its tooltip's first line names it (without the numbers).
export function elementName({ kind, l, i, j }, nLayers, inputs = null) {
  if (kind === "neuron") return unitName(l, i, nLayers, inputs);
  const name = paramName(kind, l, i, j);
  return kind === "bias" ? `${name}: bias of ${unitName(l, j, nLayers)}`
    : `${name}: ${unitName(l, i, nLayers, inputs)} \u2192 ${unitName(l + 1, j, nLayers)}`;
}

// Tooltip lines for the element {kind: "neuron"|"weight"|"bias", l, i, j} (l as in its
// testid), from the topology, the latest snapshot and the last update's record.
export function describe({ kind, l, i, j }, topology, snap = {}, change = null) {
  const { layers, activations } = topology;
  const n = layers.length;
  const inputs = inputNames(topology);
  if (kind === "neuron") {
    // The sample the diagram draws (diagram-numbers.js numberView), and only that one.
    const view = numberView(snap);
    if (l === 0) return [unitName(0, i, n, inputs), `x = ${fmt(view.inputs?.[i])}`, view.sample];
    const values = view.layers[l - 1];
    const lines = [`${unitName(l, i, n)} (${activations[l - 1]})`, `z = ${fmt(values?.z?.[i])}`,
      `a = ${fmt(values?.a?.[i])}`];
    const targets = view.source === "batch" ? snap.pending?.targets?.[0] : snap.probe?.targets?.[0];
    if (l === n - 1 && targets) lines.push(`target = ${fmt(targets[i])}`);
    const delta = view.deltas?.[l - 1]?.[i];
    if (delta !== undefined) lines.push(`\u2202L/\u2202z = ${fmt(delta)}`);
    lines.push(`${view.sample} \u00b7 click to select`);
    return lines;
  }
  const index = kind === "bias" ? l - 1 : l;  // into params
  const symbol = kind === "bias" ? "b" : "w";
  const delta = changeOf(change, kind, index, i, j);
  const steps = change?.steps > 1 ? ` (over ${change.steps} steps)` : "";
  // Mid-step (after the backward phase) the step's own gradient, not the last step's.
  const stepGrad = paramValue(snap.pending?.grads, kind, index, i, j);
  const update = snap.phase === "update" && snap.pending?.update?.old ? snap.pending.update : null;
  const old = paramValue(update?.old, kind, index, i, j);
  return [
    elementName({ kind, l, i, j }, n, inputs),
    `${symbol} = ${fmt(paramValue(snap.params, kind, index, i, j))}`,
    stepGrad !== undefined ? `\u2202L/\u2202${symbol} = ${fmt(stepGrad)} (${update ? "the gradient this update used" : "this step's batch"})`
      : snap.grads ? `\u2202L/\u2202${symbol} = ${fmt(paramValue(snap.grads, kind, index, i, j))}`
        : `\u2202L/\u2202${symbol}: no step taken yet`,
    delta === undefined ? "last update: none yet" : `last update \u0394${symbol} = ${fmt(delta)}${steps}`,
    ...(old === undefined ? [] : [`this step: old ${fmt(old)} + change ${fmt(paramValue(update.change, kind, index, i, j))}` +
      ` = new ${fmt(paramValue(update.new, kind, index, i, j))}`]),
    "click or Enter to edit \u00b7 long-press, shift-click or Space to select",
  ];
}
