// Features: the inputs a network sees, computed from a plane's x1 and x2 (the server's one
// table, core/features.py; its names come from GET /api/config/fields). Pure helpers for
// the feature switches, the diagram's input nodes and the formula panel; no DOM here
// (tests/js/views/features/features-model.test.mjs).

// The raw inputs as they are: the config's default, and what data that is not a plane sees.
export const IDENTITY = ["x1", "x2"];

const SAME = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Whether a config feeds its network features other than the raw x1, x2. */
export function seesFeatures(config) {
  const features = config?.features ?? IDENTITY;
  return !SAME(features, IDENTITY);
}

/** Whether the session's data is a plane (two raw inputs and a plotting box): only then
 *  can the network see features of it. */
export function onPlane(topology) {
  return Array.isArray(topology?.dataset?.domain) && Boolean(topology?.points);
}

/** Whether the page offers the feature switches and the input thumbnails. The rule: on
 *  every plane but rows typed in without a box of their own. So a generated set, a CSV of
 *  two columns and points drawn on the plane (inline rows with a box, data.domain) offer
 *  them, as the Playground does; the textbook's few typed rows (inline, no box) keep their
 *  plain x1, x2, where a switch would only confuse, unless their network sees features
 *  already. */
export function offersFeatures(topology) {
  if (!onPlane(topology)) return false;
  const typed = topology.dataset?.name === "inline" && !Array.isArray(topology.config?.data?.domain);
  return !typed || seesFeatures(topology.config);
}

/** The input units' names where the page offers features (the config's features), else
 *  null (the data's own inputs, x1..xd, whatever d is). */
export function inputNames(topology) {
  return offersFeatures(topology) ? [...(topology.config?.features ?? IDENTITY)] : null;
}

/** The features after switching `name` on or off, in the table's order (`all`, the
 *  field's choices); null when nothing changes or no feature would be left (a network
 *  needs an input). */
export function toggled(all, active, name, on) {
  if (!all.includes(name) || active.includes(name) === on) return null;
  const next = all.filter((f) => (f === name ? on : active.includes(f)));
  return next.length ? next : null;
}

// Subscript and superscript digits: "x1^2" reads x₁².
const SUB = { 1: "\u2081", 2: "\u2082" };
const SUP = { 2: "\u00b2" };

/** A feature's name as the page writes it: "x1^2" -> "x₁²", "x1*x2" -> "x₁x₂",
 *  "sin(x1)" -> "sin(x₁)"; anything else as it is. */
export function prettyFeature(name) {
  return String(name)
    .replace(/x([12])/g, (_, d) => `x${SUB[d]}`)
    .replace(/\^([2])/g, (_, d) => SUP[d])
    .replace(/\*/g, "");
}

/** The line a switch's title says: what the feature is and what turning it does. */
export function switchTitle(name, on, last) {
  if (on && last) return `${name}: the network's only input; switch another on first`;
  return on ? `${name}: an input of the network; switch it off to rebuild without it`
    : `${name}: switch it on to feed it to the network (a new input unit)`;
}
