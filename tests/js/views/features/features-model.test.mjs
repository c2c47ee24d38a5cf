import { test } from "node:test";
import assert from "node:assert/strict";

import {
  IDENTITY, inputNames, offersFeatures, onPlane, prettyFeature, seesFeatures, switchTitle, toggled,
} from "../../../../static/js/views/features/features-model.js";
import { server } from "../../server.mjs";

// The feature names as the server's table states them (GET /api/config/fields).
const ALL = server.fields.find((f) => f.path === "features").choices;
const plane = (features, name = "circle", data = { name }) => ({
  dataset: { name, domain: [[-6, 6], [-6, 6]] }, points: { train: {} }, config: { features, data },
});

test("the server's table offers the seven features, x1 and x2 by default", () => {
  assert.deepEqual(ALL, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]);
  assert.deepEqual(server.fields.find((f) => f.path === "features").default, IDENTITY);
});

test("a switch adds or removes one feature, in the table's order", () => {
  assert.deepEqual(toggled(ALL, ["x1", "x2"], "x1^2", true), ["x1", "x2", "x1^2"]);
  assert.deepEqual(toggled(ALL, ["x1^2", "sin(x2)"], "x2", true), ["x2", "x1^2", "sin(x2)"]);
  assert.deepEqual(toggled(ALL, ["x1", "x2", "x1^2"], "x1", false), ["x2", "x1^2"]);
});

test("the last input stays, and a switch that changes nothing gives null", () => {
  assert.equal(toggled(ALL, ["x1^2"], "x1^2", false), null);
  assert.equal(toggled(ALL, ["x1", "x2"], "x1", true), null);
  assert.equal(toggled(ALL, ["x1", "x2"], "x1^2", false), null);
  assert.equal(toggled(ALL, ["x1", "x2"], "x3", true), null);
});

test("features apply on a plane only, and name the input units there", () => {
  assert.equal(onPlane(plane(["x1", "x2"])), true);
  assert.deepEqual(inputNames(plane(["x1^2", "x2^2"])), ["x1^2", "x2^2"]);
  assert.deepEqual(inputNames(plane(undefined)), ["x1", "x2"]);
  const digits = { dataset: { domain: null }, config: { features: ["x1", "x2"] } };
  assert.equal(onPlane(digits), false);
  assert.equal(inputNames(digits), null);  // the data's own inputs, x1..x64
  assert.equal(inputNames(null), null);
});

test("rows typed in keep plain inputs unless their network already sees features", () => {
  assert.equal(offersFeatures(plane(["x1", "x2"])), true);
  assert.equal(offersFeatures(plane(["x1", "x2"], "inline")), false);  // the textbook's one sample
  assert.equal(inputNames(plane(["x1", "x2"], "inline")), null);
  assert.equal(offersFeatures(plane(["x1^2"], "inline")), true);
  assert.deepEqual(inputNames(plane(["x1^2"], "inline")), ["x1^2"]);
});

test("points the user drew or brought offer features: drawn rows with a box, a CSV's plane", () => {
  const drawn = { name: "inline", inputs: [[1, 2]], labels: [1], domain: [[-6, 6], [-6, 6]] };
  assert.equal(offersFeatures(plane(["x1", "x2"], "inline", drawn)), true);
  assert.deepEqual(inputNames(plane(["x1", "x2"], "inline", drawn)), ["x1", "x2"]);
  assert.equal(offersFeatures(plane(["x1", "x2"], "inline", { ...drawn, domain: null })), false);  // typed
  assert.equal(offersFeatures(plane(["x1", "x2"], "csv")), true);
  const wide = { dataset: { name: "csv", domain: null }, config: { features: ["x1", "x2"] } };
  assert.equal(offersFeatures(wide), false);  // a CSV of three or more columns is no plane
});

test("a config sees features only when they are not the raw x1, x2", () => {
  assert.equal(seesFeatures({ features: ["x1", "x2"] }), false);
  assert.equal(seesFeatures({}), false);
  assert.equal(seesFeatures({ features: ["x2", "x1"] }), true);
  assert.equal(seesFeatures({ features: ["x1"] }), true);
});

test("feature names are written with subscripts and superscripts", () => {
  assert.deepEqual(ALL.map(prettyFeature),
    ["x\u2081", "x\u2082", "x\u2081\u00b2", "x\u2082\u00b2", "x\u2081x\u2082", "sin(x\u2081)", "sin(x\u2082)"]);
});

test("a switch's title says what switching it does", () => {
  assert.match(switchTitle("x1", true, false), /switch it off/);
  assert.match(switchTitle("x1", true, true), /only input/);
  assert.match(switchTitle("x1^2", false, false), /switch it on/);
});
