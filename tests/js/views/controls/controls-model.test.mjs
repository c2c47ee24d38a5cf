import { test } from "node:test";
import assert from "node:assert/strict";

import {
  DEFAULT_SPEED, MAX_HIDDEN_LAYERS, MAX_SEED, OPTIMIZER_SETTINGS, SPEEDS, addHiddenLayer,
  choices, dataParams, datasetChoices, dataShape, describeNetwork, outputChoices, parseInteger,
  parseNumber, pickSpeed, randomSeed, removeHiddenLayer, reseed, resizeLayer, setActivation,
  setBias, setDataset, setLoss, unavailableReason,
} from "../../../../static/js/views/controls/controls-model.js";
import { mergeDeep } from "../../../../static/js/lib/merge.js";

// Resolved configs as the server sends them (the parts the rules read).
const seed231 = {
  preset: "seed-2-3-1", layers: [2, 3, 1], activations: ["sigmoid", "linear"], bias: false,
  loss: "mse", init: { scheme: "explicit", params: [{ W: [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], b: null }, { W: [[0.3], [0.5], [0.9]], b: null }] },
  data: { name: "inline", inputs: [[1, 1]], targets: [[0]], labels: null, test_fraction: 0 },
  optimizer: { name: "sgd", lr: 0.01 }, seed: 0,
};
const xor = {
  preset: "xor", layers: [2, 4, 2, 1], activations: ["tanh", "tanh", "sigmoid"], bias: true,
  loss: "bce", init: { scheme: "xavier" }, data: { name: "xor", n: 200, noise: 0, test_fraction: 0.5 },
  optimizer: { name: "sgd", lr: 0.1 }, seed: 0,
};
const perceptron = {
  preset: "perceptron-and", layers: [2, 1], activations: ["step"], bias: true, loss: "mse",
  init: { scheme: "zeros" }, data: { name: "gate-and", noise: 0, test_fraction: 0 },
  optimizer: { name: "perceptron", lr: 0.1 }, seed: 0,
};

// The catalog entries (GET /api/datasets) the rules look at.
const DATASETS = [
  { name: "gate-and", kind: "classification", input_dim: 2, params: { noise: { type: "float", min: 0, max: 0.5 }, test_fraction: { type: "float", min: 0, max: 0.9 } } },
  { name: "xor", kind: "classification", input_dim: 2, params: { n: { type: "int", min: 4, max: 10000 }, noise: { type: "float", min: 0, max: 0.5 }, test_fraction: { type: "float", min: 0, max: 0.9 } } },
  { name: "plane", kind: "regression", input_dim: 2, params: { n: { type: "int" }, noise: { type: "float" }, test_fraction: { type: "float" } } },
  { name: "digits", kind: "classification", input_dim: 64, params: { n: { type: "int", min: 10, max: 1797 }, test_fraction: { type: "float" } } },
  { name: "mnist", kind: "classification", input_dim: 784, params: { n: { type: "int", nullable: true } } },
  { name: "inline", kind: "any", input_dim: null, params: { inputs: { type: "matrix" }, targets: { type: "matrix" }, labels: { type: "int_list" }, test_fraction: { type: "float" } } },
];
const set = (name) => DATASETS.find((d) => d.name === name);

test("speeds: the list of the brief, and a safe default", () => {
  assert.deepEqual(SPEEDS, [1, 3, 10, 30, 100, 300, 1000]);
  assert.equal(pickSpeed("300"), 300);
  assert.equal(pickSpeed(7), DEFAULT_SPEED);
  assert.equal(pickSpeed(undefined), DEFAULT_SPEED);
});

test("numbers from inputs: empty or unreadable text is null, never NaN", () => {
  assert.equal(parseNumber("0.01"), 0.01);
  assert.equal(parseNumber(" 1e-7 "), 1e-7);
  assert.equal(parseNumber(""), null);
  assert.equal(parseNumber("fast"), null);
  assert.equal(parseNumber("Infinity"), null);
  assert.equal(parseInteger("12"), 12);
  assert.equal(parseInteger("1.5"), null);
});

test("a random seed is a uint32 from getRandomValues", () => {
  const fake = { getRandomValues: (array) => { array[0] = MAX_SEED; return array; } };
  assert.equal(randomSeed(fake), MAX_SEED);
  const real = randomSeed();
  assert.ok(Number.isInteger(real) && real >= 0 && real <= MAX_SEED);
});

