// Drawing the data on the output plane, its pure part (heatmap-editor.js holds the DOM):
// which points there are and what they mean, plane <-> canvas coordinates, which point a
// press is on, what a gesture (press, moves, release) or a key at the keyboard cursor does
// to the points, and the rows a set of points is sent as. No DOM
// (tests/js/views/heatmap/heatmap-edit.test.mjs).
import { MARGIN, PLOT } from "./heatmap-model.js";

export const HIT_RADIUS = 9;        // CSS px: a press this close to a point is on it
export const TOUCH_RADIUS = 16;     // ... with a finger, which covers more than a pointer
export const DRAG_SLOP = 4;         // CSS px a press moves before it is a drag, not a tap
export const CURSOR_STEPS = 24;     // the keyboard cursor crosses the plane in this many steps
export const MAX_SHOWN = 2000;      // the server sends at most this many points of a set (app/frames.py)

// Coordinates go to the server rounded: three decimals is finer than a pixel of the plane,
// and keeps the config (and an address or export holding it) short.
const round = (v) => Math.round(v * 1000) / 1000;

// A point of the plane -> CSS px on the canvas (as HeatmapModel.toPx).
export function toPx([x, y], [[x0, x1], [y0, y1]]) {
  return [MARGIN.left + ((x - x0) / (x1 - x0)) * PLOT, MARGIN.top + PLOT - ((y - y0) / (y1 - y0)) * PLOT];
}

// CSS px on the canvas -> the point of the plane there, kept inside the plane (a press on
// the margin puts the point on the edge), rounded.
export function fromPx(px, py, [[x0, x1], [y0, y1]]) {
  const u = Math.min(1, Math.max(0, (px - MARGIN.left) / PLOT));
  const v = Math.min(1, Math.max(0, (MARGIN.top + PLOT - py) / PLOT));
  return [round(x0 + u * (x1 - x0)), round(y0 + v * (y1 - y0))];
}

// What a topology's training points are, for editing: [{at: [x, y], value}] (value: a
// class number, or a regression target), the kind of value, the classes, and whether
// they can be edited here (`why` not, when not).
export function editablePoints(topology) {
  const train = topology?.points?.train;
  const dataset = topology?.dataset ?? {};
  const outputs = topology?.layers?.[topology.layers.length - 1] ?? 0;
  const classes = dataset.kind === "classification" ? (dataset.n_classes ?? 2) : null;
  const base = { points: [], kind: classes ? "classes" : "target", classes };
  // The topology sends points for a plane's own 2-D rows only: they are drawn as they
  // are, whatever features of them the network sees (its input layer may be wider).
  if (!train || !Array.isArray(dataset.domain)) return { ...base, why: "the data is not a plane" };
  if ((dataset.n_train ?? 0) > MAX_SHOWN) {
    return { ...base, why: `only ${MAX_SHOWN.toLocaleString("en")} of its ${dataset.n_train.toLocaleString("en")} points are shown` };
  }
  if (!classes && outputs !== 1) return { ...base, why: "a target per point needs a single output" };
  const points = train.x.map((at, i) => ({
    at: [at[0], at[1]],
    value: classes ? (train.labels?.[i] ?? Math.round(train.targets[i][0])) : train.targets[i][0],
  }));
  return { ...base, points, why: null };
}

// The index of the point nearest to (px, py) within `radius` CSS px, or -1.
export function hitTest(points, px, py, domain, radius = HIT_RADIUS) {
  let best = -1;
  let bestDistance = radius * radius;
  points.forEach((point, i) => {
    const [qx, qy] = toPx(point.at, domain);
    const d = (qx - px) ** 2 + (qy - py) ** 2;
    if (d <= bestDistance) {
      best = i;
      bestDistance = d;
    }
  });
  return best;
}

