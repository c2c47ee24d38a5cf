import { test } from "node:test";
import assert from "node:assert/strict";

import {
  MAX_ROWS_CHARS, TWIN_PREFIX, decodeConfig, decodeTwin, encodeConfig, encodeTwin, keptData, nearestConfig,
  shareProblem, sourcePreset, URL_FIELDS, URL_TEXT_LIMIT, viewOption, withViewOption,
} from "../../../static/js/shell/urlstate.js";

const resolved = {
  preset: "xor", layers: [2, 4, 2, 1], activations: ["tanh", "tanh", "sigmoid"], bias: true,
  loss: "bce", init: { scheme: "xavier", params: null, low: -0.5, high: 0.5, std: 0.01 },
  data: { name: "xor", n: 200, noise: 0.05, test_fraction: 0.5 },
  optimizer: { name: "adam", lr: 0.003, momentum: 0.9, rho: 0.9, beta1: 0.9, beta2: 0.999, eps: 1e-7 },
  gradient: { method: "numeric-central", epsilon: 0.0001 }, batch: { size: null, order: "shuffle" },
  regularization: { kind: "l2", rate: 0.001 }, dtype: "float64", seed: 42,
};

test("encode then decode gives back every field in the table", () => {
  const { config, errors } = decodeConfig(encodeConfig(resolved));
  assert.deepEqual(errors, []);
  assert.deepEqual(config.layers, [2, 4, 2, 1]);
  assert.deepEqual(config.activations, ["tanh", "tanh", "sigmoid"]);
  assert.equal(config.bias, true);
  assert.equal(config.batch.size, null);
  assert.equal(config.optimizer.lr, 0.003);
  assert.equal(config.gradient.epsilon, 0.0001);
  assert.equal(config.data.noise, 0.05);
  assert.equal(config.seed, 42);
  assert.equal(config.init.scheme, "xavier");
  assert.equal(config.init.params, undefined, "explicit weights never travel in the URL");
  assert.equal(encodeConfig(config), encodeConfig(resolved));
});

test("fields that do not apply are left out", () => {
  const inline = { ...resolved, data: { name: "inline", inputs: [[1, 1]], targets: [[0]], test_fraction: 0 } };
  const query = new URLSearchParams(encodeConfig(inline));
  assert.equal(query.has("n"), false);
  assert.equal(query.has("noise"), false);
  assert.equal(query.get("data"), "inline");
});

test("a custom net on a preset's weights or rows names that preset in its URL", () => {
  const rows = { name: "inline", inputs: [[1, 1]], targets: [[0]], test_fraction: 0 };
  const textbook = [{ W: [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], b: null }, { W: [[0.3], [0.5], [0.9]], b: null }];
  const explicit = { ...resolved.init, scheme: "explicit", params: textbook };
  const presets = [
    { id: "hand", config: { ...resolved, preset: "hand", init: explicit, data: rows } },
    { id: "hand-train", config: { ...resolved, preset: "hand-train", init: { ...explicit, params: [] }, data: rows } },
    { id: "xor", config: resolved },
  ];
  // The textbook weights on xor data: no longer the preset, still its weights.
  const custom = { ...resolved, preset: null, init: explicit };
  assert.equal(sourcePreset(custom, presets), "hand");
  assert.equal(new URLSearchParams(encodeConfig(custom, presets)).get("preset"), "hand");
  // New random weights on the textbook rows: the rows' preset (the first that has them).
  assert.equal(sourcePreset({ ...resolved, preset: null, data: rows }, presets), "hand");
  // Weights and rows must both come from the one preset named.
  assert.equal(sourcePreset({ ...custom, data: { ...rows, targets: [[1]] } }, presets), null);
  // Random weights on generated data need no preset: every field is in the URL.
  assert.equal(sourcePreset({ ...resolved, preset: null }, presets), null);
  assert.equal(new URLSearchParams(encodeConfig({ ...resolved, preset: null }, presets)).has("preset"), false);
  // A config that is its preset keeps its own name.
  assert.equal(new URLSearchParams(encodeConfig(resolved, presets)).get("preset"), "xor");
});

