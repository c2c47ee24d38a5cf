// The diagram's worked numbers (diagram.js): z above each node, a in its pill,
// the step's dL/dz (and the target at the output) below it, w and dL/dw on the edges
// (old -> new during the update), and "loss = ..." by the output once the loss phase ran.
// Built with the diagram (once per topology and mode), then only its text changes per
// frame. The numbers are the snapshot's (the engine's); diagram-numbers.js picks and
// places them. Phase emphasis is CSS: the SVG gets a class phase-<name>, and every node
// and edge its layer as a CSS variable for the layer-by-layer animation delays.
import * as num from "./diagram-numbers.js";
import { textWidth } from "./diagram-layout.js";
import { svgEl } from "../../lib/svg.js";
import { PHASES } from "../chain/phases-order.js";

const PHASE_CLASSES = PHASES.map((phase) => `phase-${phase}`);

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    const text = value === null || value === undefined ? null : String(value);
    if (text === null) {
      if (node.hasAttribute(key)) node.removeAttribute(key);
    } else if (node.getAttribute(key) !== text) node.setAttribute(key, text);
  }
}

const full = (v) => (v === undefined ? null : v === null ? "NaN" : String(v));

export class NumbersOverlay {
  constructor(diagram) {
    this.d = diagram;
    this.view = null;
    this.phase = null;
    this.focusKey = null;
    this.clear();
  }

  clear() {
    this.boxes = {};
    this.layer = null;
    this.nodeLabels = [];
    this.edgeLabels = [];
    this.lossLabel = null;
  }

  get on() {
    return this.d.numbers.on;
  }

  get decimals() {
    return this.d.numbers.decimals;
  }

  // ---- building (after the diagram drew its nodes, edges and biases) ----

  // The labels' font size, px: the theme's (--num-font), so sizes and places fit the text.
  readFont() {
    const font = parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--num-font")) || num.LABEL_FONT;
    return { font, lh: num.lineHeight(font) };
  }

  build(svg, geo) {
    const d = this.d;
    this.clear();
    Object.assign(this, this.readFont());
    this.svg = svg;
    this.geo = geo;
    this.phase = null;
    const n = d.topology.layers.length;
    // Layer numbers as CSS variables: the phase animations run layer by layer.
    d.nodes.forEach((column, l) => column.forEach((node) => {
      node.g.style.setProperty("--layer", l);
      if (l === n - 1) node.g.classList.add("output");
    }));
    for (const edge of d.edges) {
      edge.g.style.setProperty("--layer", edge.l);
      edge.g.style.setProperty("--rev", n - 2 - edge.l);
    }
    this.layer = svgEl("g", { class: "numbers-layer" }, svg);
    this.lossLabel = svgEl("text", { class: "loss-label", "data-testid": "loss-label", "text-anchor": "end",
      "dominant-baseline": "central", display: "none" }, this.layer);
    this.placeLoss();
    if (!this.on) return;
    // Every edge labelled on a small net, when the labels find room (chooseEveryEdge);
    // else only the focused node's.
    this.manyEdges = !num.labelEveryEdge(d.edges.length);
    this.everyEdge = !this.manyEdges;
    this.fitKey = null;
    this.compact = num.compactEdges(geo.gap - geo.pill.w, this.decimals, this.font);
    const room = Math.min(...geo.columns.slice(1).map((c) => c.spacing - c.pillH));
    this.everyNode = room >= num.nodeRoomNeeded(d.biases.some((col) => col?.some((b) => b.label)), this.font);
    svg.classList.toggle("numbers-sparse-nodes", !this.everyNode);
    svg.classList.toggle("numbers-sparse-edges", !this.everyEdge);
    d.nodes.forEach((column, l) => column.forEach((node, i) => this.nodeLabels.push(this.buildNodeLabel(l, i))));
    this.edgeLabels = this.everyEdge ? this.buildEdgeLabels(d.edges) : [];
    this.applyFocus();
  }

  nodeBox(l, i) {
    const col = this.geo.columns[l];
    const w = this.geo.pill.w;
    return { x: col.x - w / 2, y: col.ys[i] - col.pillH / 2, w, h: col.pillH };
  }

  // Where a node's label lines go: the centre of the line above, the first line below.
  nodeLines(l, i) {
    const col = this.geo.columns[l];
    const y = col.ys[i];
    const biasLabel = Boolean(this.d.biases[l]?.[i]?.label);
    return { x: col.x, above: y - col.pillH / 2 - 2 - this.lh / 2,
      below: y + col.pillH / 2 + (biasLabel ? 16 : 2) + this.lh / 2 };
  }

