// Pure helpers for the controls: given the server's resolved config and what the user asked
// for, the partial config to send. No DOM here, so node can test every rule
// (tests/js/views/controls/controls-model.test.mjs). The server still checks everything; these rules only keep
// a single click from producing a config the server must refuse (an input layer that does
// not match the data, a loss without its output activation, textbook weights of the wrong
// shape). The choices and limits are the server's (GET /api/config/fields): the rules that
// need them take them as their first argument, `vocab` (see vocabulary).

import { IDENTITY, seesFeatures } from "../features/features-model.js";

// The words a data param's control is labelled with, in the order they are shown; a param
// the server adds is shown too, after these, labelled with its name.
const DATA_PARAM_LABELS = { n: "size (n)", noise: "noise", test_fraction: "test fraction" };

/** What the controls need from GET /api/config/fields (the config's one table, in
 *  core/fields.py), passed as `vocab` to the rules below: each field by path, and the
 *  lists and limits that follow from them. */
export function vocabulary(fields) {
  const field = Object.fromEntries(fields.map((f) => [f.path, f]));
  const acts = field.activations;
  // Gradient descent cannot train through a step unit: the perceptron preset brings one.
  const trained = acts.choices.filter((a) => !acts.facts.without_gradient.includes(a));
  const usedWith = (path, value) => fields
    .filter((f) => f.applies?.field === path && f.applies.values.includes(value))
    .map((f) => f.path.split(".").pop());
  const labelled = Object.keys(DATA_PARAM_LABELS);
  const rank = (key) => (labelled.includes(key) ? labelled.indexOf(key) : labelled.length);
  // data.seed has a button of its own ("New data"), not a number to type.
  const dataKeys = fields
    .filter((f) => f.path.startsWith("data.") && f.path !== "data.seed" && f.per_dataset && ["int", "float"].includes(f.type))
    .map((f) => f.path.slice("data.".length))
    .sort((a, b) => rank(a) - rank(b));
  return {
    field: (path) => field[path],
    maxHiddenLayers: field.layers.length[1] - 2,
    maxUnits: field.layers.max,
    maxSeed: field.seed.max,
    hiddenActivations: trained.filter((a) => !acts.facts.output_only.includes(a)),
    outputActivations: trained,
    // A loss computed together with its output activation (the server refuses other pairs).
    fused: field.loss.facts.fused_with,
    // The optimizer settings each rule reads (the learning rate is read by all of them).
    optimizerSettings: Object.fromEntries(field["optimizer.name"].choices.map((name) => [name, usedWith("optimizer.name", name)])),
    // The numeric data params, with their labels, in display order.
    dataParams: dataKeys.map((key) => [key, DATA_PARAM_LABELS[key] ?? key]),
    // The data params written as text (a CSV and its target column): kept out of another
    // data set's spec, as the URL may carry them.
    textDataParams: fields.filter((f) => f.path.startsWith("data.") && f.type === "text").map((f) => f.path.slice("data.".length)),
  };
}

/** A number input's min, max and step from the field's limits. */
export function inputLimits(field) {
  return { min: field.min ?? undefined, max: field.max ?? undefined, step: field.type === "int" ? 1 : "any" };
}

/** Choices for a select: the allowed ones, plus the current value if it is not among them
 *  (a preset may use "step"; the select must still show what the server has). */
export function choices(allowed, current) {
  return current != null && !allowed.includes(current) ? [...allowed, current] : [...allowed];
}

/** Output activations that make sense for `units` outputs (softmax needs at least 2). */
export function outputChoices(vocab, units, current) {
  return choices(vocab.outputActivations.filter((a) => a !== "softmax" || units >= 2), current);
}

