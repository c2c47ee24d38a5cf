// The scrollable list of every unit of one layer, opened from the diagram's "+N more" node
// when the diagram cannot draw them all: unit, z, a and bias for probe sample 0. The live
// frames carry only the first units of a wide layer (snapshot.shown_units), so the list
// reads the full layer once from REST and keeps the rows the frames carry up to date.
import { formatNumber } from "../../lib/format.js";
import * as lay from "./diagram-layout.js";

const LIVE_EVERY_MS = 200;

export class UnitList {
  constructor(diagram) {
    this.diagram = diagram;
    this.layer = null;
    this.rows = [];
    this.lastLive = 0;
    this.element = Object.assign(document.createElement("div"), { className: "diagram-list", hidden: true });
  }

  close() {
    this.layer = null;
    this.rows = [];
    this.element.hidden = true;
    this.element.replaceChildren();
  }

  async open(l) {
    const { app, topology } = this.diagram;
    this.layer = l;
    const size = topology.layers[l];
    const n = topology.layers.length;
    const el = this.element;
    el.dataset.testid = `unit-list-${l}`;
    el.hidden = false;
    const head = Object.assign(document.createElement("div"), { className: "list-head" });
    const title = document.createElement("strong");
    title.textContent = `${lay.layerName(l, n, topology.activations[l - 1])}: ${size} unit${size === 1 ? "" : "s"}, probe sample 0`;
    head.append(title);
    const button = (text, testid, action) => {
      const b = Object.assign(document.createElement("button"), { type: "button", textContent: text });
      b.dataset.testid = testid;
      b.addEventListener("click", action);
      head.append(b);
    };
    if (this.diagram.expanded.has(l)) {
      button("draw fewer", `list-fewer-${l}`, () => {
        this.close();
        this.diagram.expanded.delete(l);
        this.diagram.build(topology);
      });
    }
    button("refresh", `list-refresh-${l}`, () => this.open(l));
    button("\u00d7", `list-close-${l}`, () => this.close());
    const note = Object.assign(document.createElement("div"), { className: "list-note", textContent: "loading\u2026" });
    const scroller = Object.assign(document.createElement("div"), { className: "list-scroll" });
    el.replaceChildren(head, note, scroller);

    // The full layer: from the live snapshot when it carries every unit, else from REST.
    let snap = this.diagram.snap;
    if (!snap || (snap.shown_units?.[l] ?? size) < size) {
      try {
        snap = (await app.api.get(app.sessionId)).snapshot;
      } catch (error) {
        note.textContent = `could not read the layer: ${error.message}`;
        return;
      }
    }
    if (this.layer !== l || !scroller.isConnected) return;  // closed or replaced meanwhile
    const live = this.diagram.snap?.shown_units?.[l] ?? size;
    note.textContent = live < size
      ? `units 0\u2013${live - 1} update live; the rest are as of step ${snap.step} (refresh to read them again)`
      : "updates live";
    const table = document.createElement("table");
    const columns = l === 0 ? ["unit", "x"] : ["unit", "z", "a", ...(topology.bias ? ["b"] : [])];
    const headRow = table.createTHead().insertRow();
    for (const name of columns) headRow.append(Object.assign(document.createElement("th"), { textContent: name }));
    const body = table.createTBody();
    this.rows = [];
    for (let i = 0; i < size; i += 1) {
      const row = body.insertRow();
      row.dataset.testid = `unit-${l}-${i}`;
      const cells = columns.map(() => row.insertCell());
      cells[0].textContent = String(i);
      this.rows.push({ row, cells });
    }
    this.fill(snap, size);
    scroller.append(table);
  }

  // Write the values of the first `count` units from `snap` into the rows.
  fill(snap, count) {
    const l = this.layer;
    const values = l === 0 ? null : snap.activations?.[l - 1];
    const bias = l === 0 ? null : snap.params?.[l - 1]?.b;
    const limit = Math.min(count, this.rows.length);
    for (let i = 0; i < limit; i += 1) {
      const { row, cells } = this.rows[i];
      const shown = l === 0 ? [snap.probe?.inputs?.[0]?.[i]] : [values?.z?.[0]?.[i], values?.a?.[0]?.[i], bias?.[i]];
      const main = l === 0 ? shown[0] : shown[1];
      if (main !== undefined) row.dataset.value = main === null ? "NaN" : String(main);
      shown.forEach((v, k) => {
        if (!cells[k + 1]) return;
        const text = formatNumber(v ?? null, 4);
        if (cells[k + 1].textContent !== text) cells[k + 1].textContent = text;
      });
    }
  }

  refresh(snap) {
    if (this.layer === null || !this.rows.length) return;
    const now = performance.now();
    if (now - this.lastLive < LIVE_EVERY_MS) return;
    this.lastLive = now;
    this.fill(snap, snap.shown_units?.[this.layer] ?? this.rows.length);
  }
}