  // What edge labels should not cover: every pill, and the node labels on show.
  nodeObstacles() {
    const boxes = [];
    this.d.nodes.forEach((column, l) => column.forEach((_, i) => boxes.push(this.nodeBox(l, i))));
    for (const label of this.nodeLabels) {
      if (!this.everyNode && !label.g.classList.contains("focus")) continue;
      for (const part of [label.above, label.below]) {
        if (part.box) boxes.push(part.box);
      }
    }
    return boxes;
  }

  buildNodeLabel(l, i) {
    const at = this.nodeLines(l, i);
    const g = svgEl("g", { class: "num node-num", "data-testid": `num-node-${l}-${i}`, "data-for": `node-${l}-${i}` }, this.layer);
    const part = (y, lines, className) => {
      const rect = svgEl("rect", { class: "num-bg", rx: 3 }, g);
      const text = svgEl("text", { class: `num-text ${className}`, "text-anchor": "middle", "dominant-baseline": "central" }, g);
      const spans = Array.from({ length: lines }, (_, k) => svgEl("tspan", { x: at.x, y: y + k * this.lh }, text));
      return { rect, text, spans, y };
    };
    return { g, l, i, x: at.x, above: part(at.above, 1, "num-z"), below: part(at.below, 2, "num-below") };
  }

  // Labels for `edges` (the diagram's edge records); paintEdges places them.
  buildEdgeLabels(edges) {
    this.placedShape = null;
    return edges.map((edge) => {
      const g = svgEl("g", { class: "num edge-num", "data-testid": `num-${edge.g.dataset.testid}`,
        "data-for": edge.g.dataset.testid }, this.layer);
      const rect = svgEl("rect", { class: "num-bg", rx: 3 }, g);
      const text = svgEl("text", { class: "num-text", "text-anchor": "middle", "dominant-baseline": "central" }, g);
      const spans = [0, 1].map((line) => svgEl("tspan", { class: line ? "num-grad" : "num-w" }, text));
      return { g, rect, text, spans, edge, x: 0, y: 0, lines: [] };
    });
  }

  // Spots for labels of `size` on `edges` (overlapping as little as can be, with a few
  // px to spare around each: labels that touch read as one block) and their total overlap.
  spotsFor(edges, size) {
    const cols = this.geo.columns;
    const half = this.geo.pill.w / 2;
    const box = { w: size.w + 6, h: size.h + 6 };
    const focus = this.everyEdge ? null : this.focusNode;
    const items = edges.map((e) => ({ x1: cols[e.l].x + half, y1: cols[e.l].ys[e.i],
      x2: cols[e.l + 1].x - half, y2: cols[e.l + 1].ys[e.j], w: box.w, h: box.h,
      candidates: !focus ? undefined : e.l === focus.l ? num.NEAR_END : num.NEAR_START }));
    const top = this.geo.headerY + 18;
    const bounds = { x: 0, y: top, w: this.geo.width, h: this.geo.footerY - 12 - top };
    const spots = num.placeLabels(items, this.nodeObstacles(), { bounds });
    return { spots, overlap: spots.reduce((sum, spot) => sum + spot.overlap, 0) };
  }

  placeEdgeLabels(size) {
    const { spots } = this.spotsFor(this.edgeLabels.map((label) => label.edge), size);
    this.edgeLabels.forEach((label, k) => {
      label.x = spots[k].x;
      label.y = spots[k].y;
      for (const span of label.spans) setAttrs(span, { x: label.x.toFixed(1) });
    });
  }

  // A small net labels every edge if the labels find room: named ("w 0.8000"), else bare
  // ("0.8000", the footer says which line is which), else only the focused node's edges.
  // Decided again when the labels' lines or the node labels around them change.
  chooseEveryEdge(view, snap) {
    const edges = this.d.edges;
    const lines = (compact) => edges.map(({ l, i, j }) => num.edgeLabel(view, snap.params, l, i, j, this.decimals, compact).lines);
    const named = this.stable("fit", num.commonBox(lines(this.compact), this.font));
    const key = `${named.w}x${named.h}|${this.nodeShape(false)}`;
    if (key === this.fitKey) return;
    this.fitKey = key;
    const fits = (size, share) => this.spotsFor(edges, size).overlap <= share * size.w * size.h;
    let every = true;
    let squeezed = false;
    const wasEvery = this.everyEdge;
    this.everyEdge = true;  // spotsFor places every edge without a focus
    if (!fits(named, 0.04)) {
      squeezed = !this.compact;
      every = squeezed && fits(num.commonBox(lines(true), this.font), 0.1);
    }
    this.everyEdge = every;
    this.squeezed = every && squeezed;
    this.svg.classList.toggle("numbers-sparse-edges", !every);
    if (every && (!wasEvery || this.edgeLabels.length !== edges.length)) {
      for (const label of this.edgeLabels) label.g.remove();
      this.edgeLabels = this.buildEdgeLabels(edges);
      this.applyFocus({ paint: false });
    } else if (!every && wasEvery) {
      this.applyFocus({ paint: false });
    }
  }

