// The formula panel: the arithmetic of the selected neuron (z = inputs times weights
// summed, a = activation(z)) or weight (the chain rule for dL/dw, factor by factor),
// numbers substituted, typeset in HTML (fractions and subscripts by CSS). The numbers are
// the engine's: the explain routes' (core/explain.py), fetched again on every selection
// and, while something is selected, on new snapshots (one request at a time, at most 4
// a second), so a weight changed anywhere shows here. The root carries data-kind and
// data-value (the final value, full precision: the neuron's a, the weight's dL/dw).
import { request } from "../../shell/api.js";
import { el } from "../../lib/dom.js";
import { Gate } from "../../lib/throttle.js";
import {
  biasLines, descentLine, gradientLine, inputLines, neuronLines, paramSymbol, updateLine, weightLines,
} from "./formula-lines.js";
import { paramName, unitName } from "../diagram/diagram-text.js";
import { midStep } from "../chain/phases-order.js";
import { paramValue } from "../diagram/diagram-paint.js";
import { plainText } from "./formula-symbols.js";
import { inputNames } from "../features/features-model.js";

const HINT = "Click a neuron (or tap it) to see its arithmetic with the numbers filled in; a weight or bias: " +
  "shift-click or long-press it, tap it in inspect mode, or focus it (Tab, then the arrow keys) and press Space.";

class PastUnsupported extends Error {}

// ---- typesetting tokens (formula-symbols.js, formula-lines.js) ----

function renderToken(token) {
  switch (token.t) {
    case "sym": {
      const span = el("span", { class: "sym" });
      if (token.base) span.append(el("var", null, token.base));
      if (token.sub) span.append(el("sub", null, token.sub));
      return span;
    }
    case "frac":
      return el("span", { class: "frac" }, el("span", { class: "frac-num" }, ...token.num.map(renderToken)),
        el("span", { class: "frac-den" }, ...token.den.map(renderToken)));
    case "num": {
      const span = el("span", { class: "n" }, token.text);
      if (Number.isFinite(token.value)) span.title = String(token.value);
      // A rounded number: a tap or Tab focuses it and the panel's readout line shows it in
      // full (touch and keyboard never see a title).
      if (Number.isFinite(token.value) && String(token.value) !== token.text) {
        span.dataset.full = String(token.value);
        span.tabIndex = 0;
      }
      return span;
    }
    case "fn":
      return el("span", { class: "fn" }, token.text);
    case "eq":
      return el("span", { class: "op eq" }, "=");
    case "text":
      return el("span", { class: "txt" }, token.text);
    default:
      return el("span", { class: token.text === "+" || token.text === "\u00b7" ? "op bin" : "op" }, token.text);
  }
}

// One line: segments that do not break inside, split before each "=" and "+" so a long
// line wraps between its terms. Read out as one line (aria-label).
function renderLine(line) {
  const row = el("div", { class: `eq-line ${line.className ?? ""}` });
  row.setAttribute("role", "math");
  row.setAttribute("aria-label", line.tokens.map((k) => (k.t === "eq" ? " = " : k.t === "op" && k.text === "+" ? " + "
    : k.t === "num" || k.t === "fn" || k.t === "text" ? k.text : plainText(k))).join(""));
  let seg = el("span", { class: "seg" });
  for (const token of line.tokens) {
    if ((token.t === "eq" || (token.t === "op" && token.text === "+")) && seg.childNodes.length) {
      row.append(seg);
      seg = el("span", { class: "seg" });
    }
    seg.append(renderToken(token));
  }
  if (seg.childNodes.length) row.append(seg);
  return row;
}

function renderFactors(rows) {
  const table = el("table", { class: "formula-factors" });
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    tr.insertCell().append(...row.tokens.map(renderToken));
    tr.insertCell().append(el("span", { class: "op eq" }, "="), renderToken(row.value));
    tr.insertCell().append(row.meaning);
    tr.cells[2].className = "meaning";
  }
  return table;
}

// ---- the panel ----

function keyOf(detail) {
  if (!detail) return null;
  return `${detail.kind}:${detail.layer}:${detail.i ?? ""}:${detail.j ?? ""}`;
}

