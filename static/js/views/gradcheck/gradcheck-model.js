// Pure helpers of the gradient check panel (gradcheck.js): the query, one row per parameter
// array from the engine's result, pass/fail, and the sentence about what each method cost.
// Every measure shown (max_abs, max_rel, rel_norm, and each entry's relative difference)
// is the engine's (core/gradients.py); nothing here recomputes one.
import { formatCount } from "../../lib/format.js";

export const PASS_LIMIT = 1e-5;   // max_rel below this passes
export const FIRST_ENTRIES = 6;   // entries listed per array when it is expanded
export const METHODS = ["numeric-central", "numeric-forward"];

// Pass when the largest relative difference is below the limit; null (an overflow) fails.
export function passes(maxRel) {
  return typeof maxRel === "number" && Number.isFinite(maxRel) && maxRel < PASS_LIMIT;
}

// The form's values -> {query} or {error}. Blank samples means every training row.
export function buildQuery({ method, epsilon, samples }) {
  if (!METHODS.includes(method)) return { error: `method: must be one of ${METHODS.join(", ")}` };
  const eps = Number(String(epsilon).trim());
  if (String(epsilon).trim() === "" || !Number.isFinite(eps) || eps <= 0 || eps > 1) {
    return { error: "epsilon: must be a number in (0, 1]" };
  }
  const params = new URLSearchParams({ method, epsilon: String(eps) });
  const text = String(samples ?? "").trim();
  if (text !== "") {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) return { error: "samples: a whole number of rows, at least 1 (blank = all)" };
    params.set("samples", String(n));
  }
  return { query: params.toString() };
}

export function shapeOf(array) {
  if (!Array.isArray(array)) return [];
  return Array.isArray(array[0]) ? [array.length, array[0].length] : [array.length];
}

export const shapeText = (shape) => shape.join(" \u00d7 ");

// The first `count` entries of an array (row-major), with their index as text; the
// relative difference of each is the engine's ("relative" in the check result).
export function firstEntries(backprop, numeric, relative, count = FIRST_ENTRIES) {
  const out = [];
  const nested = Array.isArray(backprop?.[0]);
  const rows = nested ? backprop.length : 1;
  for (let r = 0; r < rows && out.length < count; r += 1) {
    const pick = (array) => (nested ? array?.[r] : array);
    const bpRow = pick(backprop);
    for (let c = 0; c < bpRow.length && out.length < count; c += 1) {
      out.push({ index: nested ? `[${r}][${c}]` : `[${c}]`, backprop: bpRow[c],
        numeric: pick(numeric)?.[c] ?? null, rel: pick(relative)?.[c] ?? null });
    }
  }
  return out;
}

// One row per parameter array, in the network's order (W1, b1, W2, b2, ...).
export function checkRows(result) {
  const rows = [];
  (result?.check ?? []).forEach((layer, index) => {
    for (const kind of ["W", "b"]) {
      const measure = layer?.[kind];
      if (!measure) continue;  // no biases
      const bp = result.backprop?.[index]?.[kind];
      const nu = result.numeric?.[index]?.[kind];
      const shape = shapeOf(bp);
      rows.push({
        name: `${kind}${index + 1}`,
        shape,
        shapeText: shapeText(shape),
        maxAbs: measure.max_abs,
        maxRel: measure.max_rel,
        relNorm: measure.rel_norm,
        pass: passes(measure.max_rel),
        entries: firstEntries(bp, nu, result.relative?.[index]?.[kind]),
        size: shape.reduce((a, b) => a * b, 1),
      });
    }
  });
  return rows;
}

// The full-precision text of a number for data attributes ("null" when missing).
export const exact = (v) => (v === null || v === undefined ? "null" : String(v));

// Significant digits, for numbers that agree to many places: 0.14547852 vs 0.14547853.
export function formatSig(value, digits = 8) {
  if (value === null || value === undefined || Number.isNaN(value)) return "\u2013";
  if (!Number.isFinite(value)) return value > 0 ? "\u221e" : "-\u221e";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude < 1e-4 || magnitude >= 1e6) return value.toExponential(digits - 1).replace("e+", "e");
  return String(Number(value.toPrecision(digits)));
}

// Small measures (1e-10 and the like): two significant digits in exponent form.
export function formatError(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "\u2013";
  if (!Number.isFinite(value)) return "\u221e";
  if (value === 0) return "0";
  return value.toExponential(1).replace("e+", "e");
}

export function formatMs(seconds) {
  if (!Number.isFinite(seconds)) return "\u2013";
  const ms = seconds * 1000;
  return `${ms < 10 ? ms.toFixed(2) : ms < 1000 ? ms.toFixed(1) : formatCount(Math.round(ms))} ms`;
}

// "(3,760 parameters × 2 + 1)": how the count of loss evaluations comes about, when the
// engine's count matches it (one unnudged loss plus one or two per parameter).
export function evaluationsBreakdown(method, parameters, evaluations) {
  const per = method === "numeric-central" ? 2 : 1;
  if (!Number.isFinite(parameters) || evaluations !== parameters * per + 1) return "";
  const noun = parameters === 1 ? "parameter" : "parameters";
  return ` (${formatCount(parameters)} ${noun}${per === 2 ? " \u00d7 2" : ""} + 1)`;
}

// "backprop: 1 forward + 1 backward pass; numeric: 7,521 loss evaluations (3,760 parameters × 2 + 1)"
export function costSentence(result) {
  const bp = result?.cost?.backprop ?? {};
  const nu = result?.cost?.numeric ?? {};
  const work = bp.passes ? `${bp.passes} pass` : `${formatCount(bp.loss_evaluations)} loss evaluation`;
  const count = nu.loss_evaluations;
  const evaluations = `${formatCount(count)} loss evaluation${count === 1 ? "" : "s"}`;
  return `backprop: ${work}; numeric: ${evaluations}${evaluationsBreakdown(result?.method, result?.parameters, count)}`;
}

// Why the counts matter, in one line for the student.
export function costMoral(result) {
  const per = result?.method === "numeric-central" ? "two more loss evaluations" : "one more loss evaluation";
  return `Backprop gets every gradient from one pass forward and one back, however many parameters there are; ` +
    `finite differences need ${per} for each parameter, each a pass through the network. ` +
    `On a few parameters the two cost about the same; on thousands, backprop wins by far.`;
}

export function summary(rows) {
  const failed = rows.filter((r) => !r.pass).length;
  if (!rows.length) return "";
  return failed === 0
    ? `All ${rows.length} arrays agree: every max relative error is below ${PASS_LIMIT.toExponential(0)}.`
    : `${failed} of ${rows.length} arrays differ by more than ${PASS_LIMIT.toExponential(0)} (relative).`;
}