  // A label box that only grows while its number of lines stays (until the next build):
  // numbers that change width from frame to frame (a minus sign) must not move the labels.
  stable(slot, box) {
    this.boxes ??= {};
    const last = this.boxes[slot];
    const out = last && last.h === box.h ? { w: Math.max(last.w, box.w), h: box.h } : box;
    this.boxes[slot] = out;
    return out;
  }

  // The node labels' shape (which lines show), for knowing when to place edge labels again.
  nodeShape(withFocus = true) {
    return this.nodeLabels.map((n) => `${n.above.box ? 1 : 0}${n.below.box ? Math.round(n.below.box.h) : 0}` +
      (withFocus && n.g.classList.contains("focus") ? "f" : "")).join();
  }

  placeLoss() {
    const { geo, d } = this;
    const l = geo.columns.length - 1;
    const col = geo.columns[l];
    if (!col?.ys.length) return;
    const last = col.ys.length - 1;
    const biasLabel = Boolean(d.biases[l]?.[last]?.label);
    const below = this.on ? (biasLabel ? 16 : 2) + 2 * this.lh + 12 : (biasLabel ? 16 : 2) + 12;
    const y = Math.min(col.ys[last] + col.pillH / 2 + below, geo.footerY - 16);
    setAttrs(this.lossLabel, { x: geo.width - 4, y: y.toFixed(1) });
  }

  // ---- focus: what a sparse overlay labels (the hovered, else the selected element) ----

  setFocus(testid) {
    if (testid === this.focusKey) return;
    this.focusKey = testid;
    if (this.on) this.applyFocus();
  }

  // `paint`: paint new focus labels at once (not when paintEdges itself asks).
  applyFocus({ paint = true } = {}) {
    const d = this.d;
    const key = this.focusKey ?? "";
    const parts = key.split("-").slice(1).map(Number);
    const nodes = new Set();
    let edges = [];
    let focusNode = null;
    if (key.startsWith("node-") || key.startsWith("bias-")) {
      const [l, i] = parts;
      nodes.add(`${l}-${i}`);
      focusNode = { l, i };
      edges = d.edges.filter((e) => (e.l === l && e.i === i) || (e.l + 1 === l && e.j === i));
    } else if (key.startsWith("edge-")) {
      const [l, i, j] = parts;
      nodes.add(`${l}-${i}`).add(`${l + 1}-${j}`);
      edges = d.edges.filter((e) => e.l === l && e.i === i && e.j === j);
    }
    for (const label of this.nodeLabels) label.g.classList.toggle("focus", nodes.has(`${label.l}-${label.i}`));
    // A big net: the focused element's edges stand out, the others fade.
    const chosen = new Set(edges);
    this.svg.classList.toggle("num-focus", !this.everyEdge && chosen.size > 0);
    for (const edge of this.focusEdges ?? []) if (!chosen.has(edge)) edge.g.classList.remove("focus-edge");
    if (!this.everyEdge) for (const edge of chosen) edge.g.classList.add("focus-edge");
    this.focusEdges = chosen;
    this.focusNode = focusNode;
    if (this.everyEdge) {
      for (const label of this.edgeLabels) label.g.classList.toggle("focus", edges.includes(label.edge));
      return;
    }
    for (const label of this.edgeLabels) label.g.remove();
    this.edgeLabels = this.buildEdgeLabels(edges);
    for (const label of this.edgeLabels) label.g.classList.add("focus");
    if (paint && d.snap) this.paintEdges(d.snap);
  }

  // ---- per frame ----

  // The numbers of this frame (diagram.js paints the pills from it before paint() runs).
  viewOf(snap) {
    this.view = num.numberView(snap);
    return this.view;
  }

  // `fresh`: the first paint after a build or a theme change.
  paint(snap, fresh = false) {
    if (fresh && this.on && this.readFont().font !== this.font) {
      this.d.build(this.d.topology);  // another theme, another label size: lay them out again
      return;
    }
    const view = this.view ?? this.viewOf(snap);
    this.paintPhase(snap);
    this.paintLoss(snap, view);
    if (!this.on) return;
    const n = this.d.topology.layers.length;
    for (const label of this.nodeLabels) {
      const { above, below, data } = num.nodeLabel(view, label.l, label.i, n, this.decimals);
      this.fillPart(label.above, above, label.x);
      this.fillPart(label.below, below, label.x);
      setAttrs(label.g, { "data-x": full(data.x), "data-z": full(data.z), "data-a": full(data.a), "data-grad": full(data.grad) });
    }
    this.paintEdges(snap);
    this.paintFooter(view);
  }