// One press, from pointerdown to pointerup: on a point, a tap removes it and a drag moves
// it; on empty space, a tap adds a point there (a drag there is nothing: a change of mind).
// The points are only read: `end` returns the edit, for applyEdit.
export class Gesture {
  constructor(points, domain, px, py, radius = HIT_RADIUS) {
    this.domain = domain;
    this.start = [px, py];
    this.index = hitTest(points, px, py, domain, radius);
    this.dragging = false;
    this.at = null;             // where a dragged point is now (plane coordinates)
  }

  // The pointer moved: the dragged point's new place, or null when nothing is dragged.
  move(px, py) {
    if (!this.dragging && Math.hypot(px - this.start[0], py - this.start[1]) > DRAG_SLOP) this.dragging = true;
    if (!this.dragging || this.index < 0) return null;
    this.at = fromPx(px, py, this.domain);
    return this.at;
  }

  // The pointer was let go: {kind: "add", at} | {kind: "remove", index} |
  // {kind: "move", index, at} | null (nothing to do).
  end(px, py) {
    this.move(px, py);
    if (this.index >= 0) {
      return this.dragging ? { kind: "move", index: this.index, at: this.at } : { kind: "remove", index: this.index };
    }
    return this.dragging ? null : { kind: "add", at: fromPx(px, py, this.domain) };
  }
}

// The points after an edit (a new array; `value` is what an added point gets: the picked
// class or target); "clear" empties them.
export function applyEdit(points, edit, value) {
  switch (edit?.kind) {
    case "add": return [...points, { at: edit.at, value }];
    case "remove": return points.filter((_, i) => i !== edit.index);
    case "move": return points.map((p, i) => (i === edit.index ? { ...p, at: edit.at } : p));
    case "clear": return [];
    default: return points;
  }
}

// The keyboard cursor after an arrow key (null for another key): a step is 1/CURSOR_STEPS
// of the plane, four with Shift; it stays on the plane.
export function moveCursor([x, y], key, [[x0, x1], [y0, y1]], big = false) {
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
  const move = moves[key];
  if (!move) return null;
  const k = (big ? 4 : 1) / CURSOR_STEPS;
  const clamp = (v, lo, hi) => round(Math.min(hi, Math.max(lo, v)));
  return [clamp(x + move[0] * k * (x1 - x0), x0, x1), clamp(y + move[1] * k * (y1 - y0), y0, y1)];
}

// Enter or Space at the cursor: removes the point under it, else adds one there.
export function editAtCursor(points, cursor, domain, radius = HIT_RADIUS) {
  const [px, py] = toPx(cursor, domain);
  const index = hitTest(points, px, py, domain, radius);
  return index >= 0 ? { kind: "remove", index } : { kind: "add", at: cursor };
}

// The body of PUT /api/sessions/{id}/data (and the socket's `data` command) for points.
export function rowsBody(points, kind) {
  const inputs = points.map((p) => p.at);
  return kind === "classes"
    ? { inputs, labels: points.map((p) => p.value) }
    : { inputs, targets: points.map((p) => [p.value]) };
}

// The points in the form the topology sends them ({x, targets, labels}), for drawing a
// draft the server has not answered yet.
export function asTopologyPoints(points, kind, classes) {
  const labels = kind === "classes" ? points.map((p) => p.value) : null;
  const targets = points.map((p) => (kind !== "classes" ? [p.value]
    : classes > 2 ? Array.from({ length: classes }, (_, k) => (k === p.value ? 1 : 0)) : [p.value]));
  return { x: points.map((p) => p.at), targets, labels };
}

// What the screen reader hears of the cursor: where it is, and what Enter would do.
export function cursorLabel(points, cursor, domain, kind) {
  const [px, py] = toPx(cursor, domain);
  const index = hitTest(points, px, py, domain);
  const where = `cursor at (${cursor[0]}, ${cursor[1]})`;
  if (index < 0) return `${where}: Enter adds a point`;
  const what = kind === "classes" ? `class ${points[index].value}` : `target ${points[index].value}`;
  return `${where}, on a point of ${what}: Enter removes it`;
}
