// The network diagram: one SVG column per layer, built once per topology and only
// restyled per frame. Nodes show the probe sample 0's activation (colour and number),
// edges the weights (sign colour, dashed when negative, width by |w|), small squares the
// biases. Hover (or focus) explains, click on a weight or bias edits it, click on a node
// (or shift/alt-click, a long press, or a tap in inspect mode on a weight or bias) selects it:
//   app.bus.emit("select", {kind: "neuron", layer: L, i: unit, j: null})   L = 0 for inputs
//   app.bus.emit("select", {kind: "weight", layer: L + 1, i, j})  W{L+1}[i][j], as /explain/weight
//   app.bus.emit("select", {kind: "bias", layer: L, i: null, j})  b{L}[j]
// Layout maths: diagram-layout.js; colours and change bookkeeping: diagram-paint.js.
// On a plane, each input node is named by its feature (x1, x1^2, ...: the config's
// `features`) and shows its thumbnail, the feature's value over the plane (the grid's
// `features`); the feature switches (features/features.js) sit left of the inputs, in the
// diagram's host, and keep their place when the diagram is built again.
// Worked-numbers mode (app.bus "numbers": {on, decimals}, from numbers.js) and the phase
// emphasis: diagram-overlay.js and diagram-numbers.js. A "select" from elsewhere (the
// formula panel's lessons, the console) marks the element selected here too.
// By keyboard the diagram is one tab stop: the arrow keys move between nodes, weights and
// biases (diagram-keys.js), Enter edits a weight or bias (selects a node), Space selects.
// Inspect mode (bus "inspect": {on}, the toggle in inspect.js) makes a click or tap on a
// weight or bias select it instead of editing, for pointers without Shift or Alt.
import { activationRange, edgeDash, edgeWidth, maxAbs, rangeColor } from "../../lib/scales.js";
import { parseColor, parseRgb, rgb } from "../../lib/color.js";
import { palette } from "../../shell/theme.js";
import * as lay from "./diagram-layout.js";
import * as paint from "./diagram-paint.js";
import { describe, elementName, paramName, short, valueText } from "./diagram-text.js";
import { openEditor } from "./diagram-editor.js";
import { UnitList } from "./diagram-list.js";
import { Tooltip } from "./diagram-tooltip.js";
import { NumbersOverlay } from "./diagram-overlay.js";
import { fmt as fmtNumber } from "./diagram-numbers.js";
import { MOVES, nextElement } from "./diagram-keys.js";
import { fitNumber } from "../../lib/format.js";
import { svgEl } from "../../lib/svg.js";
import { inputNames, prettyFeature } from "../features/features-model.js";
import { thumbnailURLs } from "../features/feature-thumbs.js";

const EDGE_BUDGET = 700;  // edges restyled per frame at most (the rest on the next frames)
const LONG_PRESS_MS = 550; // a press this long on a weight or bias selects it (no editor)
const TOUCH_TARGET = 24;   // px: the least hit area of a node or bias where there is room
const CHAR_WIDTH = 0.58;   // an average digit's width per px of font size (as lay.textWidth)

const LABEL_CHARS = 6;     // an edge's or bias's label has room for "-0.000"
const THUMB = 26;          // px: the most an input's feature thumbnail takes

// A value for a pill or label (diagram-text.js short) in at most `chars` characters.
const shortFit = (v, chars) => {
  const text = short(v);
  return text.length <= chars ? text : fitNumber(v, 3, chars);
};

// setAttribute only when the value changed: most frames change few of them.
function setAttr(node, name, value, cache) {
  if (cache[name] === value) return;
  cache[name] = value;
  if (value === null) node.removeAttribute(name);
  else node.setAttribute(name, value);
}

// `host`: where it draws; the compare view mounts a diagram per run in its own hosts.
export function mount(app, host = document.getElementById("diagram")) {
  if (!host) return null;
  const view = new Diagram(app, host);
  app.bus.on("topology", (topology) => view.build(topology));
  app.bus.on("snapshot", (snap) => view.update(snap));
  app.bus.on("theme", () => view.retheme());
  app.bus.on("highlight", ({ units = [] } = {}) => highlight(host, units));
  app.bus.on("numbers", (numbers) => view.setNumbers(numbers));
  app.bus.on("select", (detail) => view.showSelected(detail));
  app.bus.on("inspect", ({ on } = {}) => view.setInspect(on));
  if (app.topology) view.build(app.topology);
  return view;
}