  fillPart(part, lines, x) {
    part.spans.forEach((span, k) => {
      setText(span, lines[k] ?? "");
      setAttrs(span, { class: lines[k]?.startsWith("\u2202") ? "num-grad" : null });  // gradients in their colour
    });
    if (!lines.length) {
      part.box = null;
      setAttrs(part.rect, { display: "none" });
      return;
    }
    const size = num.lineBox(lines, this.font);
    // Inside the drawing: the first and last columns' labels move inwards if need be.
    const cx = Math.min(Math.max(x, size.w / 2 + 1), this.geo.width - size.w / 2 - 1);
    for (const span of part.spans) setAttrs(span, { x: cx.toFixed(1) });
    part.box = { x: cx - size.w / 2, y: part.y - this.lh / 2 - 1, w: size.w, h: size.h };
    setAttrs(part.rect, { display: null, x: part.box.x.toFixed(1), y: part.box.y.toFixed(1),
      width: size.w.toFixed(1), height: size.h.toFixed(1) });
  }

  paintEdges(snap) {
    const view = this.view ?? this.viewOf(snap);
    if (!this.manyEdges) this.chooseEveryEdge(view, snap);
    const bare = this.compact || (this.everyEdge && this.squeezed);
    const shown = this.edgeLabels.map(({ edge: { l, i, j } }) => num.edgeLabel(view, snap.params, l, i, j, this.decimals, bare));
    // Placed again only when the labels' size or the node labels around them change.
    const box = this.stable("shown", num.commonBox(shown.map((out) => out.lines), this.font));
    const shape = `${box.w}x${box.h}|${this.edgeLabels.length}|${this.nodeShape()}`;
    if (shape !== this.placedShape) {
      this.placedShape = shape;
      this.placeEdgeLabels(box);
    }
    this.edgeLabels.forEach((label, k) => {
      const { lines, data } = shown[k];
      label.lines = lines;
      setAttrs(label.g, { "data-weight": full(data.w), "data-grad": full(data.grad), "data-old": full(data.old),
        "data-change": full(data.change), "data-new": full(data.now) });
    });
    for (const label of this.edgeLabels) {
      const { lines } = label;
      label.spans.forEach((span, k) => setText(span, lines[k] ?? ""));
      const two = lines.length > 1;
      setAttrs(label.spans[0], { y: (label.y - (two ? this.lh / 2 : 0)).toFixed(1) });
      setAttrs(label.spans[1], { y: (label.y + this.lh / 2).toFixed(1) });
      const own = num.lineBox(lines, this.font);
      setAttrs(label.rect, { x: (label.x - own.w / 2).toFixed(1), y: (label.y - own.h / 2).toFixed(1),
        width: own.w.toFixed(1), height: own.h.toFixed(1) });
    }
  }

  paintPhase(snap) {
    const phase = snap.playing ? null : snap.phase ?? null;
    if (phase === this.phase) return;
    this.phase = phase;
    this.svg.classList.remove(...PHASE_CLASSES);
    if (phase) this.svg.classList.add(`phase-${phase}`);
  }

  paintLoss(snap, view) {
    const show = !snap.playing && view.loss !== null && (this.on || view.phase === "loss" || view.phase === "backward");
    setAttrs(this.lossLabel, { display: show ? null : "none", "data-value": show ? full(view.loss) : null });
    // Drawn last, over the edge labels that may reach under it.
    if (show && this.lossLabel.nextSibling) this.layer.append(this.lossLabel);
    if (show) setText(this.lossLabel, `${view.lossName} = ${num.fmt(view.loss, this.on ? this.decimals : 4)}`);
  }

  paintFooter(view) {
    const footer = this.d.footer;
    if (!footer) return;
    const first = `numbers: ${view.sample}`;
    const parts = [];
    if (view.deltas) parts.push(`\u2202L/\u2202z for ${view.source === "batch" ? "that sample" : view.sample}`);
    const bare = this.compact || (this.everyEdge && this.squeezed);
    if (view.phase === "update" && view.update) parts.push(bare ? "edges: new w, \u0394 below" : "edges: old\u2192new w, \u0394 the change");
    else if (view.grads) parts.push(bare ? "edges: w, \u2202L/\u2202w (batch) below" : "\u2202L/\u2202w for the batch");
    else if (bare) parts.push("edges: w");
    const sparse = this.everyEdge ? [] : ["too many edges to label at once: hover or select a node for its edges' numbers",
      "hover or select a node for its edges' numbers"];
    const width = this.geo.width - 8;
    const choices = [[first, ...parts, ...sparse.slice(0, 1)], [first, ...parts, ...sparse.slice(1)], [first, ...sparse.slice(1)], [first]]
      .map((list) => list.join(" \u00b7 "));
    setText(footer, choices.find((c) => textWidth(c, 10) < width) ?? first);
  }
}
