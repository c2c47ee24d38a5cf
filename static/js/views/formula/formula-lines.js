// The formula panel's lines, built from the explain routes' data (core/explain.py): the
// arithmetic of a neuron (z = sum of inputs times weights, a = activation(z)) or of one
// weight's gradient (the chain rule, factor by factor), numbers substituted. Every number
// is the engine's; this only arranges them. Pure (tests/js/views/formula/formula.test.mjs).
//
// A line is {tokens: [...], className?}; tokens are {t: "sym"|"frac"|"op"|"num"|"fn"|
// "group"|"text"} as in formula-symbols.js, with {t: "num", text, value} for numbers and
// {t: "eq"} where a long line may wrap ("=" signs).
import { formatNumber } from "../../lib/format.js";
import { derivative, op, prettyText, symbol } from "./formula-symbols.js";

const MINUS = "\u2212";
const DOT = "\u00b7";
const MAX_TERMS = 6;  // a longer sum shows its first terms and "+ …"

// A number as a hand calculation writes it: values that are exact at `decimals` digits
// as they are (1, 0.8, -0.25), the others rounded to `decimals` digits (0.7311).
export function formulaNumber(value, decimals = 4) {
  if (value === null || value === undefined || Number.isNaN(value)) return "\u2013";
  let out = formatNumber(value, decimals);
  if (Number.isFinite(value) && Math.abs(value) < 1e6) {
    const rounded = Number(value.toFixed(decimals));
    const exact = Math.abs(value - rounded) <= 1e-12 * Math.max(1, Math.abs(value));
    if (value === 0 || (exact && rounded !== 0)) out = String(rounded);
  }
  return out.startsWith("-") ? MINUS + out.slice(1) : out;
}

export const num = (value, decimals) => ({ t: "num", text: formulaNumber(value, decimals), value });
const eq = () => ({ t: "eq" });
const fn = (text) => ({ t: "fn", text });
const text = (value) => ({ t: "text", text: value });

// A number as a factor or operand: negative ones in parentheses, "(−0.3)".
function operand(value, decimals) {
  const n = num(value, decimals);
  return value < 0 ? [op("("), n, op(")")] : [n];
}

// Which items of a long list to show: all, or the first `keep` and a count of the rest.
function shown(list, keep = MAX_TERMS) {
  return list.length <= keep + 1 ? { items: list, more: 0 } : { items: list.slice(0, keep), more: list.length - keep };
}

// A sum of terms twice, in symbols and in numbers, joined by "+", ending "+ \u2026" when
// `omitted` terms are not written out.
function termSums(items, omitted, name, value) {
  const names = [];
  const values = [];
  items.forEach((term, k) => {
    if (k) {
      names.push(op("+"));
      values.push(op("+"));
    }
    names.push(...name(term));
    values.push(...value(term));
  });
  if (omitted) {
    names.push(op("+"), op("\u2026"));
    values.push(op("+"), op("\u2026"));
  }
  return { names, values };
}

// --- a neuron ----------------------------------------------------------------------

// explain/neuron -> [z line, a line] and notes.
export function neuronLines(data, decimals = 4) {
  const z = symbol(data.z_symbol);
  const a = symbol(data.a_symbol);
  const all = data.terms ?? [];
  const { items, more } = shown(all);
  const omitted = (data.terms_omitted ?? 0) + more;
  const { names, values } = termSums(items, omitted,
    (term) => [symbol(term.input), op(DOT), symbol(term.weight)],
    (term) => [...operand(term.input_value, decimals), op(DOT), ...operand(term.weight_value, decimals)]);
  if (data.bias) {
    names.push(op("+"), symbol(data.bias.symbol));
    values.push(op("+"), ...operand(data.bias.value, decimals));
  }
  const zLine = { tokens: [z, eq(), ...names, eq(), ...values, eq(), num(data.z, decimals)], className: "formula-z" };
  const softmax = data.activation === "softmax";
  const aLine = {
    tokens: softmax
      // every output of a softmax depends on every z of its layer: softmax(z)_j
      ? [a, eq(), fn("softmax"), op("("), { t: "sym", base: "z", sub: String(data.layer) }, op(")"),
        { t: "sym", base: "", sub: String(data.unit + 1) }, eq(), num(data.a, decimals)]
      : [a, eq(), fn(data.activation), op("("), z, op(")"), eq(), fn(data.activation), op("("), num(data.z, decimals), op(")"), eq(), num(data.a, decimals)],
    className: "formula-a",
  };
  const notes = [`${data.activation}(z) = ${prettyText(data.formula)}`];
  if (omitted) {
    notes.push(`${all.length + (data.terms_omitted ?? 0)} products in all: ${omitted} not written out here` +
      (data.terms_omitted ? " (the engine lists the largest ones)" : "") + "; z is the full sum");
  }
  return { lines: [zLine, aLine], notes, value: data.a };
}

// --- a weight ----------------------------------------------------------------------

// The chain's factors as fractions joined by "·".
function factorNames(factors) {
  const out = [];
  factors.forEach((f, k) => {
    if (k) out.push(op(DOT));
    out.push(derivative(f.symbol));
  });
  return out;
}

function factorValues(factors, decimals) {
  return factors.flatMap((f) => [op("("), num(f.value, decimals), op(")")]);
}

// A factor that is a sum over the units above ("dL/da1_1" with `terms`): its own line.
function sumLine(factor, decimals) {
  const { items, more } = shown(factor.terms);
  const { names, values } = termSums(items, more,
    (term) => [derivative(term.delta_symbol), op(DOT), symbol(term.weight)],
    (term) => [op("("), num(term.delta, decimals), op(")"), op("("), num(term.weight_value, decimals), op(")")]);
  return {
    tokens: [derivative(factor.symbol), eq(), op("\u03a3"), ...names, eq(), ...values, eq(), num(factor.value, decimals)],
    className: "formula-sum",
  };
}

