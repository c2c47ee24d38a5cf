// Pure layout maths for the network diagram (diagram.js): which units of a layer
// are drawn, where every node goes, how the layer headers read, and how big things are.
// No DOM here, so node's test runner can check it (tests/js/views/diagram/diagram-layout.test.mjs).

export const UNIT_CAP = 16;     // a layer wider than this shows its first 16 units + "+N more"
export const HEADER_FONT = 11;  // px, layer headers
const HEADER_HEIGHT = 38;       // two header lines
const FOOTER_HEIGHT = 18;       // the "values for probe sample 0" caption
const MIN_SPACING = 48;         // vertical distance between nodes when there is room...
const MAX_BODY = 430;           // tallest the columns get before nodes are packed closer
const MIN_BODY = 150;

// How many of a layer's `size` units are drawn, and how many hide behind "+N more".
// `available` is what the snapshot carries for that layer (snapshot.shown_units[l]);
// an expanded layer draws all of those.
export function visibleCount(size, { cap = UNIT_CAP, expanded = false, available = size } = {}) {
  const limit = Math.max(0, Math.min(size, available ?? size));
  const count = expanded ? limit : Math.min(limit, cap);
  return { count, more: size - count };
}

// True when clicking "+N more" can draw more units than now (else it opens the unit list).
export function canExpand(size, available, { cap = UNIT_CAP, expanded = false } = {}) {
  return !expanded && Math.min(size, available ?? size) > cap;
}

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

// Small nets get room to breathe (and for their weight and bias labels); `roomy` (the
// worked-numbers mode) leaves room for a line of numbers above and two below each node.
export function idealSpacing(items, roomy = false) {
  if (items <= 4) return roomy ? 100 : 72;
  if (items <= 8) return roomy ? 76 : 54;
  return MIN_SPACING;
}
const ROOMY_MAX_BODY = 540;

// Node and column positions. `columns` is [{count, more, extra}] per layer (0 = inputs;
// extra: draw a "+N more"/"show fewer" node, by default when more > 0); `width`
// is the SVG's width in px; `roomy`: more room between nodes (see idealSpacing); `left`:
// px kept free left of the input column (the feature switches and input thumbnails);
// `minBody`: the least height of the nodes' part (px), for what sits beside it.
// Returns {width, height, pill: {w, h}, font, columns: [{x,
// spacing, ys: [y per unit], moreY (null without "+N more"), pillH}], headerY, bodyY
// (where the nodes' part starts), footerY}.
export function layoutDiagram(columns, width, { roomy = false, left = 0, minBody = 0 } = {}) {
  const n = columns.length;
  const items = columns.map((c) => c.count + ((c.extra ?? c.more > 0) ? 1 : 0));
  const roughGap = width / Math.max(1, n);
  // Many columns: wider pills (shorter edges) so the values still fit inside them.
  const pillW = clamp(roughGap * (n >= 6 ? 0.6 : 0.46), 16, 58);
  const marginX = pillW / 2 + 12;  // room for the bias mark on the left of a pill
  const gap = n > 1 ? (width - left - 2 * marginX) / (n - 1) : 0;
  // The body is as tall as the fullest collapsed-size column needs, within limits; a
  // longer (expanded) column packs its nodes closer instead of growing the drawing.
  const fullest = Math.max(...items.map((k) => Math.min(k, UNIT_CAP + 1)));
  const ideal = idealSpacing(fullest, roomy);
  const body = Math.max(minBody, clamp(fullest * ideal, MIN_BODY, roomy ? ROOMY_MAX_BODY : MAX_BODY));
  const top = HEADER_HEIGHT + 4;
  const out = columns.map((column, l) => {
    const extra = column.extra ?? column.more > 0;
    const k = column.count + (extra ? 1 : 0);
    let spacing = Math.min(ideal, body / Math.max(1, k));
    // "+N more" needs about 22 px even where the units are packed closer.
    const moreSpace = extra ? Math.max(spacing, 22) : 0;
    if (extra && column.count) spacing = Math.min(spacing, (body - moreSpace) / column.count);
    const total = spacing * column.count + moreSpace;
    const start = top + (body - total) / 2 + spacing / 2;
    const ys = Array.from({ length: column.count }, (_, i) => start + i * spacing);
    const moreY = extra ? start + (column.count - 0.5) * spacing + moreSpace / 2 : null;
    const pillH = clamp(spacing * 0.62, 3, 22);
    return { x: n > 1 ? left + marginX + l * gap : width / 2, spacing, ys, moreY, pillH };
  });
  return {
    width,
    height: top + body + FOOTER_HEIGHT + 6,
    gap,
    pill: { w: pillW, h: Math.max(...out.map((c) => c.pillH)) },
    columns: out,
    headerY: 14,
    bodyY: top,
    footerY: top + body + FOOTER_HEIGHT,
  };
}

// Text fits in a pill of this size (else only the colour shows; hover still tells).
export function pillFont(pillW, pillH) {
  const font = Math.min(12, pillH * 0.6, pillW / 3.6);
  return font >= 8 ? font : 0;
}

// "b=0.123" under a node, and weight values on edges, only where there is room.
export function biasLabelFits(spacing, pillH, gap) {
  return spacing - pillH >= 16 && gap >= 80;
}

// Weight values on the edges: only for tiny nets (every pair of layers at most 6 edges),
// else they pile up; hover tells every weight anyway. `counts`: drawn units per layer.
export function edgeLabelsFit(gap, counts) {
  if (gap < 150 || counts.length < 2) return false;
  return counts.slice(1).every((k, l) => counts[l] * k <= 6);
}

function unitsText(size) {
  return `${size} unit${size === 1 ? "" : "s"}`;
}