/** The URL/number text of an input -> a finite number, or null when empty or unreadable. */
export function parseNumber(text) {
  const trimmed = String(text ?? "").trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** A whole number from an input, or null. */
export function parseInteger(text) {
  const value = parseNumber(text);
  return value !== null && Number.isInteger(value) ? value : null;
}

/** A uniformly random seed 0..2^32-1 from `crypto.getRandomValues`. */
export function randomSeed(source = globalThis.crypto) {
  return source.getRandomValues(new Uint32Array(1))[0];
}

// --- topology --------------------------------------------------------------------------

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Everything a new topology needs besides layers/activations/bias to stay valid.
function topology(config, layers, activations, bias = config.bias, extra = {}) {
  const partial = { layers, activations, bias, ...extra };
  const reshaped = !sameList(layers, config.layers) || bias !== config.bias;
  // Explicit (textbook) weights fit one shape only. The URL always carries init=explicit,
  // so the server's own fallback does not apply: ask for xavier here.
  if (reshaped && config.init?.scheme === "explicit") partial.init = { scheme: "xavier" };
  // The perceptron rule works on a single step layer only.
  const perceptronFits = activations.length === 1 && activations[0] === "step";
  if (config.optimizer?.name === "perceptron" && !perceptronFits) {
    partial.optimizer = { name: "sgd" };
  }
  return partial;
}

/** Hidden layer sizes (layers without the input and output). */
export function hiddenLayers(config) {
  return config.layers.slice(1, -1);
}

/** Add a hidden layer just before the output, as wide and with the same activation as the
 *  last hidden layer (4 tanh units for a network without one); null at the maximum. */
export function addHiddenLayer(vocab, config) {
  const { layers, activations } = config;
  if (layers.length - 2 >= vocab.maxHiddenLayers) return null;
  const hidden = layers.length > 2;
  const width = hidden ? layers[layers.length - 2] : 4;
  const act = hidden && vocab.hiddenActivations.includes(activations[activations.length - 2])
    ? activations[activations.length - 2] : "tanh";
  return topology(config,
    [...layers.slice(0, -1), width, layers[layers.length - 1]],
    [...activations.slice(0, -1), act, activations[activations.length - 1]]);
}

/** Remove hidden layer `index` (1 = the first hidden layer); null if it is not hidden. */
export function removeHiddenLayer(config, index) {
  const { layers, activations } = config;
  if (index < 1 || index > layers.length - 2) return null;
  return topology(config,
    layers.filter((_, i) => i !== index),
    activations.filter((_, i) => i !== index - 1));
}

/** Change the width of hidden layer `index` by `delta` (kept in 1..vocab.maxUnits); null
 *  when nothing would change. */
export function resizeLayer(vocab, config, index, delta) {
  const { layers } = config;
  if (index < 1 || index > layers.length - 2) return null;
  const width = Math.min(vocab.maxUnits, Math.max(1, layers[index] + delta));
  if (width === layers[index]) return null;
  const next = [...layers];
  next[index] = width;
  return topology(config, next, [...config.activations]);
}

/** Set the activation of layer `index` (1 = first hidden layer, last = output). An output
 *  activation that its loss cannot be fused with brings a loss that fits. */
export function setActivation(vocab, config, index, activation) {
  const acts = [...config.activations];
  if (index < 1 || index > acts.length || acts[index - 1] === activation) return null;
  acts[index - 1] = activation;
  const extra = {};
  if (index === acts.length) {
    const fused = vocab.fused[config.loss];
    if (fused && fused !== activation) {
      extra.loss = activation === "softmax" ? "cce" : activation === "sigmoid" ? "bce" : "mse";
    } else if (!fused && activation === "softmax" && config.loss === "bce") {
      extra.loss = "cce";
    }
  }
  return topology(config, [...config.layers], acts, config.bias, extra);
}

/** Feed the network `features` (names from the features field's choices, at least one):
 *  the input layer gets one unit each. null when nothing would change. */
export function setFeatures(config, features) {
  const now = config.features ?? IDENTITY;
  if (!features.length || sameList(features, now)) return null;
  return topology(config, [features.length, ...config.layers.slice(1)], [...config.activations], config.bias,
    { features: [...features] });
}

/** Biases on or off. */
export function setBias(config, bias) {
  if (bias === config.bias) return null;
  return topology(config, [...config.layers], [...config.activations], bias);
}

/** A new loss; bce and cce bring the output activation they are computed with. */
export function setLoss(vocab, config, loss) {
  if (loss === config.loss) return null;
  const partial = { loss };
  const fused = vocab.fused[loss];
  const acts = config.activations;
  if (fused && acts[acts.length - 1] !== fused) {
    partial.activations = [...acts.slice(0, -1), fused];
  }
  return partial;
}

// --- data ------------------------------------------------------------------------------

/** What the data set asks of the network: inputs (null = keep), outputs (null = keep) and
 *  the task ("binary", "multiclass", "regression", or null when the rows decide). */
export function dataShape(info, presetData = null) {
  if (!info) return { inputs: null, outputs: null, task: null };
  if (info.name === "inline") {
    const inputs = presetData?.inputs?.[0]?.length ?? null;
    const outputs = presetData?.targets?.[0]?.length ?? null;
    return { inputs, outputs, task: null };
  }
  if (info.kind === "regression") return { inputs: info.input_dim, outputs: 1, task: "regression" };
  // One output unit for two classes, one per class (one-hot) for more.
  return info.output_dim > 1
    ? { inputs: info.input_dim, outputs: info.output_dim, task: "multiclass" }
    : { inputs: info.input_dim, outputs: 1, task: "binary" };
}

// Is (output activation, loss) a sensible pair for the task? If not, the canonical pair.
function outputFor(vocab, task, act, loss) {
  if (task === "binary") {
    return act === "softmax" || loss === "cce" ? ["sigmoid", "bce"] : [act, loss];
  }
  if (task === "multiclass") return ["softmax", "cce"];
  if (task === "regression") {
    return vocab.fused[loss] || act === "softmax" || act === "step" ? ["linear", "mse"] : [act, loss];
  }
  return [act, loss];
}

/** Switch to data set `info` (an entry of GET /api/datasets) with its default params, and
 *  fit the input and output layers and the loss to it. `presetData` is the preset's data
 *  (for inline rows, which only a preset provides). */
export function setDataset(vocab, config, info, presetData = null) {
  const data = { name: info.name };
  // The new set's defaults: null means "not set" to the server, and keys a set does not
  // take are accepted only as null.
  for (const [key] of vocab.dataParams) data[key] = null;
  for (const key of vocab.textDataParams) data[key] = null;
  const { inputs, outputs, task } = dataShape(info, presetData);
  const layers = [...config.layers];
  // Features are computed from a plane's x1 and x2: another plane keeps them (one input
  // unit each); data of another width is seen as it is.
  const fed = seesFeatures(config);
  if (inputs) layers[0] = fed && inputs === 2 ? config.features.length : inputs;
  const outputsChanged = outputs !== null && outputs !== layers[layers.length - 1];
  if (outputs) layers[layers.length - 1] = outputs;
  const acts = [...config.activations];
  let [act, loss] = outputFor(vocab, task, acts[acts.length - 1], config.loss);
  if (outputsChanged && task === "binary") [act, loss] = ["sigmoid", "bce"];
  if (outputsChanged && task === "regression") [act, loss] = ["linear", "mse"];
  if (act === "softmax" && layers[layers.length - 1] < 2) [act, loss] = ["sigmoid", "bce"];
  acts[acts.length - 1] = act;
  const partial = topology(config, layers, acts, config.bias, { data });
  if (fed && inputs && inputs !== 2) partial.features = [...IDENTITY];
  if (loss !== config.loss) partial.loss = loss;
  return partial;
}

/** The data params that apply to a data set: [key, label, spec] for numeric params. */
export function dataParams(vocab, info) {
  if (!info) return [];
  return vocab.dataParams
    .filter(([key]) => info.params?.[key] && ["int", "float"].includes(info.params[key].type))
    .map(([key, label]) => [key, label, info.params[key]]);
}

/** The data sets to offer: all of them, except inline rows unless the config or its preset
 *  has some (a new set of rows cannot be typed in here), and csv only while it is the data
 *  (a CSV comes from "Your data"). */
export function datasetChoices(datasets, config, presetData = null) {
  const inline = config?.data?.name === "inline" || presetData?.name === "inline";
  const csv = config?.data?.name === "csv";
  return datasets.filter((d) => (d.name !== "inline" || inline) && (d.name !== "csv" || csv));
}

/** The partial config that makes `text` (a CSV the server checked: `summary` is POST
 *  /api/datasets/check's answer) the data, with the input and output layers, the output
 *  activation and the loss fitted to it. `target`: the column to predict, null for the last. */
export function setCsv(vocab, config, summary, text, target = null) {
  const info = { name: "csv", kind: summary.kind, input_dim: summary.input_dim, output_dim: summary.output_dim };
  const partial = setDataset(vocab, config, info);
  partial.data = { ...partial.data, text, target };
  // A batch larger than the training rows is refused (the URL carries the size as given):
  // a small file trains on all its rows at once.
  if (config.batch?.size > summary.n_train) partial.batch = { size: null };
  return partial;
}

/** Rows of cells written back as CSV text under their header: a cell with a comma, a
 *  quote or a line break is quoted, its quotes doubled (RFC 4180, which the server's csv
 *  module reads). */
export function csvText(header, rows) {
  const cell = (value) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return [header, ...rows].map((row) => row.map((v) => cell(String(v ?? ""))).join(",")).join("\n") + "\n";
}

/** The table's rows (lists of cells) after one edit: {kind: "set", row, column, value};
 *  {kind: "add"}, a copy of the last row to change (a row of empty cells would be refused);
 *  {kind: "delete", row}, never the last row left (a CSV needs one). */
export function editRows(rows, change) {
  if (change.kind === "set") {
    return rows.map((cells, i) => (i === change.row ? cells.map((v, j) => (j === change.column ? change.value : v)) : cells));
  }
  if (change.kind === "add" && rows.length) return [...rows, [...rows[rows.length - 1]]];
  if (change.kind === "delete" && rows.length > 1) return rows.filter((_, i) => i !== change.row);
  return rows;
}

/** The words under the CSV box for a checked CSV, e.g. "8 rows (6 to train, 2 to test),
 *  4 inputs; 3 classes: setosa, versicolor, virginica". */
export function describeCsv(summary) {
  const rows = summary.n_train + summary.n_test;
  const plural = (n, word) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : word.endsWith("s") ? "es" : "s"}`;
  const split = summary.n_test ? ` (${summary.n_train.toLocaleString("en-US")} to train, ${summary.n_test.toLocaleString("en-US")} to test)` : "";
  const task = summary.kind === "regression" ? "numbers to predict (regression)"
    : `${plural(summary.n_classes, "class")}: ${(summary.class_names ?? []).join(", ")}`;
  return `${plural(rows, "row")}${split}, ${plural(summary.input_dim, "input")}; ${task}`;
}

/** Why data set `name` cannot be used on this server (GET /api/datasets says), or null. */
export function unavailableReason(datasets, name) {
  const info = datasets.find((d) => d.name === name);
  return info && info.available === false ? (info.unavailable_reason ?? "not available on this server") : null;
}

// What "New data" does, where it can: the button's title.
export const NEW_DATA_TITLE = "draw the data again (a new data seed), keeping the weights";

/** "New data" as the page offers it ({disabled, title}): off where every data seed gives
 *  the same rows (the topology's dataset.fixed_rows, the server's reason, which the title
 *  says), since the server refuses it there; on elsewhere, and before a topology came. */
export function newDataState(topology) {
  const fixed = topology?.dataset?.fixed_rows ?? null;
  return fixed ? { disabled: true, title: `New data would change nothing: ${fixed}` }
    : { disabled: false, title: NEW_DATA_TITLE };
}

/** New random weights on the same data: a new seed, the data seed pinned to the one the
 *  data was drawn with (the old seed when the config has none: data seed k draws what seed
 *  k draws), and a random initializer if the current one is not. */
export function reseed(config, seed) {
  const scheme = config.init?.scheme;
  return {
    seed,
    data: { seed: config.data?.seed ?? config.seed },
    init: { scheme: scheme === "explicit" || scheme === "zeros" ? "xavier" : scheme },
  };
}

/** A short description of the network, e.g. "2-3-1, 9 weights, 0 biases". */
export function describeNetwork(config) {
  const { layers, bias } = config;
  let weights = 0;
  let biases = 0;
  for (let i = 1; i < layers.length; i += 1) {
    weights += layers[i - 1] * layers[i];
    if (bias) biases += layers[i];
  }
  return `${layers.join("-")}: ${weights.toLocaleString("en-US")} weights, ` +
    `${biases.toLocaleString("en-US")} biases`;
}
