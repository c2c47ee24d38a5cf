// Worked-numbers mode for the diagram (diagram.js): which numbers each neuron
// and edge shows (the engine's, from the snapshot: z and a, the step's dL/dz and dL/dw,
// the update's old and new weights), and where the edge labels go so that they overlap
// as little as possible. Pure (tests/js/views/diagram/diagram-numbers.test.mjs).
import { formatNumber } from "../../lib/format.js";
import { segmentDistance, textWidth } from "./diagram-layout.js";
import { midStep } from "../chain/phases-order.js";

export const LABEL_FONT = 10;   // px (the projector theme's are bigger: see lineHeight)
export const LINE_HEIGHT = 12;  // px per label line at LABEL_FONT
export const EDGE_LABEL_LIMIT = 40;  // more shown edges: label only those of the focused node
const PAD = 6;                  // px around a label's text, both sides together

const AFTER_LOSS = new Set(["loss", "backward"]);

export const fmt = (v, decimals) => formatNumber(v ?? null, decimals);

// The one moment every number on screen is of (and its name, shown beside the diagram):
// mid-step (forward, loss, backward of step n + 1) the batch being worked on, at the
// weights after step n; otherwise the run as it stands after step n (after its update),
// drawn for probe sample 0.
export function moment(snap) {
  const step = snap?.step ?? 0;
  const phase = snap?.playing ? null : snap?.phase ?? null;
  if (snap?.playing) return `step ${step}, training`;
  if (snap?.viewing_past) return `step ${step}, looked back at (time travel)`;
  if (midStep(phase)) {
    const pass = { forward: "forward pass", loss: "loss", backward: "backward pass" }[phase];
    return `step ${step + 1}, ${pass}`;
  }
  if (phase === "update") return `step ${step}, after the update`;
  return step === 0 ? "step 0, before training" : `step ${step}`;
}

// What the numbers are of: mid-step (forward, loss, backward) the first row of the batch
// being worked on, else probe sample 0 at the current weights (what the diagram always
// shows). Mid-step the loss is the batch's and dL/dz the step's; after the update both
// belong to the old weights, so the loss is the training loss at the new ones and no
// dL/dz is shown. The update (old, change, new) comes from the step's pending values.
export function numberView(snap) {
  const pending = snap?.pending ?? null;
  const phase = snap?.phase ?? null;
  const batch = midStep(phase) && pending?.activations ? pending : null;
  const row = (m) => m?.[0];
  const size = pending?.batch_size ?? null;
  const afterUpdate = phase === "update";
  const trainLoss = snap?.loss?.train;
  let loss = null;
  let lossName = null;
  if (batch && AFTER_LOSS.has(phase) && Number.isFinite(pending?.loss)) {
    loss = pending.loss;
    // Short, beside the output node: "sample" when the batch is that one sample, else the
    // batch's mean (the footer and the moment say which sample the nodes show).
    lossName = size === 1 ? "sample loss" : "batch loss";
  } else if (afterUpdate && Number.isFinite(trainLoss)) {
    loss = trainLoss;
    lossName = "train loss";  // as the metrics line names it
  }
  return {
    phase,
    source: batch ? "batch" : "probe",
    sample: batch ? (size === 1 ? "the step's one sample" : size ? `batch sample 1 of ${size}` : "batch sample 1")
      : "probe sample 0",
    inputs: batch ? row(batch.inputs) : row(snap?.probe?.inputs),
    layers: (batch ? batch.activations : snap?.activations ?? []).map((v) => ({ z: row(v?.z), a: row(v?.a) })),
    deltas: batch ? pending?.deltas?.map(row) ?? null : null,  // per layer 1.., sample 1
    grads: pending?.grads ?? null,                             // the batch's dL/dW, per params index
    update: pending?.update?.old ? pending.update : null,       // {old, change, new}
    targets: batch ? (AFTER_LOSS.has(phase) ? row(pending?.targets) ?? null : null)
      : afterUpdate ? row(snap?.probe?.targets) ?? null : null,
    loss,
    lossName,
  };
}

