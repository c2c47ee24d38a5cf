// The engine's symbols (core/explain.py) as typeset pieces: "z1_1" is z with subscript
// "1,1" (layer 1, unit 1), "w1_21" is w with subscript "1,21" (layer 1, from input 2 to
// unit 1), "x2" is x with subscript 2, "y_hat" is ŷ, "dL/dz1_1" is the fraction ∂L/∂z₁,₁;
// an input named by its feature ("x1^2", "x1*x2", "sin(x1)") is written as the page
// writes features (x₁², x₁x₂, sin(x₁)).
// Pure: tokens out, no DOM (formula.js renders them; tests/js/views/formula/formula.test.mjs).

import { prettyFeature } from "../features/features-model.js";

const HAT = "y_hat";
const FEATURE = /^(?:x[12]\^2|x1\*x2|sin\(x[12]\))$/;

// "z1_1" -> {t: "sym", base: "z", sub: "1,1"}; unknown shapes stay as written.
export function symbol(text) {
  const s = String(text ?? "");
  if (FEATURE.test(s)) return { t: "sym", base: prettyFeature(s), sub: null };
  if (s.startsWith(HAT)) {
    const rest = s.slice(HAT.length).replace(/^_/, "");
    return { t: "sym", base: "\u0177", sub: rest || null };
  }
  const m = /^([A-Za-z]+)(\d*)(?:_(.+))?$/.exec(s);
  if (!m) return { t: "sym", base: s, sub: null };
  const [, base, layer, rest] = m;
  if (!layer) return { t: "sym", base, sub: rest ?? null };
  if (!rest) return { t: "sym", base, sub: layer };
  // "w1_10,3" (indices past 9): the layer is set off by a semicolon.
  return { t: "sym", base, sub: rest.includes(",") ? `${layer};${rest}` : `${layer},${rest}` };
}

// "dL/dy_hat" -> {t: "frac", num: [∂, L], den: [∂, ŷ]}; anything else -> a symbol.
export function derivative(text) {
  const m = /^d(.+?)\/d(.+)$/.exec(String(text ?? ""));
  if (!m) return symbol(text);
  return { t: "frac", num: [op("\u2202"), symbol(m[1])], den: [op("\u2202"), symbol(m[2])] };
}

export const op = (text) => ({ t: "op", text });

// A symbol's plain-text form, for titles and aria labels: "z1,1", "ŷ", "∂L/∂ŷ".
export function plainText(tokens) {
  const list = Array.isArray(tokens) ? tokens : [tokens];
  return list.map((k) => {
    if (k.t === "sym") return k.base + (k.sub ? k.sub : "");
    if (k.t === "frac") return `${plainText(k.num)}/${plainText(k.den)}`;
    if (k.t === "group") return plainText(k.items);
    return k.text ?? "";
  }).join("");
}

// Engine prose ("(y_hat - y) / n", "dL/dz") with its symbols in the page's letters.
export function prettyText(text) {
  return String(text ?? "")
    .replace(/dL\/d(y_hat|z|a|w|b)/g, (_, v) => `\u2202L/\u2202${v === "y_hat" ? "\u0177" : v}`)
    .replace(/y_hat/g, "\u0177")
    .replace(/ - /g, " \u2212 ");
}