// A layer's name: "inputs", "hidden 2 (tanh)", "output (sigmoid)".
export function layerName(l, nLayers, activation) {
  if (l === 0) return "inputs";
  if (l === nLayers - 1) return `output (${activation})`;
  return `hidden ${l} (${activation})`;
}

// The header's two lines, the longest version that fits in `maxWidth` px; the last
// version always fits in spirit (it is as short as it gets).
export function headerLines(l, nLayers, activation, size, maxWidth, font = HEADER_FONT) {
  const role = l === 0 ? "inputs" : l === nLayers - 1 ? "output" : `hidden ${l}`;
  const short = l === 0 ? "in" : l === nLayers - 1 ? "out" : `h${l}`;
  const tiers = [
    [layerName(l, nLayers, activation), unitsText(size)],
    l === 0 ? ["inputs", `${size}`] : [role, `${activation} \u00b7 ${size}`],
    l === 0 ? ["in", `${size}`] : [short, `${activation}`.slice(0, 4) + ` ${size}`],
    [short, `${size}`],
  ];
  const fits = (lines) => Math.max(...lines.map((s) => textWidth(s, font))) <= maxWidth;
  return tiers.find(fits) ?? tiers[tiers.length - 1];
}

// A rough width of text in a sans-serif font: enough to decide what fits.
export function textWidth(text, font) {
  return text.length * font * 0.58;
}

// Where a header sits and how it is anchored: the first and last columns read inward so
// nothing is clipped at the SVG's edges. Returns {x, anchor, maxWidth}.
export function headerPlacement(l, n, x, gap, width) {
  if (n === 1) return { x, anchor: "middle", maxWidth: width - 8 };
  if (l === 0) return { x: 4, anchor: "start", maxWidth: Math.max(x - 4 + gap / 2 - 6, 20) };
  if (l === n - 1) return { x: width - 4, anchor: "end", maxWidth: Math.max(width - 4 - (x - gap / 2) - 6, 20) };
  return { x, anchor: "middle", maxWidth: gap - 8 };
}

// The aria-label: "Neural network 2-3-1: 2 inputs, hidden layer 1 with 3 sigmoid units,
// 1 linear output unit."
export function summary(layers, activations) {
  const parts = [`${layers[0]} input${layers[0] === 1 ? "" : "s"}`];
  for (let l = 1; l < layers.length - 1; l += 1) {
    parts.push(`hidden layer ${l} with ${layers[l]} ${activations[l - 1]} unit${layers[l] === 1 ? "" : "s"}`);
  }
  const out = layers[layers.length - 1];
  if (layers.length > 1) {
    parts.push(`${out} ${activations[layers.length - 2]} output unit${out === 1 ? "" : "s"}`);
  }
  return `Neural network ${layers.join("-")}: ${parts.join(", ")}.`;
}

// A point a fraction `t` along the segment from (x1, y1) to (x2, y2).
export function along(x1, y1, x2, y2, t) {
  return [x1 + (x2 - x1) * t, y1 + (y2 - y1) * t];
}

// The hit area around an edge: a band `width` px wide along the segment, as polygon points.
export function bandPoints(x1, y1, x2, y2, width) {
  const length = Math.hypot(x2 - x1, y2 - y1) || 1;
  const nx = (-(y2 - y1) / length) * (width / 2);
  const ny = ((x2 - x1) / length) * (width / 2);
  const f = (v) => v.toFixed(1);
  return [[x1 + nx, y1 + ny], [x2 + nx, y2 + ny], [x2 - nx, y2 - ny], [x1 - nx, y1 - ny]]
    .map(([x, y]) => `${f(x)},${f(y)}`).join(" ");
}

// An invisible segment that lengthens an edge's bounding box so that the box is centred
// at fraction `t` along the edge instead of at its midpoint: edges of a symmetric layout
// cross at their midpoints, and tools (and people) aiming at a box's centre would hit the
// wrong edge there. Returns [xa, ya, xb, yb]: from the edge's end to the anchor's far end.
export function anchorSegment(x1, y1, x2, y2, t) {
  if (t <= 0.5) return [...along(x1, y1, x2, y2, 2 * t - 1), x1, y1];
  return [x2, y2, ...along(x1, y1, x2, y2, 2 * t)];
}

export const ANCHOR_CANDIDATES = [0.35, 0.2, 0.5, 0.65, 0.27, 0.42, 0.8, 0.12,
  0.3, 0.23, 0.46, 0.58, 0.72, 0.16, 0.39, 0.54, 0.69, 0.76];

// For the edges between two columns (`edges` is [[x1, y1, x2, y2]]), the fraction along
// each edge where it is farthest from every other edge, preferring the earlier candidates
// once `enough` px clear. Costs edges^2 x candidates: callers skip dense pairs.
export function pickAnchors(edges, { candidates = ANCHOR_CANDIDATES, enough = 10 } = {}) {
  return edges.map(([x1, y1, x2, y2], k) => {
    let best = candidates[0];
    let bestGap = -1;
    for (const t of candidates) {
      const [px, py] = along(x1, y1, x2, y2, t);
      let gap = Infinity;
      for (let m = 0; m < edges.length && gap > bestGap; m += 1) {
        if (m !== k) gap = Math.min(gap, segmentDistance(px, py, ...edges[m]));
      }
      if (gap >= enough) return t;
      if (gap > bestGap) [best, bestGap] = [t, gap];
    }
    return best;
  });
}

// Distance from the point (px, py) to the segment from (x1, y1) to (x2, y2).
export function segmentDistance(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const length2 = dx * dx + dy * dy;
  const t = length2 ? Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / length2)) : 0;
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}