// The value shown in a node's pill: x for inputs, a for the others.
export function nodeValue(view, l, i) {
  return l === 0 ? view.inputs?.[i] : view.layers[l - 1]?.a?.[i];
}

// A node's label lines: `above` (z) and `below` (dL/dz for sample 1, the target at the
// output once the loss has run); `data` the full-precision values.
export function nodeLabel(view, l, i, nLayers, decimals) {
  if (l === 0) return { above: [], below: [], data: { x: view.inputs?.[i] } };
  const z = view.layers[l - 1]?.z?.[i];
  const a = view.layers[l - 1]?.a?.[i];
  const grad = view.deltas?.[l - 1]?.[i];
  const target = l === nLayers - 1 ? view.targets?.[i] : undefined;
  const below = [];
  if (target !== undefined) below.push(`target ${fmt(target, decimals)}`);
  if (grad !== undefined) below.push(`\u2202L/\u2202z ${fmt(grad, decimals)}`);
  return { above: z === undefined ? [] : [`z ${fmt(z, decimals)}`], below, data: { z, a, grad } };
}

// An edge's label lines (weight W{l+1}[i][j], `params` the snapshot's): its w, and the
// step's dL/dw once the backward pass ran; during the update, old -> new and the change.
// `compact` (narrow gaps between columns): the numbers without their names (the diagram's
// footer says which line is which).
export function edgeLabel(view, params, l, i, j, decimals, compact = false) {
  const w = params?.[l]?.W?.[i]?.[j];
  const grad = view.grads?.[l]?.W?.[i]?.[j];
  const up = view.update;
  if (view.phase === "update" && up) {
    const old = up.old?.[l]?.W?.[i]?.[j];
    const now = up.new?.[l]?.W?.[i]?.[j];
    const change = up.change?.[l]?.W?.[i]?.[j];
    if (old !== undefined && now !== undefined) {
      const first = compact ? `\u2192${fmt(now, decimals)}` : `${fmt(old, decimals)}\u2192${fmt(now, decimals)}`;
      return { lines: [first, `\u0394 ${fmt(change, decimals)}`], data: { w, grad, old, change, now } };
    }
  }
  const lines = [compact ? fmt(w, decimals) : `w ${fmt(w, decimals)}`];
  if (grad !== undefined) lines.push(compact ? `\u2202 ${fmt(grad, decimals)}` : `\u2202L/\u2202w ${fmt(grad, decimals)}`);
  return { lines, data: { w, grad } };
}

// Whether edge labels must go without their names: the horizontal room between two
// columns' pills (`span`, px) is less than a named label needs at `decimals` digits.
export function compactEdges(span, decimals, font = LABEL_FONT) {
  return span < textWidth(`\u2202L/\u2202w -0.${"0".repeat(decimals)}`, font) + PAD + 10;
}

// The box that fits every label of `labels` (lists of lines), rounded up a little so
// that small changes of the numbers do not move the labels: the labels are placed again
// only when this box changes (a phase adds or changes lines).
export const lineHeight = (font) => Math.round(font * 1.2);

export function commonBox(labels, font = LABEL_FONT) {
  let w = 0;
  let lines = 1;
  for (const list of labels) {
    lines = Math.max(lines, list.length);
    for (const line of list) w = Math.max(w, textWidth(line, font));
  }
  return { w: Math.ceil((w + PAD) / 8) * 8, h: lines * lineHeight(font) + 2 };
}

export function lineBox(lines, font = LABEL_FONT) {
  const w = Math.max(0, ...lines.map((s) => textWidth(s, font)));
  return { w: w + PAD, h: lines.length * lineHeight(font) + 2 };
}

