import { test } from "node:test";
import assert from "node:assert/strict";

import { derivative, plainText, prettyText, symbol } from "../../../../static/js/views/formula/formula-symbols.js";
import {
  biasLines, formulaNumber, inputLines, neuronLines, paramSymbol, updateLine, weightLines,
} from "../../../../static/js/views/formula/formula-lines.js";

// What the explain routes answer for the 2-3-1 network at x = (1, 1), target 0.
const NEURON = {
  layer: 1, unit: 0, z_symbol: "z1_1", a_symbol: "a1_1",
  terms: [
    { input: "x1", input_value: 1.0, weight: "w1_11", weight_value: 0.8, product: 0.8 },
    { input: "x2", input_value: 1.0, weight: "w1_21", weight_value: 0.2, product: 0.2 },
  ],
  terms_omitted: 0, bias: null, z: 1.0, activation: "sigmoid", formula: "1 / (1 + e^(-z))", a: 0.7310585786300049,
};
const WEIGHT = {
  layer: 1, from: 0, to: 0, weight: "w1_11", weight_value: 0.8, sample: 0, samples: 1,
  factors: [
    { symbol: "dL/dy_hat", value: 2.466424196250264, meaning: "derivative of mean((y_hat - y)^2)" },
    { symbol: "dy_hat/da1_1", value: 0.3, meaning: "the weight w2_11" },
    { symbol: "da1_1/dz1_1", value: 0.19661193324148185, meaning: "sigmoid'(z) = a (1 - a)" },
    { symbol: "dz1_1/dw1_11", value: 1.0, meaning: "the input on this edge, x1" },
  ],
  product: 0.14547852882549972, gradient: 0.14547852882549972, delta: 0.14547852882549972, shortcut: null,
};

// A line's tokens as plain text, numbers as shown.
function flat(tokens) {
  return tokens.map((k) => {
    if (k.t === "eq") return "=";
    if (k.t === "num" || k.t === "op" || k.t === "fn" || k.t === "text") return k.text;
    return plainText(k);
  }).join(" ");
}

test("symbols: layer and unit as a subscript, y_hat as ŷ", () => {
  assert.deepEqual(symbol("z1_1"), { t: "sym", base: "z", sub: "1,1" });
  assert.deepEqual(symbol("w1_21"), { t: "sym", base: "w", sub: "1,21" });
  assert.deepEqual(symbol("w2_10,3"), { t: "sym", base: "w", sub: "2;10,3" });
  assert.deepEqual(symbol("x2"), { t: "sym", base: "x", sub: "2" });
  // An input named by its feature (the explain routes' "input" of a features session).
  assert.deepEqual(symbol("x1*x2"), { t: "sym", base: "x\u2081x\u2082", sub: null });
  assert.deepEqual(symbol("sin(x2)"), { t: "sym", base: "sin(x\u2082)", sub: null });
  assert.deepEqual(symbol("y_hat"), { t: "sym", base: "\u0177", sub: null });
  assert.deepEqual(symbol("y_hat3"), { t: "sym", base: "\u0177", sub: "3" });
  assert.deepEqual(symbol("L"), { t: "sym", base: "L", sub: null });
  assert.deepEqual(symbol("b1_2"), { t: "sym", base: "b", sub: "1,2" });
  assert.equal(symbol("??").base, "??");
});

test("derivatives are fractions of ∂s", () => {
  const f = derivative("dL/dy_hat");
  assert.equal(f.t, "frac");
  assert.equal(plainText(f), "\u2202L/\u2202\u0177");
  assert.equal(plainText(derivative("da1_1/dz1_1")), "\u2202a1,1/\u2202z1,1");
  assert.equal(derivative("x1").t, "sym");
  assert.equal(prettyText("softmax with cce: dL/dz = (y_hat - y) / n"), "softmax with cce: \u2202L/\u2202z = (\u0177 \u2212 y) / n");
});

test("numbers: exact values as they are, the others rounded", () => {
  assert.equal(formulaNumber(1, 4), "1");
  assert.equal(formulaNumber(0.8, 4), "0.8");
  assert.equal(formulaNumber(0.7310585786300049, 4), "0.7311");
  assert.equal(formulaNumber(0.7310585786300049, 2), "0.73");
  assert.equal(formulaNumber(-0.25, 4), "\u22120.25");
  assert.equal(formulaNumber(0, 4), "0");
  assert.equal(formulaNumber(3.2e-7, 4), "3.200e-7");
  assert.equal(formulaNumber(null, 4), "\u2013");
});

test("a neuron: z as the sum of inputs times weights, then a = activation(z)", () => {
  const { lines, notes, value } = neuronLines(NEURON, 4);
  assert.equal(flat(lines[0].tokens), "z1,1 = x1 \u00b7 w1,11 + x2 \u00b7 w1,21 = 1 \u00b7 0.8 + 1 \u00b7 0.2 = 1");
  assert.equal(flat(lines[1].tokens), "a1,1 = sigmoid ( z1,1 ) = sigmoid ( 1 ) = 0.7311");
  assert.equal(value, NEURON.a);
  assert.match(notes[0], /^sigmoid\(z\) = 1 \/ \(1 \+ e\^\(-z\)\)$/);
});