test("unreadable values are reported and the rest still applies", () => {
  const { config, errors } = decodeConfig("layers=2,x,1&lr=fast&seed=7&batch=full");
  assert.deepEqual(errors.map((e) => e.key), ["layers", "lr"]);
  assert.equal(config.seed, 7);
  assert.equal(config.batch.size, null);
  assert.equal(config.layers, undefined);
});

test("every URL key is unique and every path is distinct", () => {
  const keys = URL_FIELDS.map(([key]) => key);
  const paths = URL_FIELDS.map(([, path]) => path);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(new Set(paths).size, paths.length);
});

test("nearestConfig leaves out what the server named, and nothing else", () => {
  assert.deepEqual(nearestConfig({ preset: "xor", layers: [2, 0, 1] }, [{ field: "layers[1]", reason: "x" }]),
    { preset: "xor" });
  assert.deepEqual(nearestConfig({ preset: "nosuch" }, [{ field: "preset" }]), {});
  assert.deepEqual(nearestConfig({ preset: "xor", optimizer: { name: "sgd", lr: 500 } }, [{ field: "optimizer.lr" }]),
    { preset: "xor", optimizer: { name: "sgd" } });
  const config = { preset: "xor" };
  assert.equal(nearestConfig(config, [{ field: "body" }]), null);  // nothing it can leave out
  assert.equal(nearestConfig(config, []), null);
  assert.deepEqual(config, { preset: "xor" });  // the original is untouched
});

test("the data's own seed travels in the URL only when the config has one", () => {
  assert.equal(new URLSearchParams(encodeConfig(resolved)).has("dseed"), false);
  const pinned = { ...resolved, data: { ...resolved.data, seed: 4294967295 } };
  const query = encodeConfig(pinned);
  assert.equal(new URLSearchParams(query).get("dseed"), "4294967295");
  assert.equal(decodeConfig(query).config.data.seed, 4294967295);
  assert.deepEqual(decodeConfig("dseed=x").errors.map((e) => e.key), ["dseed"]);
});

test("a view option is on while key=1 is in the URL, and the rest of the URL stays", () => {
  assert.equal(viewOption("?data=sine&discrete=1", "discrete"), true);
  assert.equal(viewOption("?data=sine", "discrete"), false);
  assert.equal(viewOption("?discrete=0", "discrete"), false);
  assert.equal(withViewOption("?data=sine&hide=data,hyper", "discrete", true), "data=sine&hide=data,hyper&discrete=1");
  assert.equal(withViewOption("data=sine&discrete=1", "discrete", false), "data=sine");
  assert.equal(withViewOption("", "discrete", false), "");
});

test("drawn rows travel in the URL, with their labels or targets and their plane", () => {
  const drawn = { ...resolved, preset: null,
    data: { name: "inline", inputs: [[1.5, -2], [0.25, 3]], targets: null, labels: [0, 1], test_fraction: 0,
      domain: [[-6, 6], [-6, 6]] } };
  const query = encodeConfig(drawn, []);
  const params = new URLSearchParams(query);
  assert.equal(params.get("rows"), "1.5,-2_0.25,3");
  assert.equal(params.get("labels"), "0,1");
  assert.equal(params.get("box"), "-6,6_-6,6");
  assert.equal(params.has("targets"), false);
  const { config, errors } = decodeConfig(query);
  assert.deepEqual(errors, []);
  assert.deepEqual(config.data, { name: "inline", test_fraction: 0, inputs: [[1.5, -2], [0.25, 3]], labels: [0, 1],
    domain: [[-6, 6], [-6, 6]] });
  const regression = { ...drawn, data: { ...drawn.data, labels: null, targets: [[0.5], [-1]] } };
  assert.deepEqual(decodeConfig(encodeConfig(regression)).config.data.targets, [[0.5], [-1]]);
  assert.deepEqual(decodeConfig("rows=1,x").errors.map((e) => e.key), ["rows"]);
});

