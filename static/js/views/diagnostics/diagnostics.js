// Diagnostics in plain words: what the engine finds wrong (saturated or dead units, a
// rising loss, overfitting; GET /api/sessions/{id}/diagnostics), asked again as frames
// arrive, at most every 2 s while playing and soon after a step or a pause, with one request
// in flight at most. Hovering or clicking a finding that names units emits
//   app.bus.emit("highlight", {units: [[layer, unit], ...], kind})
// so the diagram can point at them; {units: []} clears it.
import { el, teachingHost } from "../../lib/dom.js";
import { Refresher } from "../../lib/throttle.js";

export const PLAYING_GAP_MS = 2000;  // between two requests while frames stream in
export const PAUSED_GAP_MS = 250;    // after a step, a pause or a new session

const KIND_TITLES = {
  saturated: "Saturated units",
  dead_relu: "Dead ReLU units",
  rising_loss: "Rising loss",
  overfitting: "Overfitting",
};

export const kindTitle = (kind) => KIND_TITLES[kind] ?? kind.replace(/_/g, " ");

// Two findings of one kind (saturated units in two layers) differ by their units.
export const keyOf = (finding) => `${finding.kind}:${JSON.stringify(finding.units ?? [])}`;

// "hidden 1: units 0, 1 · hidden 2: unit 3" for [[1, 0], [1, 1], [2, 3]].
export function unitsText(units) {
  const byLayer = new Map();
  for (const [layer, unit] of units ?? []) {
    if (!byLayer.has(layer)) byLayer.set(layer, []);
    byLayer.get(layer).push(unit);
  }
  return [...byLayer].map(([layer, list]) => `hidden ${layer}: unit${list.length === 1 ? "" : "s"} ${list.join(", ")}`)
    .join(" \u00b7 ");
}

export function mount(app) {
  const list = el("ul", { className: "diagnostics-list", dataset: { testid: "diagnostics-list" } });
  const empty = el("p", { className: "teach-note diagnostics-empty", textContent: "No problems spotted.",
    hidden: true, dataset: { testid: "diagnostics-empty" } });
  const count = el("span", { className: "teach-count" });
  const section = el("details", { className: "teach diagnostics", open: true, dataset: { testid: "diagnostics" } },
    el("summary", {}, el("h2", { textContent: "Diagnostics" }), count,
      el("span", { className: "teach-sub", textContent: "what may be going wrong" })),
    list, empty);
  list.setAttribute("aria-live", "polite");
  teachingHost().append(section);

  let findings = [];
  let pinned = null;      // the key of the finding whose units stay marked after a click
  let highlighted = "";   // the key last emitted, to emit only changes

  const emit = (finding) => {
    const units = finding?.units ?? [];
    const key = units.length ? keyOf(finding) : "";
    if (key === highlighted) return;
    highlighted = key;
    app.bus.emit("highlight", units.length ? { units, kind: finding.kind } : { units: [] });
  };
  const byKey = (key) => findings.find((f) => keyOf(f) === key) ?? null;
  const rest = () => emit(pinned ? byKey(pinned) : null);

  const item = (finding, index) => {
    const key = keyOf(finding);
    // A finding of a kind already listed: the presentation stage says only where it is.
    const repeat = findings.slice(0, index).some((f) => f.kind === finding.kind) ? "true" : null;
    const li = el("li", { className: `diagnostic ${finding.kind}`, dataset: { testid: "diagnostic", kind: finding.kind, key, ...(repeat && { repeat }) } },
      el("strong", { className: "diagnostic-kind", textContent: `\u26a0 ${kindTitle(finding.kind)}` }),
      el("span", { className: "diagnostic-message", textContent: finding.message }));
    if (!finding.units?.length) return li;
    li.tabIndex = 0;
    li.classList.add("pointable");
    li.setAttribute("role", "button");
    li.setAttribute("aria-pressed", String(pinned === key));
    li.title = "hover to point at these units on the diagram; click to keep them marked";
    li.append(el("span", { className: "diagnostic-units", textContent: `\u2192 ${unitsText(finding.units)}` }),
      el("span", { className: "diagnostic-how", textContent: " (tap or click: marked on the diagram)" }));
    const point = () => emit(finding);
    li.addEventListener("mouseenter", point);
    li.addEventListener("focus", point);
    li.addEventListener("mouseleave", rest);
    li.addEventListener("blur", rest);
    const toggle = () => {
      pinned = pinned === key ? null : key;
      for (const other of list.querySelectorAll("[aria-pressed]")) {
        other.setAttribute("aria-pressed", String(other.dataset.key === pinned));
      }
      if (pinned) point();
      else emit(null);
    };
    li.addEventListener("click", toggle);
    li.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle();
      }
    });
    return li;
  };

  let shown = null;  // the findings' JSON: the list is rebuilt only when they change
  const show = (next) => {
    const json = JSON.stringify(next);
    if (json === shown) return;
    shown = json;
    findings = next;
    if (pinned && !byKey(pinned)) pinned = null;
    const hovering = list.querySelector("li:hover, li:focus")?.dataset.key;
    list.replaceChildren(...findings.map(item));
    empty.hidden = findings.length > 0;
    count.textContent = findings.length ? `(${findings.length})` : "";
    if (hovering && byKey(hovering)) emit(byKey(hovering));
    else rest();
  };

  let session = null;
  const poller = new Refresher(async () => {
    const id = app.sessionId;
    if (!id) return;
    try {
      const next = await app.api.diagnostics(id);
      if (id === app.sessionId) show(next);
    } catch (error) {
      if (id === app.sessionId && error.status !== 404) console.warn("diagnostics:", error.message);
    }
  });

  app.bus.on("topology", (topology) => {
    if (topology.session === session) return;
    session = topology.session;
    // Nothing shown, not even "no problems", until the engine has looked at this network.
    findings = [];
    pinned = null;
    shown = null;
    list.replaceChildren();
    count.textContent = "";
    empty.hidden = true;
    emit(null);
    poller.request({ within: PAUSED_GAP_MS });
  });
  app.bus.on("snapshot", (snap) => {
    if (document.hidden) return;
    poller.request({ within: snap.playing ? PLAYING_GAP_MS : PAUSED_GAP_MS });
  });
}