// Point at the units a diagnostic is about (layer from 1, as the node test ids count).
function highlight(host, units) {
  for (const node of host.querySelectorAll(".node.flagged")) node.classList.remove("flagged");
  for (const [layer, unit] of units) {
    host.querySelector(`[data-testid="node-${layer}-${unit}"]`)?.classList.add("flagged");
  }
}

class Diagram {
  constructor(app, host) {
    this.app = app;
    this.host = host;
    this.topology = null;
    this.snap = null;
    this.change = null;      // what the last update did (diagram-paint.js nextChange)
    this.expanded = new Set();
    this.selected = null;    // testid of the selected element
    this.builtWidth = 0;
    this.edgeCursor = 0;
    this.catchUp = null;
    this.colors = null;
    this.tooltip = new Tooltip();
    this.list = new UnitList(this);
    this.numbers = { on: false, decimals: 4, ...(app.numbers ?? {}) };
    this.overlay = new NumbersOverlay(this);
    this.hovered = null;     // testid under the pointer (numbers mode labels it)
    this.footer = null;
    this.inspect = app.inspect === true;  // a click on a weight or bias selects it
    this.focused = null;     // testid of the element with the diagram's one tab stop
    this.press = null;       // a long press in progress: {timer, x, y}
    this.pressed = false;    // a long press just selected: the click that follows is not an edit
    this.coarse = window.matchMedia?.("(pointer: coarse)").matches ?? false;
    this.thumbSource = null; // the grid's feature thumbnails (packed) that `thumbURLs` paints
    this.thumbURLs = null;   // their image addresses by feature name
    this.thumbs = [];        // the input nodes' <image> elements, by input unit
    new ResizeObserver(() => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => {
        if (this.topology && Math.abs(this.host.clientWidth - this.builtWidth) > 24) this.build(this.topology);
      }, 150);
    }).observe(host);
  }

  // ---- building (once per topology, on expand/collapse and on resize) ----

  build(topology) {
    if (topology !== this.topology) {
      const same = this.topology && this.topology.session === topology.session &&
        this.topology.layers.join() === topology.layers.join();
      if (!same) {
        this.expanded.clear();
        this.selected = null;
        this.change = null;
        this.list.close();
        if (this.snap && this.snap.session !== topology.session) this.snap = null;
      }
      this.topology = topology;
    }
    this.tooltip.hide();
    clearTimeout(this.catchUp);
    const { layers: sizes, activations } = topology;
    this.columns = this.wantedColumns();
    const width = Math.max(320, Math.round(this.host.clientWidth) || 640);
    this.builtWidth = width;
    // The feature switches' column and the input thumbnails take room left of the inputs.
    this.switches = this.host.querySelector(":scope > .features");
    this.inputs = inputNames(topology);
    const shown = Boolean(this.switches?.offsetWidth);  // hidden, or not drawn on a stage
    const left = (shown ? this.switches.offsetWidth + 4 : 0) + (this.inputs ? THUMB + 6 : 0);
    // Below the layer headers, and the nodes' part at least as tall as the switches.
    const minBody = shown ? this.switches.offsetHeight + 4 : 0;
    const geo = lay.layoutDiagram(this.columns, width, { roomy: this.numbers.on, left, minBody });
    if (shown) this.switches.style.top = `${geo.bodyY}px`;
    this.geo = geo;
    const label = lay.summary(sizes, activations);
    // A group, not an image: its nodes, weights and biases are focusable buttons.
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${Math.round(geo.height)}`, role: "group",
      "aria-roledescription": "network diagram", "aria-label": label, "data-testid": "network", class: "network" });
    const pairs = this.columns.slice(1).map((c, l) => c.count * this.columns[l].count);
    if (Math.max(0, ...pairs) > 100) svg.classList.add("dense");
    if (this.numbers.on) svg.classList.add("numbers");
    svgEl("title", {}, svg).textContent = label;
    const edgeLayer = svgEl("g", { class: "edges" }, svg);
    const labelLayer = svgEl("g", { class: "edge-labels" }, svg);
    const biasLayer = svgEl("g", { class: "biases" }, svg);
    const nodeLayer = svgEl("g", { class: "nodes" }, svg);
    this.edges = [];
    this.nodes = [];
    this.biases = [];
    this.thumbs = [];
    // Numbers mode writes its own edge labels (diagram-overlay.js).
    this.edgeLabels = !this.numbers.on && lay.edgeLabelsFit(geo.gap, this.columns.map((c) => c.count)) ? labelLayer : null;
    const half = geo.pill.w / 2;
    sizes.forEach((size, l) => {
      const col = geo.columns[l];
      const place = lay.headerPlacement(l, sizes.length, col.x, geo.gap, width);
      this.header(svg, l, size, activations[l - 1], place);
      if (l + 1 < sizes.length) this.buildEdges(edgeLayer, l, col, geo.columns[l + 1], half);
      this.nodes.push(col.ys.map((y, i) => this.buildNode(nodeLayer, l, i, col.x, y, col.pillH, col.spacing)));
      if (l === 0 && this.inputs) this.thumbs = col.ys.map((y, i) => this.buildThumb(nodeLayer, i, col, y));
      if (l > 0 && topology.bias) {
        const withLabel = lay.biasLabelFits(col.spacing, col.pillH, geo.gap);
        this.biases[l] = col.ys.map((y, j) => this.buildBias(biasLayer, l, j, col, y, withLabel));
      }
      if (col.moreY !== null) this.buildMore(nodeLayer, l, col);
    });
    this.svg = svg;
    this.overlay.build(svg, geo);
    const footer = svgEl("text", { class: "diagram-footer", x: 4, y: geo.footerY }, svg);
    this.footer = footer;
    this.footer.textContent = this.footerHint();
    svg.addEventListener("mouseover", (e) => this.pointAt(e));
    svg.addEventListener("mouseout", (e) => {
      if (this.tooltip.owner && !this.tooltip.owner.contains(e.relatedTarget)) this.tooltip.hide();
    });
    svg.addEventListener("mouseleave", () => this.hover(null));
    svg.addEventListener("click", (e) => this.clicked(e));
    svg.addEventListener("keydown", (e) => this.key(e));
    svg.addEventListener("pointerdown", (e) => this.pressStart(e));
    for (const name of ["pointerup", "pointercancel", "pointerleave"]) svg.addEventListener(name, () => this.pressEnd());
    svg.addEventListener("pointermove", (e) => {
      if (this.press && Math.hypot(e.clientX - this.press.x, e.clientY - this.press.y) > 10) this.pressEnd();
    });
    // A long touch would also open the browser's menu over the element it selected.
    svg.addEventListener("contextmenu", (e) => { if (this.target(e) && (this.press || this.pressed)) e.preventDefault(); });
    svg.addEventListener("focusin", (e) => {
      this.rove(this.target(e));
      this.pointAt(e);
    });
    svg.addEventListener("focusout", () => {
      this.tooltip.hide();
      this.hover(null);
    });
    this.svg = svg;
    this.host.replaceChildren(...(this.switches ? [this.switches] : []), svg, this.list.element);
    this.paintThumbs();
    if (this.selected) this.svg.querySelector(`[data-testid="${this.selected}"]`)?.classList.add("selected");
    this.rove(this.svg.querySelector(`[data-testid="${this.focused}"]`) ?? this.svg.querySelector(".node[data-kind]"));
    this.overlay.setFocus(this.hovered ?? this.selected);
    this.colors = null;
    if (this.snap) this.paint(this.snap);
  }

  // Which units each layer draws now: {count, more, extra} per layer.
  wantedColumns() {
    const shown = this.snap?.shown_units;
    return this.topology.layers.map((size, l) => {
      const expanded = this.expanded.has(l);
      const column = lay.visibleCount(size, { expanded, available: shown?.[l] ?? size });
      return { ...column, expanded, extra: column.more > 0 || expanded };
    });
  }

  header(svg, l, size, activation, place) {
    const n = this.topology.layers.length;
    const lines = lay.headerLines(l, n, activation, size, place.maxWidth);
    const g = svgEl("g", { class: "layer-header", "data-testid": `layer-${l}` }, svg);
    const shown = this.columns[l].count;
    svgEl("title", {}, g).textContent = `${lay.layerName(l, n, activation)}, ${size} unit${size === 1 ? "" : "s"}` +
      (shown < size ? ` (${shown} drawn)` : "");
    const text = svgEl("text", { x: place.x, y: this.geo.headerY, "text-anchor": place.anchor }, g);
    lines.forEach((line, k) => {
      svgEl("tspan", { x: place.x, dy: k ? "1.25em" : "0", class: k ? "sub" : "" }, text).textContent = line;
    });
  }

  buildEdges(parent, l, from, to, half) {
    const count = from.ys.length * to.ys.length;
    const widest = Math.min(6, 1 + 24 / Math.sqrt(Math.max(1, count)));  // thinner when dense
    const pairs = from.ys.flatMap((y1) => to.ys.map((y2) => [from.x + half, y1, to.x - half, y2]));
    // The hover (and tap) area around each edge, px: wider for a finger.
    const band = count <= 16 ? (this.coarse ? TOUCH_TARGET : 9) : (this.coarse ? 12 : 5);
    const anchors = count <= 300 ? lay.pickAnchors(pairs) : pairs.map(() => 0.35);
    from.ys.forEach((y1, i) => to.ys.forEach((y2, j) => {
      const k = i * to.ys.length + j;
      const g = svgEl("g", { class: "edge", "data-testid": `edge-${l}-${i}-${j}`, "data-kind": "weight",
        "data-l": l, "data-i": i, "data-j": j, ...this.focusable("weight", l, i, j) }, parent);
      const ends = { x1: from.x + half, y1, x2: to.x - half, y2 };
      svgEl("polygon", { points: lay.bandPoints(ends.x1, y1, ends.x2, y2, band), class: "edge-hit" }, g);
      const [ax1, ay1, ax2, ay2] = lay.anchorSegment(ends.x1, y1, ends.x2, y2, anchors[k]);
      svgEl("polygon", { points: lay.bandPoints(ax1, ay1, ax2, ay2, 9), class: "edge-anchor" }, g);
      const line = svgEl("line", { ...ends, class: "edge-line" }, g);
      let label = null;
      if (this.edgeLabels) {  // in a layer above every edge, so no line crosses a label
        const [x, y] = lay.along(ends.x1, y1, ends.x2, y2, 0.3 + 0.25 * (i % 2));
        const w = lay.textWidth("-0.000", 11) + 4;
        svgEl("rect", { x: x - w / 2, y: y - 7, width: w, height: 14, rx: 3, class: "edge-label-bg" }, this.edgeLabels);
        label = svgEl("text", { x, y, class: "edge-label", "text-anchor": "middle", "dominant-baseline": "central",
          "data-for": `edge-${l}-${i}-${j}` }, this.edgeLabels);
      }
      this.edges.push({ g, line, label, l, i, j, widest, cache: {} });
    }));
  }

  buildNode(parent, l, i, x, y, h, spacing) {
    const w = this.geo.pill.w;
    const g = svgEl("g", { class: "node", "data-testid": `node-${l}-${i}`, "data-kind": "neuron",
      "data-l": l, "data-i": i, ...this.focusable("neuron", l, i, null) }, parent);
    // A thin pill gets a taller invisible hit area, as tall as the room between units allows.
    const hitH = Math.min(Math.max(h, TOUCH_TARGET), spacing - 2);
    if (hitH > h) svgEl("rect", { x: x - w / 2, y: y - hitH / 2, width: w, height: hitH, class: "node-hit" }, g);
    const rect = svgEl("rect", { x: x - w / 2, y: y - h / 2, width: w, height: h, rx: Math.min(h / 2, 8), class: "node-body" }, g);
    const font = lay.pillFont(w, h);
    const text = font ? svgEl("text", { x, y, "font-size": font.toFixed(1), "text-anchor": "middle",
      "dominant-baseline": "central", class: "node-value" }, g) : null;
    return { g, rect, text, font, name: g.getAttribute("aria-label"), cache: {}, textCache: {} };
  }

  // An input's feature thumbnail left of its pill, its name under it where there is room
  // (always in the node's accessible name and tooltip). Painted by paintThumbs.
  buildThumb(parent, i, col, y) {
    const name = this.inputs[i];
    const size = Math.max(10, Math.min(THUMB, col.spacing - 16));
    const x = col.x - this.geo.pill.w / 2 - 4 - size;
    const named = col.spacing >= 40;
    const top = named ? y - size / 2 - 5 : y - size / 2;
    const g = svgEl("g", { class: "input-feature", "data-testid": `input-feature-${i}`, "data-feature": name }, parent);
    svgEl("title", {}, g).textContent = `${name}: this input's value over the plane`;
    svgEl("rect", { x: x - 0.5, y: top - 0.5, width: size + 1, height: size + 1, class: "input-thumb-frame" }, g);
    const image = svgEl("image", { x, y: top, width: size, height: size, preserveAspectRatio: "none",
      class: "input-thumb" }, g);
    if (named) {
      svgEl("text", { x: x + size / 2, y: top + size + 9, "text-anchor": "middle", class: "input-name" }, g)
        .textContent = prettyFeature(name);
    }
    return image;
  }

  // The input thumbnails from the grid's feature thumbnails (null until a grid came).
  paintThumbs() {
    if (!this.thumbURLs) return;
    this.thumbs.forEach((image, i) => {
      const url = this.thumbURLs[this.inputs?.[i]];
      if (url && image.getAttribute("href") !== url) image.setAttribute("href", url);
    });
  }

  buildBias(parent, l, j, col, y, withLabel) {
    const size = Math.max(4, Math.min(9, col.pillH * 0.45));
    const x = col.x - this.geo.pill.w / 2;
    const g = svgEl("g", { class: "bias", "data-testid": `bias-${l}-${j}`, "data-kind": "bias",
      "data-l": l, "data-j": j, ...this.focusable("bias", l, null, j) }, parent);
    const box = { x: x - size - 1, y: y + col.pillH / 2 - size * 0.6, width: size, height: size };
    if (withLabel) {  // one hit area for the mark and its label, under the node's pill
      const right = col.x + this.geo.pill.w / 2 - 4;
      svgEl("rect", { x: box.x, y: box.y, width: right - box.x, height: col.pillH / 2 + 19 - (box.y - y),
        class: "bias-hit" }, g);
    } else {  // the small mark alone: a hit area around it, within the room between units
      const side = Math.max(size, Math.min(TOUCH_TARGET, col.spacing - 2));
      svgEl("rect", { x: box.x + size / 2 - side / 2, y: box.y + size / 2 - side / 2, width: side, height: side,
        class: "bias-hit" }, g);
    }
    const rect = svgEl("rect", { ...box, class: "bias-mark" }, g);
    const label = withLabel ? svgEl("text", { x: col.x, y: y + col.pillH / 2 + 10, class: "bias-label",
      "text-anchor": "middle", "dominant-baseline": "central" }, g) : null;
    return { g, rect, label, name: g.getAttribute("aria-label"), cache: {}, labelCache: {} };
  }

  // The attributes that make a node, weight or bias a button of the diagram's one tab
  // stop (rove() gives it the tabindex 0), named as the tooltip names it.
  focusable(kind, l, i, j) {
    return { tabindex: "-1", role: "button", "aria-describedby": "diagram-tooltip",
      "aria-label": elementName({ kind, l, i, j }, this.topology.layers.length, this.inputs) };
  }

  // The one element of the diagram that Tab stops at: `el` (else the first node).
  rove(el) {
    if (!el || !this.svg?.contains(el)) return;
    const testid = el.dataset.testid;
    if (this.focused !== testid) this.svg.querySelector(`[data-testid="${this.focused}"]`)?.setAttribute("tabindex", "-1");
    this.focused = testid;
    el.setAttribute("tabindex", "0");
  }

  // What the diagram's footer says one can do, as short as the width needs.
  footerHint() {
    const width = this.builtWidth;
    const long = this.inspect
      ? "values: probe sample 0 \u00b7 inspect mode: tap or click a node, weight or bias to see its formula"
      : "values: probe sample 0 \u00b7 tap or hover for details \u00b7 click a weight or bias to edit it, a node to select it";
    const short = this.inspect ? "inspect: tap to see the formula" : "values: probe sample 0 \u00b7 click a weight to edit";
    return lay.textWidth(long, 10) < width - 8 ? long : short;
  }

  setInspect(on) {
    this.inspect = Boolean(on);
    if (this.svg) this.svg.classList.toggle("inspecting", this.inspect);
    if (this.footer) this.footer.textContent = this.footerHint();
  }

  buildMore(parent, l, col) {
    const { more, expanded } = this.columns[l];
    const full = more > 0 ? `+${more} more` : "show fewer";
    const room = this.geo.gap ? this.geo.gap * 0.9 : 120;
    const text = lay.textWidth(full, 10) + 10 <= room ? full : more > 0 ? `+${more}` : "fewer";
    const w = Math.max(this.geo.pill.w, lay.textWidth(text, 10) + 10);
    const h = 16;
    const action = more === 0 ? "draw only the first units again"
      : expanded || !lay.canExpand(this.topology.layers[l], this.snap?.shown_units?.[l]) ? "list every unit of this layer"
        : "draw more units of this layer";
    const g = svgEl("g", { class: "more", "data-testid": `more-${l}`, "data-kind": "more", "data-l": l,
      tabindex: "-1", role: "button", "aria-label": `${text}: ${action}` }, parent);
    svgEl("rect", { x: col.x - w / 2, y: col.moreY - h / 2, width: w, height: h, rx: 8, class: "more-body" }, g);
    svgEl("text", { x: col.x, y: col.moreY, "text-anchor": "middle", "dominant-baseline": "central" }, g).textContent = text;
  }

  // ---- per frame ----

  update(snap) {
    if (this.topology && snap.session && snap.session !== this.topology.session) return; // an old socket's frame
    this.change = paint.nextChange(this.change, this.snap, snap);
    this.snap = snap;
    if (!this.topology) return;
    const features = snap.grid?.features;
    if (features && features !== this.thumbSource) {
      this.thumbSource = features;
      this.thumbURLs = thumbnailURLs(features, palette());
      this.paintThumbs();
    }
    const wanted = this.wantedColumns();
    if (wanted.some((c, l) => c.count !== this.columns[l].count || c.extra !== this.columns[l].extra)) {
      this.build(this.topology);  // the frames now carry a different number of units
      return;
    }
    this.paint(snap);
  }

  readColors() {
    const style = getComputedStyle(document.documentElement);
    const pal = palette();
    const text = parseColor(style.getPropertyValue("--text") || "#000000");
    const panel = parseColor(style.getPropertyValue("--panel") || "#ffffff");
    const edgeMin = parseFloat(style.getPropertyValue("--edge-min")) || 0.5;
    return { pal, text, panel, edgeMin, table: paint.colorTable(pal), widths: new Map() };
  }

  paintEdges(params, limitW, from, to) {
    const { table, widths } = this.colors;
    for (let n = from; n < to; n += 1) {
      const edge = this.edges[n];
      const w = params?.[edge.l]?.W?.[edge.i]?.[edge.j];
      edge.g.setAttribute("data-weight", valueText(w));
      const k = paint.bucketOf(w, limitW);
      const key = w < 0 ? -1 - k : k;
      if (edge.key !== key) {  // only when the weight moved to another colour/width step
        edge.key = key;
        const steps = widths.get(edge.widest) ?? widths.set(edge.widest, this.widthSteps(edge.widest)).get(edge.widest);
        edge.line.setAttribute("stroke", k < 0 ? table.zero : w < 0 ? table.neg[k] : table.pos[k]);
        edge.line.setAttribute("stroke-width", k < 0 ? steps[0] : steps[k]);
        const dash = k < 0 ? null : edgeDash(w);
        if (dash) edge.line.setAttribute("stroke-dasharray", dash);
        else edge.line.removeAttribute("stroke-dasharray");
      }
      if (edge.label) {
        const shown = shortFit(w, LABEL_CHARS);
        if (edge.label.textContent !== shown) edge.label.textContent = shown;
      }
    }
  }

  // Stroke widths (as attribute strings) for each colour bucket, up to `widest` px.
  widthSteps(widest) {
    return Array.from({ length: paint.BUCKETS + 1 },
      (_, k) => edgeWidth(k / paint.BUCKETS, 1, this.colors.edgeMin, widest).toFixed(2));
  }

  retheme() {
    this.colors = null;
    this.thumbURLs = thumbnailURLs(this.thumbSource, palette());
    this.paintThumbs();
    if (this.snap && this.nodes) this.paint(this.snap);
  }

  paint(snap) {
    const fresh = !this.colors;
    if (fresh) {
      this.colors = this.readColors();
      for (const item of [...this.edges, ...this.nodes.flat(), ...this.biases.flat().filter(Boolean)]) {
        Object.assign(item, { cache: {}, textCache: {}, labelCache: {}, key: null });
      }
    }
    const { pal, text, panel } = this.colors;
    const params = snap.params;
    const numbersOn = this.numbers.on;
    const view = this.overlay.viewOf(snap);
    const limitW = maxAbs(params?.map((p) => p.W) ?? []);
    const limitAll = maxAbs(params ?? []);
    const { activations } = this.topology;
    this.nodes.forEach((column, l) => {
      // Numbers mode, mid-step: the batch's first row (what the phase computed).
      const values = numbersOn ? (l === 0 ? view.inputs : view.layers[l - 1]?.a)
        : l === 0 ? snap.probe?.inputs?.[0] : snap.activations?.[l - 1]?.a?.[0];
      const range = activationRange(l === 0 ? "linear" : activations[l - 1], values ?? []);
      column.forEach((node, i) => {
        const v = values?.[i];
        setAttr(node.g, "data-value", valueText(v), node.cache);
        const fill = rangeColor(v, range, pal);
        setAttr(node.rect, "fill", fill, node.cache);
        if (node.text) {
          setAttr(node.text, "fill", rgb(paint.readableOn(parseRgb(fill), [text, panel])), node.textCache);
          // A long number: shortened (3.2e151) to what fits at 3/4 of the pill's font, then
          // a smaller font rather than text past the pill. The full value: data-value, the
          // tooltip (on hover, tap or focus) and the formula panel.
          const room = this.geo.pill.w - 4;
          const chars = Math.max(3, Math.floor(room / (CHAR_WIDTH * 0.75 * node.font)));
          const shown = numbersOn ? fitNumber(v ?? null, this.numbers.decimals, chars) : shortFit(v, chars);
          if (node.text.textContent !== shown) node.text.textContent = shown;
          // The name says what the pill shows (label in name: a voice user says what they see).
          setAttr(node.g, "aria-label", `${node.name}, ${shown}`, node.cache);
          const font = Math.min(node.font, room / (CHAR_WIDTH * Math.max(1, shown.length)));
          setAttr(node.text, "font-size", font.toFixed(1), node.textCache);
        }
      });
    });
    // Many edges (wide or expanded layers): a share of them per frame, all of them once the
    // frames pause, so a big diagram cannot hold up the page while training runs.
    const total = this.edges.length;
    clearTimeout(this.catchUp);
    if (fresh || total <= EDGE_BUDGET) this.paintEdges(params, limitW, 0, total);
    else {
      const start = this.edgeCursor % total;
      this.paintEdges(params, limitW, start, Math.min(total, start + EDGE_BUDGET));
      if (start + EDGE_BUDGET > total) this.paintEdges(params, limitW, 0, start + EDGE_BUDGET - total);
      this.edgeCursor = (start + EDGE_BUDGET) % total;
      this.catchUp = setTimeout(() => this.paintEdges(params, limitW, 0, total), 120);
    }
    this.biases.forEach((column, l) => column?.forEach((bias, j) => {
      const b = params?.[l - 1]?.b?.[j];
      const none = b === undefined || (params?.[l - 1] && params[l - 1].b === null);
      setAttr(bias.g, "display", none ? "none" : null, bias.cache);
      if (none) return;
      setAttr(bias.g, "data-bias", valueText(b), bias.cache);
      setAttr(bias.rect, "fill", paint.signColor(b, limitAll, pal), bias.cache);
      if (bias.label) {
        setAttr(bias.label, "class", `bias-label ${b > 0 ? "pos" : b < 0 ? "neg" : "zero"}`, bias.labelCache);
        const shown = `b=${numbersOn ? fmtNumber(b, this.numbers.decimals) : shortFit(b, LABEL_CHARS)}`;
        if (bias.label.textContent !== shown) bias.label.textContent = shown;
        setAttr(bias.g, "aria-label", `${bias.name}, ${shown}`, bias.cache);
      }
    }));
    this.overlay.paint(snap, fresh);
    if (this.tooltip.owner) this.tooltip.fill(this.describe(this.tooltip.owner));
    this.list.refresh(snap);
  }

  // ---- hover, click, keys, select, edit ----

  // Arrows move between the elements; Enter edits a weight or bias (selects a node, opens
  // "+N more"); Space selects. Neither reaches the page's own keys (play, step).
  key(e) {
    const el = this.target(e);
    if (!el || e.ctrlKey || e.metaKey || e.altKey) return;
    const { kind } = el.dataset;
    if (MOVES.has(e.key)) {
      e.preventDefault();
      e.stopPropagation();
      const [l, i, j] = ["l", "i", "j"].map((k) => Number(el.dataset[k]));
      const shape = {
        counts: this.columns.map((c) => c.count),
        biases: this.biases.map((column) => Boolean(column?.length)),
        more: this.columns.map((_, k) => Boolean(this.svg.querySelector(`[data-testid="more-${k}"]`))),
      };
      const next = nextElement(e.key, { kind, l, i, j }, shape);
      this.svg.querySelector(`[data-testid="${next}"]`)?.focus();
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      e.stopPropagation();  // Space here selects; it must not also play or pause
      if (kind === "more" || kind === "neuron" || e.key === "Enter") this.clicked(e);
      else this.select(el, this.detailOf(el));
    }
  }

  // A long press on a weight or bias selects it (a finger has no Shift key).
  pressStart(e) {
    this.pressEnd();
    this.pressed = false;
    const el = this.target(e);
    if (!el || !["weight", "bias"].includes(el.dataset.kind) || e.button > 0) return;
    const timer = setTimeout(() => {
      this.press = null;
      this.pressed = true;
      this.select(el, this.detailOf(el));
    }, LONG_PRESS_MS);
    this.press = { timer, x: e.clientX, y: e.clientY };
  }

  pressEnd() {
    if (this.press) clearTimeout(this.press.timer);
    this.press = null;
  }

  // The "select" detail of a node, weight or bias element (as /explain names them).
  detailOf(el) {
    const kind = el.dataset.kind;
    const [l, i, j] = ["l", "i", "j"].map((k) => Number(el.dataset[k]));
    if (kind === "neuron") return { kind, layer: l, i, j: null };
    return kind === "bias" ? { kind, layer: l, i: null, j } : { kind, layer: l + 1, i, j };
  }

  target(e) {
    const el = e.target?.closest?.("[data-kind]");
    return el && this.svg?.contains(el) ? el : null;
  }

  pointAt(e) {
    const el = this.target(e);
    if (!el) this.tooltip.hide();
    else if (el.dataset.kind !== "more") this.tooltip.show(el, this.describe(el), e);
    this.hover(el && el.dataset.kind !== "more" ? el.dataset.testid : null);
  }

  // Numbers mode on a big net labels only the hovered (else the selected) element's edges.
  hover(testid) {
    this.hovered = testid;
    this.overlay.setFocus(testid ?? this.selected);
  }

  setNumbers(numbers) {
    const next = { ...this.numbers, ...numbers };
    if (next.on === this.numbers.on && next.decimals === this.numbers.decimals) return;
    this.numbers = next;
    if (this.topology) this.build(this.topology);
  }

  // A selection made elsewhere (bus "select"): mark the element as a click would.
  showSelected(detail) {
    if (!this.svg || !detail) return;
    const testid = detail.kind === "neuron" ? `node-${detail.layer}-${detail.i}`
      : detail.kind === "weight" ? `edge-${detail.layer - 1}-${detail.i}-${detail.j}`
        : detail.kind === "bias" ? `bias-${detail.layer}-${detail.j}` : null;
    if (!testid || testid === this.selected) return;
    this.svg.querySelector(".selected")?.classList.remove("selected");
    this.svg.querySelector(`[data-testid="${testid}"]`)?.classList.add("selected");
    this.selected = testid;
    this.overlay.setFocus(this.hovered ?? testid);
  }

  describe(el) {
    const { kind, l, i, j } = el.dataset;
    return describe({ kind, l: Number(l), i: Number(i), j: Number(j) }, this.topology, this.snap ?? {}, this.change);
  }

  clicked(e) {
    const el = this.target(e);
    if (!el) return;
    if (this.pressed) {  // the end of a long press that selected already
      this.pressed = false;
      return;
    }
    const kind = el.dataset.kind;
    if (kind === "more") this.more(Number(el.dataset.l));
    else if (kind === "neuron" || e.shiftKey || e.altKey || this.inspect) this.select(el, this.detailOf(el));
    else this.edit(el);
  }

  select(el, detail) {
    this.pressEnd();
    this.svg.querySelector(".selected")?.classList.remove("selected");
    el.classList.add("selected");
    this.selected = el.dataset.testid;
    this.overlay.setFocus(this.hovered ?? this.selected);
    this.app.bus.emit("select", detail);
  }

  more(l) {
    const size = this.topology.layers[l];
    const available = this.snap?.shown_units?.[l] ?? size;
    const expanded = this.expanded.has(l);
    if (lay.canExpand(size, available, { expanded })) this.expanded.add(l);
    else if (expanded && this.columns[l].more === 0) this.expanded.delete(l);
    else {
      this.list.open(l);
      return;
    }
    this.build(this.topology);
  }

  // An inline editor that sets one weight or bias to an exact value.
  edit(el) {
    this.tooltip.hide();
    const kind = el.dataset.kind;
    const [l, i, j] = ["l", "i", "j"].map((key) => Number(el.dataset[key]));
    const index = kind === "bias" ? l - 1 : l;
    openEditor({
      anchor: el,
      name: paramName(kind, l, i, j),
      value: paint.paramValue(this.snap?.params, kind, index, i, j),
      apply: (value) => this.setParam(kind, index, i, j, value),
      invalid: (message) => this.app.bus.emit("error", { message }),
    });
  }

  // The snapshot may carry only some units of a wide layer: edit the full params from REST.
  async setParam(kind, index, i, j, value) {
    const { app } = this;
    try {
      const body = await app.api.get(app.sessionId);
      await app.api.params(app.sessionId, paint.withParam(body.snapshot.params, kind, index, i, j, value));
    } catch (error) {
      app.bus.emit("error", { message: error.message, fields: error.fields });
    }
  }
}
