import { test } from "node:test";
import assert from "node:assert/strict";

import {
  PASS_LIMIT, buildQuery, checkRows, costSentence, evaluationsBreakdown, exact, firstEntries,
  formatError, formatMs, formatSig, passes, shapeOf, summary,
} from "../../../../static/js/views/gradcheck/gradcheck-model.js";

// The shape of GET /api/sessions/{id}/gradients for a 2-2-1 network with biases.
const RESULT = {
  loss: 0.5, samples: 4, method: "numeric-central", epsilon: 1e-4, parameters: 9,
  backprop: [{ W: [[0.1, 0.2], [0.3, 0.4]], b: [0.5, 0] }, { W: [[1.5], [-2]], b: [0.25] }],
  numeric: [{ W: [[0.1, 0.2000001], [0.3, 0.4]], b: [0.5, 0] }, { W: [[1.5], [2]], b: [0.25] }],
  check: [
    { W: { max_abs: 1e-7, max_rel: 2.4999e-7, rel_norm: 1e-7 }, b: { max_abs: 0, max_rel: 0, rel_norm: 0 } },
    { W: { max_abs: 4, max_rel: 1, rel_norm: 0.7 }, b: { max_abs: 1e-12, max_rel: 2e-12, rel_norm: 2e-12 } },
  ],
  cost: {
    backprop: { seconds: 5e-5, loss_evaluations: 1, passes: "1 forward + 1 backward" },
    numeric: { seconds: 4.7e-4, loss_evaluations: 19 },
  },
};

test("pass means max_rel below 1e-5; null (an overflow) and NaN fail", () => {
  assert.equal(PASS_LIMIT, 1e-5);
  assert.equal(passes(9.99e-6), true);
  assert.equal(passes(0), true);
  assert.equal(passes(1e-5), false);
  assert.equal(passes(0.5), false);
  assert.equal(passes(null), false);
  assert.equal(passes(Number.NaN), false);
});

test("one row per array in the network's order, with the engine's measures untouched", () => {
  const rows = checkRows(RESULT);
  assert.deepEqual(rows.map((r) => r.name), ["W1", "b1", "W2", "b2"]);
  assert.deepEqual(rows.map((r) => r.shapeText), ["2 \u00d7 2", "2", "2 \u00d7 1", "1"]);
  assert.equal(rows[0].maxRel, 2.4999e-7);
  assert.equal(rows[0].maxAbs, 1e-7);
  assert.deepEqual(rows.map((r) => r.pass), [true, true, false, true]);
  assert.equal(rows[0].size, 4);
  assert.equal(exact(rows[0].maxRel), "2.4999e-7");
  assert.equal(exact(null), "null");
});

test("without biases there are only weight rows", () => {
  const rows = checkRows({ ...RESULT, check: RESULT.check.map((c) => ({ ...c, b: null })) });
  assert.deepEqual(rows.map((r) => r.name), ["W1", "W2"]);
});

test("first entries, row-major, with the symmetric relative difference", () => {
  const entries = firstEntries([[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, -6]],
    [[0, 0, 0], [0, 0, 1]], 6);
  assert.equal(entries.length, 6);
  assert.deepEqual(entries.map((e) => e.index), ["[0][0]", "[0][1]", "[0][2]", "[1][0]", "[1][1]", "[1][2]"]);
  assert.equal(entries[5].rel, 1);  // the engine's value, passed through
  assert.equal(entries[0].rel, 0);
  assert.deepEqual(firstEntries([0.5, 0], [0.5, 0], [0, 0], 1).map((e) => e.index), ["[0]"]);
  assert.equal(firstEntries([0.5], [0.5], undefined, 1)[0].rel, null);
  assert.deepEqual(shapeOf([[1, 2, 3]]), [1, 3]);
  assert.deepEqual(shapeOf([1, 2]), [2]);
});

test("the cost sentence names the passes and how the evaluations come about", () => {
  const digits = { method: "numeric-central", parameters: 3760,
    cost: { backprop: { passes: "1 forward + 1 backward", loss_evaluations: 1 }, numeric: { loss_evaluations: 7521 } } };
  assert.equal(costSentence(digits),
    "backprop: 1 forward + 1 backward pass; numeric: 7,521 loss evaluations (3,760 parameters \u00d7 2 + 1)");
  assert.equal(evaluationsBreakdown("numeric-forward", 13, 14), " (13 parameters + 1)");
  assert.equal(evaluationsBreakdown("numeric-central", 13, 99), "");  // counts that do not fit: no story
  assert.match(costSentence(RESULT), /19 loss evaluations \(9 parameters × 2 \+ 1\)$/);
});

test("the query: blank samples means all rows; bad input is refused before any request", () => {
  assert.deepEqual(buildQuery({ method: "numeric-central", epsilon: "1e-4", samples: "" }),
    { query: "method=numeric-central&epsilon=0.0001" });
  assert.deepEqual(buildQuery({ method: "numeric-forward", epsilon: "0.001", samples: " 50 " }),
    { query: "method=numeric-forward&epsilon=0.001&samples=50" });
  assert.match(buildQuery({ method: "numeric-central", epsilon: "0", samples: "" }).error, /^epsilon/);
  assert.match(buildQuery({ method: "numeric-central", epsilon: "", samples: "" }).error, /^epsilon/);
  assert.match(buildQuery({ method: "numeric-central", epsilon: "2", samples: "" }).error, /^epsilon/);
  assert.match(buildQuery({ method: "numeric-central", epsilon: "1e-4", samples: "2.5" }).error, /^samples/);
  assert.match(buildQuery({ method: "backprop", epsilon: "1e-4", samples: "" }).error, /^method/);
});

test("number formats: agreement to many digits stays visible, errors in exponent form", () => {
  assert.equal(formatSig(0.14547852882549972), "0.14547853");
  assert.equal(formatSig(0.1454785287657856), "0.14547853");
  assert.equal(formatSig(-4.0526567e-5), "-4.0526567e-5");
  assert.equal(formatSig(0), "0");
  assert.equal(formatSig(null), "\u2013");
  assert.equal(formatError(3.8599033746302584e-10), "3.9e-10");
  assert.equal(formatError(0), "0");
  assert.equal(formatError(null), "\u2013");
  assert.equal(formatMs(0.3135), "313.5 ms");
  assert.equal(formatMs(4.879e-5), "0.05 ms");
  assert.equal(formatMs(12.5), "12,500 ms");
});

test("the summary counts the arrays that fail", () => {
  const rows = checkRows(RESULT);
  assert.equal(summary(rows), "1 of 4 arrays differ by more than 1e-5 (relative).");
  assert.match(summary(rows.filter((r) => r.pass)), /^All 3 arrays agree/);
  assert.equal(summary([]), "");
});