test("a preset's rows stay out of the URL, and so do rows too many for an address", () => {
  const rows = { name: "inline", inputs: [[1, 1]], targets: [[0]], labels: null, test_fraction: 0 };
  const presets = [{ id: "hand", config: { ...resolved, preset: "hand", data: rows } }];
  const own = new URLSearchParams(encodeConfig({ ...resolved, preset: null, data: rows }, presets));
  assert.equal(own.get("preset"), "hand");
  assert.equal(own.has("rows") || own.has("targets"), false);
  const inputs = Array.from({ length: 800 }, (_, i) => [i / 7, -i / 3]);
  const many = { ...resolved, preset: null, data: { ...rows, inputs, targets: null, labels: inputs.map((_, i) => i % 2) } };
  const query = encodeConfig(many, presets);
  assert.ok(query.length < MAX_ROWS_CHARS);
  assert.equal(new URLSearchParams(query).has("rows"), false);
  assert.equal(new URLSearchParams(query).get("data"), "inline");
});

test("the features travel in the URL, and a URL without them asks for the default", () => {
  const fed = { ...resolved, features: ["x1^2", "x2^2", "sin(x1)"], layers: [3, 1], activations: ["sigmoid"] };
  const query = encodeConfig(fed);
  assert.equal(new URLSearchParams(query).get("feat"), "x1^2,x2^2,sin(x1)");
  const { config, errors } = decodeConfig(query);
  assert.deepEqual(errors, []);
  assert.deepEqual(config.features, ["x1^2", "x2^2", "sin(x1)"]);
  assert.equal("features" in decodeConfig("preset=xor").config, false);
});

test("a short CSV travels in the URL, a long one does not and a link says why", () => {
  const short = { ...resolved, data: { name: "csv", text: "x1,x2,label\n0.5,1.2,red\n-1,0.3,blue\n", target: "label", test_fraction: 0.2 } };
  const { config } = decodeConfig(encodeConfig(short));
  assert.deepEqual(config.data, { name: "csv", text: short.data.text, target: "label", test_fraction: 0.2 });
  assert.equal(shareProblem(short), null);
  const text = "x,y\n" + "1,2\n".repeat(URL_TEXT_LIMIT / 4);
  const long = { ...short, data: { ...short.data, text } };
  assert.equal(new URLSearchParams(encodeConfig(long)).has("csv"), false);
  assert.match(shareProblem(long), /too long for a link \(at most 4,000\)/);
});

test("a rebuild keeps the session's CSV unless it asks for other data", () => {
  const csv = { ...resolved, data: { name: "csv", text: "x,y\n1,2\n", target: null } };
  assert.deepEqual(keptData(csv, { layers: [1, 3, 1] }), { text: "x,y\n1,2\n", target: null });
  assert.deepEqual(keptData(csv, { data: { test_fraction: 0.3 } }), { text: "x,y\n1,2\n", target: null });
  assert.equal(keptData(csv, { data: { name: "xor" } }), null);
  assert.equal(keptData(csv, { data: { name: "csv", text: "a,b\n3,4\n" } }), null, "a new CSV is the partial's own");
  assert.equal(keptData(resolved, {}), null);
});

test("a twin's b. fields are the URL fields it changes, read back as a partial config", () => {
  const twin = { ...resolved, optimizer: { ...resolved.optimizer, lr: 0.3 }, activations: ["relu", "relu", "sigmoid"] };
  const query = encodeTwin(resolved, twin);
  assert.deepEqual([...new URLSearchParams(query).keys()].sort(), ["b.act", "b.lr"]);
  const { changes, errors } = decodeTwin(`${encodeConfig(resolved)}&${query}`);
  assert.deepEqual(errors, []);
  assert.deepEqual(changes, { activations: ["relu", "relu", "sigmoid"], optimizer: { lr: 0.3 } });
  // The main fields read as before: the b. ones are not theirs.
  assert.equal(decodeConfig(`${encodeConfig(resolved)}&${query}`).config.optimizer.lr, 0.003);
});

test("an address without b. fields has no twin; a twin never names a preset", () => {
  assert.equal(decodeTwin("preset=xor&lr=0.1"), null);
  assert.equal(decodeTwin("preset=xor&b.preset=circle"), null);
  assert.equal(encodeTwin(resolved, { ...resolved, preset: "circle" }), "");
  const { changes, errors } = decodeTwin(`preset=xor&${TWIN_PREFIX}lr=fast&${TWIN_PREFIX}seed=4`);
  assert.deepEqual(changes, { seed: 4 });
  assert.deepEqual(errors.map((e) => e.key), ["b.lr"]);
});
