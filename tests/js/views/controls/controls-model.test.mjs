import { test } from "node:test";
import assert from "node:assert/strict";

import {
  addHiddenLayer, choices, dataParams, datasetChoices, dataShape,
  csvText, describeCsv, describeNetwork, editRows, inputLimits, outputChoices, parseInteger, parseNumber,
  randomSeed, removeHiddenLayer, reseed, resizeLayer, setActivation, setBias, setCsv, setDataset, setFeatures, setLoss,
  unavailableReason, vocabulary, NEW_DATA_TITLE, newDataState,
} from "../../../../static/js/views/controls/controls-model.js";
import { mergeDeep } from "../../../../static/js/lib/merge.js";
import { server } from "../../server.mjs";

// The rules read the config's fields as the server states them (GET /api/config/fields).
const vocab = vocabulary(server.fields);

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

// The data sets as GET /api/datasets lists them.
const DATASETS = server.datasets;
const set = (name) => DATASETS.find((d) => d.name === name);

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
  const fake = { getRandomValues: (array) => { array[0] = vocab.maxSeed; return array; } };
  assert.equal(randomSeed(fake), vocab.maxSeed);
  const real = randomSeed();
  assert.ok(Number.isInteger(real) && real >= 0 && real <= vocab.maxSeed);
});

test("new random weights: a new seed, textbook or zero weights become xavier", () => {
  assert.deepEqual(reseed(seed231, 7), { seed: 7, data: { seed: seed231.seed }, init: { scheme: "xavier" } });
  assert.deepEqual(reseed(perceptron, 8), { seed: 8, data: { seed: perceptron.seed }, init: { scheme: "xavier" } });
  assert.deepEqual(reseed({ ...xor, init: { scheme: "he" } }, 9), { seed: 9, data: { seed: xor.seed }, init: { scheme: "he" } });
  // The data keeps the seed it was drawn with: the run's, or its own once it has one.
  const drawn = { ...xor, seed: 3, data: { ...xor.data, seed: 11 } };
  assert.deepEqual(reseed(drawn, 12).data, { seed: 11 });
});

test("adding a hidden layer copies the last one and keeps the output", () => {
  const partial = addHiddenLayer(vocab, xor);
  assert.deepEqual(partial.layers, [2, 4, 2, 2, 1]);
  assert.deepEqual(partial.activations, ["tanh", "tanh", "tanh", "sigmoid"]);
  assert.equal(partial.init, undefined, "random weights are drawn again by the server anyway");
});

test("a shape change drops the textbook weights (the URL says init=explicit)", () => {
  const partial = addHiddenLayer(vocab, seed231);
  assert.deepEqual(partial.layers, [2, 3, 3, 1]);
  assert.deepEqual(partial.init, { scheme: "xavier" });
  assert.deepEqual(resizeLayer(vocab, seed231, 1, +1).init, { scheme: "xavier" });
  assert.deepEqual(setBias(seed231, true).init, { scheme: "xavier" });
  // A new activation keeps every shape: the textbook weights stay.
  assert.equal(setActivation(vocab, seed231, 1, "tanh").init, undefined);
});

test("at most eight hidden layers; only hidden layers can be removed or resized", () => {
  const deep = { ...xor, layers: [2, 1, 1, 1, 1, 1, 1, 1, 1, 1], activations: Array(9).fill("tanh") };
  assert.equal(deep.layers.length - 2, vocab.maxHiddenLayers);
  assert.equal(addHiddenLayer(vocab, deep), null);
  assert.equal(removeHiddenLayer(xor, 0), null);
  assert.equal(removeHiddenLayer(xor, 3), null);
  assert.deepEqual(removeHiddenLayer(xor, 1).layers, [2, 2, 1]);
  assert.deepEqual(removeHiddenLayer(xor, 1).activations, ["tanh", "sigmoid"]);
  assert.equal(resizeLayer(vocab, xor, 0, 1), null);
  assert.equal(resizeLayer(vocab, { ...xor, layers: [2, 1, 2, 1] }, 1, -1), null, "a layer keeps one unit");
  assert.deepEqual(resizeLayer(vocab, xor, 2, -1).layers, [2, 4, 1, 1]);
});

test("a network with no hidden layer gets 4 tanh units", () => {
  const partial = addHiddenLayer(vocab, perceptron);
  assert.deepEqual(partial.layers, [2, 4, 1]);
  assert.deepEqual(partial.activations, ["tanh", "step"]);
  assert.deepEqual(partial.optimizer, { name: "sgd" }, "the perceptron rule needs one step layer");
});

