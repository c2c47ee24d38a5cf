import { test } from "node:test";
import assert from "node:assert/strict";

import { decodeConfig, encodeConfig, nearestConfig, URL_FIELDS } from "../../static/js/urlstate.js";

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