export function mount(app) {
  const root = el("section", { class: "formula-panel" });
  root.dataset.testid = "formula";
  root.setAttribute("aria-label", "Formula");
  const title = el("h2", null, "Formula");
  const what = el("span", { class: "formula-what" });
  const body = el("div", { class: "formula-body" });
  // The full value of the focused (tapped) number; its rounded text is what the lines show.
  const full = el("p", { class: "formula-full", testid: "formula-full", "aria-live": "polite", hidden: true });
  root.append(el("div", { class: "formula-head" }, title, what), body, full);
  body.addEventListener("focusin", (event) => {
    const number = event.target.closest?.(".n[data-full]");
    if (!number) return;
    full.textContent = `${number.textContent} in full: ${number.dataset.full}`;
    full.hidden = false;
  });
  body.addEventListener("focusout", () => { full.hidden = true; });
  const anchor = document.getElementById("metrics") ?? document.getElementById("diagram");
  anchor.after(root);

  let selection = null;
  let key = null;
  let data = null;       // {kind, result} for `key`
  let problem = null;    // words for what went wrong
  let snap = null;       // the snapshot on screen (may be a past one)
  let session = null;
  let version = 0;       // counts deliveries: a new answer is drawn even if it reads the same
  let drawn = null;      // what is on screen, to skip redrawing the same panel per frame

  const decimals = () => app.numbers?.decimals ?? 4;

  // The sample explained: the one the diagram's numbers show. Mid-step in numbers mode
  // that is the batch's first row, when it is one of the probe rows the routes explain.
  const sampleNow = () => {
    const rows = snap?.probe?.inputs?.length ?? 0;
    const row = snap?.pending?.batch?.[0];
    const mid = midStep(snap?.phase);
    if (app.numbers?.on && mid && !snap.viewing_past && Number.isInteger(row) && row < rows) {
      return { sample: row, words: `batch sample 1 (probe sample ${row})` };
    }
    return { sample: 0, words: "probe sample 0" };
  };

  const fetcher = async (req) => {
    const { detail, id, past, sample } = req;
    if (detail.kind === "neuron" && detail.layer === 0) return null;  // an input: nothing to compute
    const base = `/api/sessions/${id}/explain`;
    const step = past === null ? "" : `&step=${past}`;
    const i = detail.kind === "bias" ? 0 : detail.i;
    const result = detail.kind === "neuron"
      ? await (past === null ? app.api.explainNeuron(id, detail.layer, detail.i, sample)
        : request("GET", `${base}/neuron?layer=${detail.layer}&unit=${detail.i}&sample=${sample}${step}`))
      : await (past === null ? app.api.explainWeight(id, detail.layer, i, detail.j, sample)
        : request("GET", `${base}/weight?layer=${detail.layer}&i=${i}&j=${detail.j}&sample=${sample}${step}`));
    // A past step is explained only by a server that says it explained that step.
    if (past !== null && result?.step !== past) throw new PastUnsupported();
    return result;
  };

  const deliver = (req, outcome) => {
    if (req.key !== key || req.id !== app.sessionId) return;  // the selection moved on
    version += 1;
    if (outcome.ok) {
      data = { kind: req.detail.kind, result: outcome.result, words: req.words, sample: req.sample, past: req.past };
      problem = null;
    } else if (outcome.error instanceof PastUnsupported) {
      data = null;
      problem = `Viewing step ${req.past} (past): the formula explains the live network only. ` +
        "\u201ccontinue from here\u201d makes this step live, and its arithmetic shows here.";
    } else {
      data = null;
      problem = `could not explain this: ${outcome.error?.message ?? outcome.error}`;
    }
    render();
  };

  const gate = new Gate(fetcher, deliver, { interval: 250 });

  // After an update (phase "update", live) every number on screen is of "step n, after
  // the update"; a weight's or bias's panel shows the gradient that update used and its
  // arithmetic. The chain of one sample gives that gradient only when that sample was the
  // whole batch and no penalty was added: then it is explained at the old weights.
  const updated = () => (snap?.phase === "update" && !snap.viewing_past && snap.pending?.update?.old
    && selection && selection.kind !== "neuron" ? snap.pending : null);
  const chainRow = (pending) => {
    const row = pending.batch?.[0];
    const plainLoss = (app.config?.regularization?.kind ?? "none") === "none";
    return pending.batch_size === 1 && plainLoss && Number.isInteger(row) && row < (snap.probe?.inputs?.length ?? 0)
      ? row : null;
  };

  const want = () => {
    if (!selection || !app.sessionId) return;
    const pending = updated();
    if (pending) {
      const row = chainRow(pending);
      if (row === null) return;  // the gradient line alone, from the snapshot
      gate.want({ key, detail: selection, id: app.sessionId, past: snap.step - 1, sample: row,
        words: `step ${snap.step}, after the update: the gradient it used` });
      return;
    }
    gate.want({ key, detail: selection, id: app.sessionId, past: snap?.viewing_past ? snap.step : null, ...sampleNow() });
  };

  const describeSelection = (words) => {
    const n = app.topology?.layers?.length ?? 0;
    const inputs = inputNames(app.topology);
    const s = selection;
    if (s.kind === "neuron") return `${unitName(s.layer, s.i, n, inputs)} \u00b7 ${words}`;
    if (s.kind === "bias") return `${paramName("bias", s.layer, null, s.j)}: bias of ${unitName(s.layer, s.j, n)} \u00b7 ${words}`;
    return `${paramName("weight", s.layer - 1, s.i, s.j)}: ${unitName(s.layer - 1, s.i, n, inputs)} \u2192 ${unitName(s.layer, s.j, n)} \u00b7 ${words}`;
  };

  // The update's panel: the gradient it used (the chain at the old weights when one sample
  // was the batch, else the batch's gradient) and the rule's arithmetic with its numbers:
  // plain descent as old − lr · gradient = new, another rule as old + change = new.
  const updatePanel = (pending, d) => {
    const { kind, layer, i, j } = selection;
    const at = (params) => paramValue(params, kind, layer - 1, i, j);
    const name = paramSymbol(kind, layer, i ?? 0, j);
    const grad = at(pending.grads);
    const { old, change, new: now } = pending.update;
    const optimizer = app.config?.optimizer ?? {};
    const rule = optimizer.name === "sgd"
      ? descentLine(name, at(old), optimizer.lr, grad, at(now), d)
      : updateLine(name, at(old), at(change), at(now), d);
    const explained = data?.result && data.past === snap.step - 1 && chainRow(pending) !== null ? data : null;
    const chain = explained ? (kind === "bias" ? biasLines(explained.result, name, d) : weightLines(explained.result, d)) : null;
    const notes = [];
    if (!explained) {
      notes.push(chainRow(pending) === null
        ? `the gradient of this step's batch (${pending.batch_size} samples, their mean${
          (app.config?.regularization?.kind ?? "none") === "none" ? "" : ", plus the penalty's"}), at the old weights`
        : "working out the chain at the old weights\u2026");
    }
    if (optimizer.name !== "sgd") notes.push(`the ${optimizer.name} rule turned the gradient into this change`);
    return {
      lines: [...(chain ? chain.lines : [gradientLine(name, grad, d)].filter(Boolean)), ...(rule ? [rule] : [])],
      factors: chain?.factors ?? [],
      notes: [...(chain?.notes ?? []), ...notes],
      value: grad,
    };
  };

  const render = () => {
    const pending = updated();
    const up = pending ? updatePanel(pending, decimals()) : null;
    const now = sampleNow();
    const input = selection?.kind === "neuron" && selection.layer === 0 ? snap?.probe?.inputs?.[now.sample]?.[selection.i] : null;
    const signature = [key, version, decimals(), problem, pending ? `update ${snap.step} ${app.config?.optimizer?.lr}` : "",
      input, now.words, snap?.playing].join("|");
    if (signature === drawn) return;
    drawn = signature;
    delete root.dataset.value;
    if (!selection) {
      root.dataset.kind = "";
      what.textContent = "";
      body.replaceChildren(el("p", { class: "formula-hint" }, HINT));
      return;
    }
    root.dataset.kind = selection.kind;
    const isInput = selection.kind === "neuron" && selection.layer === 0;
    // While the run plays on, the arithmetic is of the step it was worked out at: say which.
    const at = snap?.playing && Number.isInteger(data?.result?.step) ? ` \u00b7 at step ${data.result.step}` : "";
    what.textContent = describeSelection(pending ? `step ${snap.step}, after the update: the gradient it used`
      : isInput ? now.words : (data?.words ?? now.words) + at);
    const d = decimals();
    let built = null;
    if (up) {
      built = up;
    } else if (isInput) {
      built = input === undefined || input === null ? null
        : inputLines(selection.i, input, d, inputNames(app.topology)?.[selection.i]);
    } else if (data?.result && data.past === (snap?.viewing_past ? snap.step : null)) {
      const r = data.result;
      if (data.kind === "neuron") built = neuronLines(r, d);
      else if (data.kind === "bias") built = biasLines(r, paramSymbol("bias", selection.layer, 0, selection.j), d);
      else built = weightLines(r, d);
    }
    if (!built) {
      body.replaceChildren(el("p", { class: problem ? "formula-problem" : "formula-hint" }, problem ?? "working it out\u2026"));
      return;
    }
    root.dataset.value = built.value === null ? "NaN" : String(built.value);
    const parts = built.lines.map(renderLine);
    if (built.factors?.length) parts.push(renderFactors(built.factors));
    for (const note of built.notes ?? []) parts.push(el("p", { class: "formula-note" }, note));
    body.replaceChildren(...parts);
  };

  app.bus.on("select", (detail) => {
    const next = detail && ["neuron", "weight", "bias"].includes(detail.kind) ? detail : null;
    const nextKey = keyOf(next);
    if (nextKey === key) return;
    selection = next;
    key = nextKey;
    data = null;
    problem = null;
    gate.drop();
    render();
    want();
  });
  app.bus.on("snapshot", (frame) => {
    snap = frame;
    if (!selection) return;
    render();  // the update line and an input's value come with the snapshot
    want();
  });
  app.bus.on("numbers", () => {
    render();
    want();  // the sample explained may follow the numbers mode (sampleNow)
  });
  app.bus.on("topology", (topology) => {
    if (session !== null && topology.session !== session) {
      selection = null;
      key = null;
      data = null;
      gate.drop();
    }
    session = topology.session;
    render();
  });
  render();
}