test("output activation and loss stay a pair the server accepts", () => {
  assert.equal(setActivation(vocab, xor, 3, "linear").loss, "mse");
  assert.equal(setActivation(vocab, xor, 3, "softmax").loss, "cce");
  assert.equal(setActivation(vocab, seed231, 2, "sigmoid").loss, undefined, "mse works with any output");
  assert.deepEqual(setLoss(vocab, xor, "cce").activations, ["tanh", "tanh", "softmax"]);
  assert.deepEqual(setLoss(vocab, seed231, "bce").activations, ["sigmoid", "sigmoid"]);
  assert.deepEqual(setLoss(vocab, xor, "mse"), { loss: "mse" });
  assert.equal(setLoss(vocab, xor, "bce"), null);
});

test("choices keep the server's current value (a preset's step unit)", () => {
  assert.deepEqual(choices(["a", "b"], "c"), ["a", "b", "c"]);
  assert.deepEqual(choices(["a", "b"], "a"), ["a", "b"]);
  assert.ok(!outputChoices(vocab, 1, "sigmoid").includes("softmax"));
  assert.ok(outputChoices(vocab, 10, "softmax").includes("softmax"));
  assert.ok(outputChoices(vocab, 1, "step").includes("step"));
});

test("switching to the digits fits 64 inputs and 10 softmax outputs", () => {
  const partial = setDataset(vocab, xor, set("digits"));
  assert.deepEqual(partial.layers, [64, 4, 2, 10]);
  assert.deepEqual(partial.activations, ["tanh", "tanh", "softmax"]);
  assert.equal(partial.loss, "cce");
  assert.deepEqual(partial.data, { name: "digits", n: null, noise: null, test_fraction: null, text: null, target: null });
});

test("the new data set's defaults replace the old params (xor's noise would be refused)", () => {
  const base = { data: { name: "xor", n: 200, noise: 0.1, test_fraction: 0.5 } };
  const merged = mergeDeep(base, setDataset(vocab, xor, set("digits")));
  assert.equal(merged.data.noise, null);
  assert.equal(merged.data.n, null);
});

test("back to a 2-D set: 2 inputs, 1 sigmoid output with bce", () => {
  const digits = { ...xor, layers: [64, 50, 10], activations: ["sigmoid", "softmax"], loss: "cce", data: { name: "digits" } };
  const partial = setDataset(vocab, digits, set("xor"));
  assert.deepEqual(partial.layers, [2, 50, 1]);
  assert.deepEqual(partial.activations, ["sigmoid", "sigmoid"]);
  assert.equal(partial.loss, "bce");
});

test("a compatible choice is kept: a linear mse net stays linear on another 2-D set", () => {
  const linear = { ...xor, layers: [2, 4, 1], activations: ["tanh", "linear"], loss: "mse" };
  const partial = setDataset(vocab, linear, set("gate-and"));
  assert.deepEqual(partial.layers, [2, 4, 1]);
  assert.deepEqual(partial.activations, ["tanh", "linear"]);
  assert.equal(partial.loss, undefined);
});

test("regression data gets a linear output with mse when bce cannot fit", () => {
  const partial = setDataset(vocab, xor, set("plane"));
  assert.deepEqual(partial.activations, ["tanh", "tanh", "linear"]);
  assert.equal(partial.loss, "mse");
});

test("the textbook net on xor keeps its weights (same shapes)", () => {
  const partial = setDataset(vocab, seed231, set("xor"), seed231.data);
  assert.deepEqual(partial.layers, [2, 3, 1]);
  assert.equal(partial.init, undefined);
  assert.equal(partial.loss, undefined, "linear output with mse is fine for two classes");
});

test("inline rows come from the preset; the set is offered only when there are some", () => {
  const onXor = { ...seed231, layers: [2, 5, 1], data: { name: "xor" } };
  const partial = setDataset(vocab, onXor, set("inline"), seed231.data);
  assert.deepEqual(partial.layers, [2, 5, 1]);
  assert.equal(dataShape(set("inline"), seed231.data).inputs, 2);
  assert.ok(datasetChoices(DATASETS, onXor, seed231.data).some((d) => d.name === "inline"));
  assert.ok(!datasetChoices(DATASETS, xor, xor.data).some((d) => d.name === "inline"));
  assert.ok(datasetChoices(DATASETS, xor, xor.data).some((d) => d.name === "mnist"), "mnist is listed; the server says if it is missing");
});

