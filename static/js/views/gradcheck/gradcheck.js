// The gradient check panel: backprop against finite differences at the current weights,
// one row per parameter array, and what each method cost. Every number is the engine's
// (GET /api/sessions/{id}/gradients); the rows and sentences come from gradcheck-model.js.
import {
  FIRST_ENTRIES, METHODS, PASS_LIMIT, buildQuery, checkRows, costMoral, costSentence, exact,
  formatError, formatMs, formatSig, summary,
} from "./gradcheck-model.js";
import { formatCount, formatLoss } from "../../lib/format.js";
import { tip } from "../../lib/tip.js";
import { el, teachingHost } from "../../lib/dom.js";
import { onDemand } from "../../shell/on-demand.js";

const METHOD_LABELS = { "numeric-central": "central difference", "numeric-forward": "forward difference" };
const METHOD_FORMULAS = {
  "numeric-central": "\u2202L/\u2202w \u2248 (L(w + \u03b5) \u2212 L(w \u2212 \u03b5)) / 2\u03b5: two loss evaluations per parameter",
  "numeric-forward": "\u2202L/\u2202w \u2248 (L(w + \u03b5) \u2212 L(w)) / \u03b5: one loss evaluation per parameter, less exact",
};
const COLUMNS = [
  ["array", ""], ["shape", ""], ["max |bp \u2212 num|", "largest absolute difference of an entry"],
  ["max rel. error", "largest |bp \u2212 num| / (|bp| + |num|) over the entries"],
  ["norm rel. error", "\u2016bp \u2212 num\u2016 / (\u2016bp\u2016 + \u2016num\u2016) for the array as a whole"],
  ["result", `pass when the max relative error is below ${PASS_LIMIT.toExponential(0)}`],
];

export function mount(app) {
  const method = el("select", { dataset: { testid: "gradcheck-method" } });
  for (const name of METHODS) method.add(new Option(METHOD_LABELS[name], name));
  const epsilon = el("input", { type: "number", step: "any", min: "0", max: "1", value: "0.0001",
    dataset: { testid: "gradcheck-epsilon" } });
  const samples = el("input", { type: "number", min: "1", step: "1", placeholder: "all",
    dataset: { testid: "gradcheck-samples" }, title: "the first n training rows; blank = all of them" });
  const run = el("button", { type: "submit", className: "primary", textContent: "Check gradients",
    dataset: { testid: "gradcheck-run" } });
  const field = (text, input) => el("label", { className: "ctl-field" }, el("span", { className: "ctl-label", textContent: text }), input);
  const form = el("form", { className: "teach-form" },
    field("method", method), field("epsilon \u03b5", epsilon), field("samples", samples), run,
    tip("the gradient check", `samples: ${samples.title}. The table's columns: ` +
      COLUMNS.filter(([, words]) => words).map(([name, words]) => `${name}: ${words}`).join("; ") + ".",
    { testid: "gradcheck-tip" }).element);
  const methodNote = el("p", { className: "teach-note", textContent: METHOD_FORMULAS[method.value] });
  method.addEventListener("change", () => { methodNote.textContent = METHOD_FORMULAS[method.value]; });
  const status = el("p", { className: "teach-status", dataset: { testid: "gradcheck-status" } });
  status.setAttribute("role", "status");
  const body = el("tbody");
  const head = el("tr", {}, ...COLUMNS.map(([text, title]) => el("th", { scope: "col", textContent: text, title })));
  const table = el("table", { className: "teach-table gradcheck-table", hidden: true }, el("thead", {}, head), body);
  const cost = el("div", { className: "gradcheck-cost", hidden: true, dataset: { testid: "gradcheck-cost" } });
  const section = el("details", { className: "teach", dataset: { testid: "gradcheck" } },
    el("summary", {}, el("h2", { textContent: "Gradient check" }),
      el("span", { className: "teach-sub", textContent: "backprop vs finite differences" })),
    el("p", { className: "teach-note", textContent: "Is backprop right? Nudge each weight by \u03b5, see how the " +
      "training loss moves, and compare that slope with backprop's gradient, entry by entry." }),
    form, methodNote, status, el("div", { className: "teach-scroll" }, table), cost);
  teachingHost().append(section);

  const setStatus = (text, kind = "") => {
    status.textContent = text;
    status.className = `teach-status ${kind}`;
  };

  const clear = () => {
    body.replaceChildren();
    table.hidden = true;
    cost.hidden = true;
    setStatus("");
  };

  const render = (result) => {
    const rows = checkRows(result);
    body.replaceChildren(...rows.flatMap(rowElements));
    table.hidden = false;
    const bp = result.cost.backprop;
    const nu = result.cost.numeric;
    cost.replaceChildren(
      el("h3", { textContent: "What each method cost" }),
      el("ul", {},
        el("li", {}, el("strong", { textContent: "backprop " }), `${formatMs(bp.seconds)}, ${formatCount(bp.loss_evaluations)} loss evaluation`),
        el("li", {}, el("strong", { textContent: "numeric " }), `${formatMs(nu.seconds)}, ${formatCount(nu.loss_evaluations)} loss evaluations`)),
      el("p", { className: "gradcheck-sentence", textContent: costSentence(result), dataset: { testid: "gradcheck-cost-sentence" } }),
      el("p", { className: "teach-note", textContent: costMoral(result) }));
    cost.hidden = false;
    const rowsText = `${formatCount(result.samples)} training row${result.samples === 1 ? "" : "s"}`;
    setStatus(`${summary(rows)} Checked at step ${formatCount(app.snapshot?.step ?? 0)} on ${rowsText}, ` +
      `\u03b5 = ${result.epsilon}, ${formatCount(result.parameters)} parameters, loss ${formatLoss(result.loss)}.`,
      rows.every((r) => r.pass) ? "ok" : "bad");
  };

  onDemand(app, {
    form, button: run, section, status, setStatus, clear, show: render, again: "check again",
    working: "Nudging every parameter\u2026 (this can take a few seconds on a big network)",
    prepare: () => {
      const { query, error } = buildQuery({ method: method.value, epsilon: epsilon.value, samples: samples.value });
      return error ? { error } : { fetch: (session) => app.api.gradients(session, query) };
    },
  });
}