test("new random weights: a new seed, textbook or zero weights become xavier", () => {
  assert.deepEqual(reseed(seed231, 7), { seed: 7, init: { scheme: "xavier" } });
  assert.deepEqual(reseed(perceptron, 8), { seed: 8, init: { scheme: "xavier" } });
  assert.deepEqual(reseed({ ...xor, init: { scheme: "he" } }, 9), { seed: 9, init: { scheme: "he" } });
});

test("adding a hidden layer copies the last one and keeps the output", () => {
  const partial = addHiddenLayer(xor);
  assert.deepEqual(partial.layers, [2, 4, 2, 2, 1]);
  assert.deepEqual(partial.activations, ["tanh", "tanh", "tanh", "sigmoid"]);
  assert.equal(partial.init, undefined, "random weights are drawn again by the server anyway");
});

test("a shape change drops the textbook weights (the URL says init=explicit)", () => {
  const partial = addHiddenLayer(seed231);
  assert.deepEqual(partial.layers, [2, 3, 3, 1]);
  assert.deepEqual(partial.init, { scheme: "xavier" });
  assert.deepEqual(resizeLayer(seed231, 1, +1).init, { scheme: "xavier" });
  assert.deepEqual(setBias(seed231, true).init, { scheme: "xavier" });
  // A new activation keeps every shape: the textbook weights stay.
  assert.equal(setActivation(seed231, 1, "tanh").init, undefined);
});

test("at most eight hidden layers; only hidden layers can be removed or resized", () => {
  const deep = { ...xor, layers: [2, 1, 1, 1, 1, 1, 1, 1, 1, 1], activations: Array(9).fill("tanh") };
  assert.equal(deep.layers.length - 2, MAX_HIDDEN_LAYERS);
  assert.equal(addHiddenLayer(deep), null);
  assert.equal(removeHiddenLayer(xor, 0), null);
  assert.equal(removeHiddenLayer(xor, 3), null);
  assert.deepEqual(removeHiddenLayer(xor, 1).layers, [2, 2, 1]);
  assert.deepEqual(removeHiddenLayer(xor, 1).activations, ["tanh", "sigmoid"]);
  assert.equal(resizeLayer(xor, 0, 1), null);
  assert.equal(resizeLayer({ ...xor, layers: [2, 1, 2, 1] }, 1, -1), null, "a layer keeps one unit");
  assert.deepEqual(resizeLayer(xor, 2, -1).layers, [2, 4, 1, 1]);
});

test("a network with no hidden layer gets 4 tanh units", () => {
  const partial = addHiddenLayer(perceptron);
  assert.deepEqual(partial.layers, [2, 4, 1]);
  assert.deepEqual(partial.activations, ["tanh", "step"]);
  assert.deepEqual(partial.optimizer, { name: "sgd" }, "the perceptron rule needs one step layer");
});

test("output activation and loss stay a pair the server accepts", () => {
  assert.equal(setActivation(xor, 3, "linear").loss, "mse");
  assert.equal(setActivation(xor, 3, "softmax").loss, "cce");
  assert.equal(setActivation(seed231, 2, "sigmoid").loss, undefined, "mse works with any output");
  assert.deepEqual(setLoss(xor, "cce").activations, ["tanh", "tanh", "softmax"]);
  assert.deepEqual(setLoss(seed231, "bce").activations, ["sigmoid", "sigmoid"]);
  assert.deepEqual(setLoss(xor, "mse"), { loss: "mse" });
  assert.equal(setLoss(xor, "bce"), null);
});

test("choices keep the server's current value (a preset's step unit)", () => {
  assert.deepEqual(choices(["a", "b"], "c"), ["a", "b", "c"]);
  assert.deepEqual(choices(["a", "b"], "a"), ["a", "b"]);
  assert.ok(!outputChoices(1, "sigmoid").includes("softmax"));
  assert.ok(outputChoices(10, "softmax").includes("softmax"));
  assert.ok(outputChoices(1, "step").includes("step"));
});

test("switching to the digits fits 64 inputs and 10 softmax outputs", () => {
  const partial = setDataset(xor, set("digits"));
  assert.deepEqual(partial.layers, [64, 4, 2, 10]);
  assert.deepEqual(partial.activations, ["tanh", "tanh", "softmax"]);
  assert.equal(partial.loss, "cce");
  assert.deepEqual(partial.data, { name: "digits", n: null, noise: null, test_fraction: null });
});