// explain/weight -> the chain rule for dL/dw with numbers, the sums it uses, and notes.
export function weightLines(data, decimals = 4) {
  const target = { t: "frac", num: [op("\u2202"), symbol("L")], den: [op("\u2202"), symbol(data.weight)] };
  const factors = data.factors ?? [];
  const lines = [
    { tokens: [target, eq(), ...factorNames(factors)], className: "formula-chain" },
    { tokens: [eq(), ...factorValues(factors, decimals), eq(), num(data.product, decimals)], className: "formula-values" },
    ...factors.filter((f) => f.terms?.length).map((f) => sumLine(f, decimals)),
  ];
  return { lines, notes: weightNotes(data, decimals), factors: factorRows(factors, decimals), value: data.product };
}

function weightNotes(data, decimals) {
  const notes = [];
  if (data.shortcut) notes.push(`shortcut: ${prettyText(data.shortcut)}`);
  if (data.samples > 1) {
    notes.push(`for probe sample ${data.sample} of ${data.samples}; summed over all ${data.samples}: ` +
      `\u2202L/\u2202w = ${formulaNumber(data.gradient, decimals)}`);
  }
  return notes;
}

// The factors' meanings, for the table under the lines: [{tokens, value, meaning}].
function factorRows(factors, decimals) {
  return factors.map((f) => ({ tokens: [derivative(f.symbol)], value: num(f.value, decimals), meaning: prettyText(f.meaning) }));
}

// --- a bias ------------------------------------------------------------------------

// dL/db from explain/weight of any weight into the same unit: the same chain, whose last
// factor dz/dw (the input on the edge) becomes dz/db = 1; the result is the engine's
// `delta` (dL/dz of the unit for that sample).
export function biasLines(data, biasSymbol, decimals = 4) {
  const factors = (data.factors ?? []).slice(0, -1);
  const last = data.factors?.[data.factors.length - 1]?.symbol ?? "";
  const zName = /^d(.+?)\/d/.exec(last)?.[1] ?? "z";
  const one = { symbol: `d${zName}/d${biasSymbol}`, value: 1, meaning: "a bias is added as it is: dz/db = 1" };
  const chain = [...factors, one];
  const target = { t: "frac", num: [op("\u2202"), symbol("L")], den: [op("\u2202"), symbol(biasSymbol)] };
  const lines = [
    { tokens: [target, eq(), ...factorNames(chain)], className: "formula-chain" },
    { tokens: [eq(), ...factorValues(chain, decimals), eq(), num(data.delta, decimals)], className: "formula-values" },
    ...factors.filter((f) => f.terms?.length).map((f) => sumLine(f, decimals)),
  ];
  const notes = data.samples > 1 ? [`for probe sample ${data.sample} of ${data.samples}`] : [];
  if (data.shortcut) notes.unshift(`shortcut: ${prettyText(data.shortcut)}`);
  return { lines, notes, factors: factorRows(chain, decimals), value: data.delta };
}

// --- an input ----------------------------------------------------------------------

// `feature`: the input's feature when the network sees features of the plane ("x1^2"),
// computed from the sample's raw x1 and x2; else the input is the data's own xN.
export function inputLines(unit, value, decimals = 4, feature = null) {
  return {
    lines: [{ tokens: [symbol(feature ?? `x${unit + 1}`), eq(), num(value, decimals)], className: "formula-input" }],
    notes: [feature && feature !== `x${unit + 1}` ? `an input: the feature ${feature} of the sample's x1 and x2`
      : "an input: the data's value, nothing computed"],
    value,
  };
}

// --- the update (from the snapshot's pending.update) ---------------------------------

// "w1,11: 0.8 + (−0.0015) = 0.7985": old + change = new, the engine's three numbers.
export function updateLine(name, old, change, now, decimals = 4) {
  if (![old, change, now].every(Number.isFinite)) return null;
  return {
    tokens: [text("update:"), symbol(name), eq(), num(old, decimals), op("+"), ...operand(change, decimals), eq(), num(now, decimals)],
    className: "formula-update",
  };
}

// Plain gradient descent's own arithmetic (the engine's sgd rule, no momentum):
// "w1_11 = 0.8 − 0.01 · 0.1455 = 0.7985", old − lr × the gradient the update used = new.
export function descentLine(name, old, lr, grad, now, decimals = 4) {
  if (![old, lr, grad, now].every(Number.isFinite)) return null;
  return {
    tokens: [text("update:"), symbol(name), eq(), num(old, decimals), op(MINUS), num(lr, decimals), op(DOT),
      ...operand(grad, decimals), eq(), num(now, decimals)],
    className: "formula-update",
  };
}

// The gradient an update used, when no chain of one sample gives it (a mini-batch: the
// mean over its samples; a penalty added): "∂L/∂w1_11 = 0.1455".
export function gradientLine(name, grad, decimals = 4) {
  if (!Number.isFinite(grad)) return null;
  const target = { t: "frac", num: [op("\u2202"), symbol("L")], den: [op("\u2202"), symbol(name)] };
  return { tokens: [target, eq(), num(grad, decimals)], className: "formula-values" };
}

// The engine's symbol of a weight or bias, as explain names them: w{layer}_{i}{j}, b{layer}_{j}.
export function paramSymbol(kind, layer, i, j) {
  if (kind === "bias") return `b${layer}_${j + 1}`;
  return i < 9 && j < 9 ? `w${layer}_${i + 1}${j + 1}` : `w${layer}_${i + 1},${j + 1}`;
}