// The row of one array and its hidden row with the first entries.
function rowElements(row) {
  const detailId = `gradcheck-entries-${row.name}`;
  const toggle = el("button", { type: "button", className: "teach-toggle", textContent: `\u25b8 ${row.name}`,
    title: `show the first entries of ${row.name}` });
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", detailId);
  const verdict = row.pass
    ? el("span", { className: "verdict pass", textContent: "\u2713 pass" })
    : el("span", { className: "verdict fail", textContent: "\u2717 fail" });
  const tr = el("tr", { dataset: { testid: "gradcheck-row", name: row.name, maxRel: exact(row.maxRel),
    maxAbs: exact(row.maxAbs), relNorm: exact(row.relNorm), pass: String(row.pass) } },
  el("th", { scope: "row" }, toggle),
  el("td", { textContent: row.shapeText }),
  el("td", { className: "num", textContent: formatError(row.maxAbs) }),
  el("td", { className: "num", textContent: formatError(row.maxRel) }),
  el("td", { className: "num", textContent: formatError(row.relNorm) }),
  el("td", {}, verdict));
  const entries = el("table", { className: "teach-table gradcheck-entries" },
    el("thead", {}, el("tr", {}, ...["entry", "backprop", "numeric", "rel. error"].map((t) => el("th", { scope: "col", textContent: t })))),
    el("tbody", {}, ...row.entries.map((e) => el("tr", {},
      el("td", { textContent: `${row.name}${e.index}` }),
      el("td", { className: "num", textContent: formatSig(e.backprop) }),
      el("td", { className: "num", textContent: formatSig(e.numeric) }),
      el("td", { className: "num", textContent: formatError(e.rel) })))));
  const shown = Math.min(FIRST_ENTRIES, row.size);
  const note = el("p", { className: "teach-note", textContent: `the first ${shown} of ${formatCount(row.size)} entries; ` +
    "rel. error = |bp \u2212 num| / (|bp| + |num|)" });
  const detail = el("tr", { className: "gradcheck-detail", id: detailId, hidden: true },
    el("td", { colSpan: COLUMNS.length }, entries, note));
  toggle.addEventListener("click", () => {
    const open = detail.hidden;
    detail.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = `${open ? "\u25be" : "\u25b8"} ${row.name}`;
  });
  return [tr, detail];
}