test("the new data set's defaults replace the old params (xor's noise would be refused)", () => {
  const base = { data: { name: "xor", n: 200, noise: 0.1, test_fraction: 0.5 } };
  const merged = mergeDeep(base, setDataset(xor, set("digits")));
  assert.equal(merged.data.noise, null);
  assert.equal(merged.data.n, null);
});

test("back to a 2-D set: 2 inputs, 1 sigmoid output with bce", () => {
  const digits = { ...xor, layers: [64, 50, 10], activations: ["sigmoid", "softmax"], loss: "cce", data: { name: "digits" } };
  const partial = setDataset(digits, set("xor"));
  assert.deepEqual(partial.layers, [2, 50, 1]);
  assert.deepEqual(partial.activations, ["sigmoid", "sigmoid"]);
  assert.equal(partial.loss, "bce");
});

test("a compatible choice is kept: a linear mse net stays linear on another 2-D set", () => {
  const linear = { ...xor, layers: [2, 4, 1], activations: ["tanh", "linear"], loss: "mse" };
  const partial = setDataset(linear, set("gate-and"));
  assert.deepEqual(partial.layers, [2, 4, 1]);
  assert.deepEqual(partial.activations, ["tanh", "linear"]);
  assert.equal(partial.loss, undefined);
});

test("regression data gets a linear output with mse when bce cannot fit", () => {
  const partial = setDataset(xor, set("plane"));
  assert.deepEqual(partial.activations, ["tanh", "tanh", "linear"]);
  assert.equal(partial.loss, "mse");
});

test("the textbook net on xor keeps its weights (same shapes)", () => {
  const partial = setDataset(seed231, set("xor"), seed231.data);
  assert.deepEqual(partial.layers, [2, 3, 1]);
  assert.equal(partial.init, undefined);
  assert.equal(partial.loss, undefined, "linear output with mse is fine for two classes");
});

test("inline rows come from the preset; the set is offered only when there are some", () => {
  const onXor = { ...seed231, layers: [2, 5, 1], data: { name: "xor" } };
  const partial = setDataset(onXor, set("inline"), seed231.data);
  assert.deepEqual(partial.layers, [2, 5, 1]);
  assert.equal(dataShape(set("inline"), seed231.data).inputs, 2);
  assert.ok(datasetChoices(DATASETS, onXor, seed231.data).some((d) => d.name === "inline"));
  assert.ok(!datasetChoices(DATASETS, xor, xor.data).some((d) => d.name === "inline"));
  assert.ok(datasetChoices(DATASETS, xor, xor.data).some((d) => d.name === "mnist"), "mnist is listed; the server says if it is missing");
});

test("data params shown: only the numeric ones the set takes", () => {
  assert.deepEqual(dataParams(set("xor")).map(([key]) => key), ["n", "noise", "test_fraction"]);
  assert.deepEqual(dataParams(set("digits")).map(([key]) => key), ["n", "test_fraction"]);
  assert.deepEqual(dataParams(set("gate-and")).map(([key]) => key), ["noise", "test_fraction"]);
  assert.deepEqual(dataParams(set("inline")).map(([key]) => key), ["test_fraction"]);
  assert.deepEqual(dataParams(undefined), []);
});

test("optimizer settings shown only where the rule reads them", () => {
  assert.deepEqual(OPTIMIZER_SETTINGS.momentum, ["momentum"]);
  assert.deepEqual(OPTIMIZER_SETTINGS.adam, ["beta1", "beta2", "eps"]);
  assert.deepEqual(OPTIMIZER_SETTINGS.rmsprop, ["rho", "eps"]);
  assert.deepEqual(OPTIMIZER_SETTINGS.sgd, []);
});

test("the network summary counts weights and biases", () => {
  assert.equal(describeNetwork(seed231), "2-3-1: 9 weights, 0 biases");
  assert.equal(describeNetwork(xor), "2-4-2-1: 18 weights, 7 biases");
});

test("unavailableReason reads GET /api/datasets: the server's reason, or null", () => {
  const datasets = [
    { name: "xor", available: true, unavailable_reason: null },
    { name: "mnist", available: false, unavailable_reason: "MNIST needs the four IDX files" },
  ];
  assert.equal(unavailableReason(datasets, "xor"), null);
  assert.equal(unavailableReason(datasets, "mnist"), "MNIST needs the four IDX files");
  assert.equal(unavailableReason(datasets, "nosuch"), null);  // not ours to judge
  assert.equal(unavailableReason([{ name: "mnist", available: false }], "mnist"), "not available on this server");
});