test("data params shown: only the numeric ones the set takes", () => {
  assert.deepEqual(dataParams(vocab, set("xor")).map(([key]) => key), ["n", "noise", "test_fraction"]);
  assert.deepEqual(dataParams(vocab, set("digits")).map(([key]) => key), ["n", "test_fraction"]);
  assert.deepEqual(dataParams(vocab, set("gate-and")).map(([key]) => key), ["noise", "test_fraction"]);
  assert.deepEqual(dataParams(vocab, set("inline")).map(([key]) => key), ["test_fraction"]);
  assert.deepEqual(dataParams(vocab, undefined), []);
});

test("optimizer settings shown only where the rule reads them", () => {
  assert.deepEqual(vocab.optimizerSettings.momentum, ["momentum"]);
  assert.deepEqual(vocab.optimizerSettings.adam, ["beta1", "beta2", "eps"]);
  assert.deepEqual(vocab.optimizerSettings.rmsprop, ["rho", "eps"]);
  assert.deepEqual(vocab.optimizerSettings.sgd, []);
});

test("the controls offer what the server's table allows", () => {
  assert.deepEqual(vocab.hiddenActivations, ["sigmoid", "tanh", "relu", "linear"]);
  assert.deepEqual(vocab.outputActivations, ["sigmoid", "tanh", "relu", "linear", "softmax"]);
  assert.deepEqual(vocab.fused, { bce: "sigmoid", cce: "softmax" });
  assert.deepEqual(vocab.dataParams, [["n", "size (n)"], ["noise", "noise"], ["test_fraction", "test fraction"]]);
  assert.equal(vocab.maxSeed, 2 ** 32 - 1);
  assert.deepEqual(inputLimits(vocab.field("batch.size")), { min: 1, max: 10000, step: 1 });
  assert.deepEqual(inputLimits(vocab.field("optimizer.lr")), { min: 0, max: 100, step: "any" });
  // A hidden layer grows up to the table's widest layer and no further.
  const wide = { ...xor, layers: [2, vocab.maxUnits - 1, 1], activations: ["tanh", "sigmoid"] };
  assert.equal(resizeLayer(vocab, wide, 1, +1).layers[1], vocab.maxUnits);
  assert.equal(resizeLayer(vocab, { ...wide, layers: [2, vocab.maxUnits, 1] }, 1, +1), null);
  assert.equal(vocab.maxUnits, vocab.field("layers").max);
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

test("features: the input layer gets one unit each, the rest of the network stays", () => {
  const partial = setFeatures(xor, ["x1", "x2", "x1^2"]);
  assert.deepEqual(partial.features, ["x1", "x2", "x1^2"]);
  assert.deepEqual(partial.layers, [3, 4, 2, 1]);
  assert.deepEqual(partial.activations, xor.activations);
  assert.equal(setFeatures(xor, ["x1", "x2"]), null);  // the default, unchanged
  assert.equal(setFeatures({ ...xor, features: ["x1^2"] }, ["x1^2"]), null);
  assert.equal(setFeatures(xor, []), null);
  // The textbook weights fit two inputs only: a random start takes their place.
  assert.deepEqual(setFeatures(seed231, ["x1^2", "x2^2", "x1*x2"]).init, { scheme: "xavier" });
});

test("features follow a change of data: kept on another plane, dropped for other data", () => {
  const fed = { ...xor, features: ["x1^2", "x2^2", "sin(x1)"], layers: [3, 4, 2, 1] };
  const circle = setDataset(vocab, fed, set("circle"));
  assert.equal(circle.layers[0], 3);
  assert.equal(circle.features, undefined);  // the config keeps its features
  const digits = setDataset(vocab, fed, set("digits"));
  assert.equal(digits.layers[0], 64);
  assert.deepEqual(digits.features, ["x1", "x2"]);
  assert.equal(setDataset(vocab, xor, set("digits")).features, undefined);
});

// POST /api/datasets/check's answers, as tests/app/test_csv_data.py checks the route gives them.
const species = {
  name: "csv", kind: "classification", input_dim: 4, output_dim: 3, n_classes: 3,
  class_names: ["setosa", "versicolor", "virginica"], n_train: 6, n_test: 2,
  columns: ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"],
};
const heights = { ...species, kind: "regression", input_dim: 3, output_dim: 1, n_classes: null, class_names: null, n_train: 1, n_test: 0 };

test("a CSV of 4 inputs and 3 words fits the input layer, 3 softmax outputs and cce", () => {
  const partial = setCsv(vocab, xor, species, "a,b,c,d,species\n...", null);
  assert.deepEqual(partial.layers, [4, 4, 2, 3]);
  assert.deepEqual(partial.activations, ["tanh", "tanh", "softmax"]);
  assert.equal(partial.loss, "cce");
  assert.equal(partial.data.name, "csv");
  assert.equal(partial.data.text, "a,b,c,d,species\n...");
  assert.equal(partial.data.target, null);
  assert.equal(partial.data.n, null, "xor's n is not csv's: left to its default");
  assert.equal(partial.batch, undefined, "a config without a batch size keeps it");
  const batched = setCsv(vocab, { ...xor, batch: { size: 10, order: "shuffle" } }, species, "...", null);
  assert.deepEqual(batched.batch, { size: null }, "10 rows > 6 training rows: the full batch");
  assert.equal(setCsv(vocab, { ...xor, batch: { size: 4 } }, species, "...", null).batch, undefined);
});

test("a CSV with a number to predict gets one linear output with mse", () => {
  const partial = setCsv(vocab, xor, heights, "h,a,b,c\n1,2,3,4", "h");
  assert.deepEqual(partial.layers, [3, 4, 2, 1]);
  assert.deepEqual(partial.activations, ["tanh", "tanh", "linear"]);
  assert.equal(partial.loss, "mse");
  assert.equal(partial.data.target, "h");
});

test("leaving csv for another set leaves its text and target behind", () => {
  const csv = { ...xor, data: { name: "csv", text: "x,y\n1,2", target: null, test_fraction: 0.2 } };
  const merged = mergeDeep({ data: { ...csv.data } }, setDataset(vocab, csv, set("xor")));
  assert.equal(merged.data.name, "xor");
  assert.equal(merged.data.text, null);
  assert.equal(merged.data.target, null);
});

test("csv is offered in the list only while it is the data", () => {
  const names = (config) => datasetChoices(server.datasets, config).map((d) => d.name);
  assert.ok(!names(xor).includes("csv"));
  assert.ok(names({ ...xor, data: { name: "csv", text: "x,y\n1,2" } }).includes("csv"));
});

test("a checked CSV is described in words: rows, split, inputs and classes", () => {
  assert.equal(describeCsv(species), "8 rows (6 to train, 2 to test), 4 inputs; 3 classes: setosa, versicolor, virginica");
  assert.equal(describeCsv(heights), "1 row, 3 inputs; numbers to predict (regression)");
});

test("the table's rows are written back as CSV, quoting what a comma or quote would break", () => {
  assert.equal(csvText(["x", "y", "label"], [["1", "2", "red"], ["3", "4", "a, b"]]), 'x,y,label\n1,2,red\n3,4,"a, b"\n');
  assert.equal(csvText(["x", "say"], [["1", 'a "b"'], ["2", "two\nlines"]]), 'x,say\n1,"a ""b"""\n2,"two\nlines"\n');
});

test("an edit of the table: a cell set, a row added as a copy of the last, a row deleted", () => {
  const rows = [["1", "2", "red"], ["3", "4", "blue"]];
  assert.deepEqual(editRows(rows, { kind: "set", row: 1, column: 0, value: "9" }), [["1", "2", "red"], ["9", "4", "blue"]]);
  assert.deepEqual(rows[1], ["3", "4", "blue"], "the rows given are not changed");
  assert.deepEqual(editRows(rows, { kind: "add" }), [...rows, ["3", "4", "blue"]]);
  assert.deepEqual(editRows(rows, { kind: "delete", row: 0 }), [["3", "4", "blue"]]);
  assert.deepEqual(editRows([["1", "2"]], { kind: "delete", row: 0 }), [["1", "2"]], "a CSV keeps one row");
});

test("New data is off, saying why, where every data seed gives the same rows", () => {
  const topology = (fixed) => ({ dataset: { name: "gate-and", fixed_rows: fixed } });
  const reason = "the gate's four rows are the same under every data seed: add noise or a test fraction to draw others";
  assert.deepEqual(newDataState(topology(reason)), { disabled: true, title: `New data would change nothing: ${reason}` });
  assert.deepEqual(newDataState(topology(null)), { disabled: false, title: NEW_DATA_TITLE });
  assert.deepEqual(newDataState(null), { disabled: false, title: NEW_DATA_TITLE });  // before the first topology
});