test("a neuron with a bias, negative numbers in parentheses, and many inputs", () => {
  const biased = { ...NEURON, bias: { symbol: "b1_1", value: -0.5 },
    terms: [{ ...NEURON.terms[0], weight_value: -0.3 }] };
  assert.equal(flat(neuronLines(biased, 2).lines[0].tokens),
    "z1,1 = x1 \u00b7 w1,11 + b1,1 = 1 \u00b7 ( \u22120.3 ) + ( \u22120.5 ) = 1");
  const many = { ...NEURON, terms: Array.from({ length: 10 }, (_, k) => ({ input: `x${k + 1}`, input_value: 1,
    weight: `w1_${k + 1}1`, weight_value: 0.1, product: 0.1 })), terms_omitted: 5 };
  const out = neuronLines(many, 4);
  assert.ok(flat(out.lines[0].tokens).includes("+ \u2026"));
  assert.match(out.notes[1], /15 products in all: 9 not written out/);
});

test("a softmax output names its whole layer", () => {
  const soft = { ...NEURON, layer: 2, unit: 1, a_symbol: "y_hat2", z_symbol: "z2_2", activation: "softmax", a: 0.25 };
  assert.equal(flat(neuronLines(soft, 4).lines[1].tokens), "\u01772 = softmax ( z2 ) 2 = 0.25");
});

test("a weight: the chain rule with numbers, as in the worked example", () => {
  const { lines, factors, notes, value } = weightLines(WEIGHT, 4);
  assert.equal(flat(lines[0].tokens),
    "\u2202L/\u2202w1,11 = \u2202L/\u2202\u0177 \u00b7 \u2202\u0177/\u2202a1,1 \u00b7 \u2202a1,1/\u2202z1,1 \u00b7 \u2202z1,1/\u2202w1,11");
  assert.equal(flat(lines[1].tokens), "= ( 2.4664 ) ( 0.3 ) ( 0.1966 ) ( 1 ) = 0.1455");
  assert.equal(value, WEIGHT.product);
  assert.equal(factors.length, 4);
  assert.equal(factors[0].meaning, "derivative of mean((\u0177 \u2212 y)^2)");
  assert.deepEqual(notes, []);
});

test("a weight's sum over the units above, the shortcut and several samples", () => {
  const data = {
    ...WEIGHT, samples: 4, gradient: 0.5, shortcut: "softmax with cce: dL/dz = (y_hat - y) / n",
    factors: [
      { symbol: "dL/da1_1", value: 0.13, meaning: "sum over the units above of dL/dz times the weight",
        terms: [
          { delta_symbol: "dL/dz2_1", delta: 0.1, weight: "w2_11", weight_value: 0.3, product: 0.03 },
          { delta_symbol: "dL/dz2_2", delta: 0.2, weight: "w2_12", weight_value: 0.5, product: 0.1 },
        ] },
      WEIGHT.factors[2], WEIGHT.factors[3],
    ],
  };
  const { lines, notes } = weightLines(data, 4);
  assert.equal(lines.length, 3);
  assert.equal(flat(lines[2].tokens),
    "\u2202L/\u2202a1,1 = \u03a3 \u2202L/\u2202z2,1 \u00b7 w2,11 + \u2202L/\u2202z2,2 \u00b7 w2,12 = ( 0.1 ) ( 0.3 ) + ( 0.2 ) ( 0.5 ) = 0.13");
  assert.equal(notes[0], "shortcut: softmax with cce: \u2202L/\u2202z = (\u0177 \u2212 y) / n");
  assert.match(notes[1], /probe sample 0 of 4; summed over all 4: \u2202L\/\u2202w = 0.5/);
});

test("a bias: the same chain ending in dz/db = 1, worth the unit's dL/dz", () => {
  const { lines, value } = biasLines(WEIGHT, "b1_1", 4);
  assert.equal(flat(lines[0].tokens),
    "\u2202L/\u2202b1,1 = \u2202L/\u2202\u0177 \u00b7 \u2202\u0177/\u2202a1,1 \u00b7 \u2202a1,1/\u2202z1,1 \u00b7 \u2202z1,1/\u2202b1,1");
  assert.equal(flat(lines[1].tokens), "= ( 2.4664 ) ( 0.3 ) ( 0.1966 ) ( 1 ) = 0.1455");
  assert.equal(value, WEIGHT.delta);
});

test("inputs, updates and parameter symbols", () => {
  assert.equal(flat(inputLines(1, 0.5, 4).lines[0].tokens), "x2 = 0.5");
  const feature = inputLines(0, 2.25, 4, "x1^2");
  assert.equal(flat(feature.lines[0].tokens), "x\u2081\u00b2 = 2.25");
  assert.match(feature.notes[0], /feature x1\^2/);
  assert.equal(flat(updateLine("w1_11", 0.8, -0.00145478, 0.79854522, 4).tokens),
    "update: w1,11 = 0.8 + ( \u22120.0015 ) = 0.7985");
  assert.equal(updateLine("w1_11", 0.8, undefined, 0.7), null);
  assert.equal(paramSymbol("weight", 1, 0, 0), "w1_11");
  assert.equal(paramSymbol("weight", 2, 9, 3), "w2_10,4");
  assert.equal(paramSymbol("bias", 2, null, 1), "b2_2");
});