// How much room a node needs above and below its pill, px (one line above, up to two below).
export function nodeRoomNeeded(withBias, font = LABEL_FONT) {
  const h = lineHeight(font);
  return h + 4 + 2 * h + 4 + (withBias ? h : 0);
}

// Label every edge when there are few, else only the focused node's.
export function labelEveryEdge(shownEdges, limit = EDGE_LABEL_LIMIT) {
  return shownEdges <= limit;
}

// --- placement ---------------------------------------------------------------------

// Boxes are {x, y, w, h} with (x, y) the top-left corner.
export function overlapArea(a, b) {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

// From the middle outwards: 0.5, 0.45, 0.55, 0.4, ... 0.15, 0.85.
export const LABEL_CANDIDATES = [0.5, ...Array.from({ length: 7 }, (_, k) => [0.45 - 0.05 * k, 0.55 + 0.05 * k]).flat()];
// The edges of one focused node: each label near the edge's other end, where the node's
// edges are farthest apart (they all meet at the node).
export const NEAR_START = [0.3, 0.24, 0.36, 0.18, 0.42, 0.5, 0.14, 0.58];
export const NEAR_END = NEAR_START.map((t) => 1 - t);

// Where each edge's label goes: a fraction t along its edge, chosen greedily so that the
// label overlaps the labels placed before it and the `obstacles` (node pills and their
// labels) as little as possible, stays inside `bounds`, and sits away from other edges
// (a label on a crossing reads as the wrong edge's). `items`: [{x1, y1, x2, y2, w, h}];
// an item may bring its own `candidates` (fractions along its edge, preferred first).
// The greedy pass runs in a few orders and the best result wins. Returns [{t, x, y,
// box, overlap}] per item, (x, y) the label's centre; `overlap` is the area it still
// shares with other labels, obstacles and the outside (0 when it found a free spot).
export function placeLabels(items, obstacles = [], { candidates = LABEL_CANDIDATES, bounds = null } = {}) {
  const natural = items.map((_, k) => k);
  const length = (it) => Math.hypot(it.x2 - it.x1, it.y2 - it.y1);
  const orders = [natural, [...natural].reverse(), [...natural].sort((a, b) => length(items[a]) - length(items[b]))];
  let best = null;
  for (const order of items.length > 1 ? orders : [natural]) {
    const run = greedy(items, order, obstacles, candidates, bounds);
    if (!best || run.cost < best.cost - 1e-9) best = run;
  }
  return best.spots;
}

function greedy(items, order, obstacles, candidates, bounds) {
  const placed = [];
  const spots = new Array(items.length);
  let total = 0;
  for (const k of order) {
    const item = items[k];
    let best = null;
    for (const [rank, t] of (item.candidates ?? candidates).entries()) {
      const x = item.x1 + (item.x2 - item.x1) * t;
      const y = item.y1 + (item.y2 - item.y1) * t;
      const box = { x: x - item.w / 2, y: y - item.h / 2, w: item.w, h: item.h };
      let overlap = 0;
      for (const other of placed) overlap += overlapArea(box, other);
      for (const other of obstacles) overlap += overlapArea(box, other);
      const outside = bounds ? box.w * box.h - overlapArea(box, bounds) : 0;
      // Other edges passing under the label: it would read as theirs (a crossing). Costs
      // about as much as half covering another label.
      let crowd = 0;
      const clear = item.h / 2 + 6;
      items.forEach((other, m) => {
        if (m === k) return;
        const d = segmentDistance(x, y, other.x1, other.y1, other.x2, other.y2);
        if (d < clear) crowd += (clear - d) * item.w * 0.5;
      });
      const cost = overlap + 2 * outside + crowd + rank * 0.5;
      if (!best || cost < best.cost) best = { t, x, y, box, overlap: overlap + outside, cost };
    }
    placed.push(best.box);
    total += best.cost;
    spots[k] = { t: best.t, x: best.x, y: best.y, box: best.box, overlap: best.overlap };
  }
  return { spots, cost: total };
}
