// The whole config and seed live in the URL. One declarative table says, for each URL
// key, where its value sits in the engine's config and how it is written; encode and
// decode both read it, so the two directions cannot drift apart.

const ints = {
  write: (v) => v.join(","),
  read: (s) => s.split(",").map((x) => parseIntStrict(x)),
};
const strings = { write: (v) => v.join(","), read: (s) => s.split(",") };
const text = { write: (v) => String(v), read: (s) => s };
const number = { write: (v) => String(v), read: (s) => parseNumber(s) };
const integer = { write: (v) => String(v), read: (s) => parseIntStrict(s) };
const flag = { write: (v) => (v ? "1" : "0"), read: (s) => s === "1" || s === "true" };
// Rows of numbers (drawn or typed-in data): values split by ",", rows by "_" (both URL-safe).
const rows = {
  write: (v) => v.map((row) => row.join(",")).join("_"),
  read: (s) => s.split("_").map((row) => row.split(",").map((x) => parseNumber(x))),
};
const batchSize = {
  write: (v) => (v === null ? "full" : String(v)),
  read: (s) => (s === "full" ? null : parseIntStrict(s)),
};

export const URL_FIELDS = [
  ["preset", "preset", text],
  ["layers", "layers", ints],
  ["act", "activations", strings],
  ["bias", "bias", flag],
  ["feat", "features", strings],
  ["loss", "loss", text],
  ["init", "init.scheme", text],
  ["data", "data.name", text],
  ["n", "data.n", integer],
  ["noise", "data.noise", number],
  ["test", "data.test_fraction", number],
  ["dseed", "data.seed", integer],
  ["rows", "data.inputs", rows],
  ["labels", "data.labels", ints],
  ["targets", "data.targets", rows],
  ["box", "data.domain", rows],
  // A CSV of your own rides in the URL only while it is short (URL_TEXT_LIMIT).
  ["csv", "data.text", text],
  ["target", "data.target", text],
  ["opt", "optimizer.name", text],
  ["lr", "optimizer.lr", number],
  ["mom", "optimizer.momentum", number],
  ["rho", "optimizer.rho", number],
  ["b1", "optimizer.beta1", number],
  ["b2", "optimizer.beta2", number],
  ["grad", "gradient.method", text],
  ["eps", "gradient.epsilon", number],
  ["batch", "batch.size", batchSize],
  ["order", "batch.order", text],
  ["reg", "regularization.kind", text],
  ["rate", "regularization.rate", number],
  ["dtype", "dtype", text],
  ["seed", "seed", integer],
];

// The inline data's own rows: in the URL only when no preset supplies them.
const ROW_KEYS = new Set(["rows", "labels", "targets", "box"]);
// About 400 drawn points; a request line past 8 KiB is refused by many servers.
export const MAX_ROWS_CHARS = 6000;

function parseIntStrict(s) {
  if (!/^-?\d+$/.test(s.trim())) throw new Error(`not an integer: ${s}`);
  return Number.parseInt(s, 10);
}

function parseNumber(s) {
  const value = Number(s);
  if (s.trim() === "" || !Number.isFinite(value)) throw new Error(`not a number: ${s}`);
  return value;
}

function getPath(object, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), object);
}

function setPath(object, path, value) {
  const keys = path.split(".");
  let node = object;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys[keys.length - 1]] = value;
}

// The longest CSV text (characters, before escaping) a URL carries: a request line of
// more than 16 KiB is refused by some servers, and a link that long is no longer one to
// paste. A longer CSV stays in the session (a rebuild carries it, see keptData); a share
// link cannot carry it (shareProblem says so).
export const URL_TEXT_LIMIT = 4000;

function tooLong(path, value) {
  return path === "data.text" && typeof value === "string" && value.length > URL_TEXT_LIMIT;
}

/** Why a link cannot carry this config's data, or null: a CSV longer than URL_TEXT_LIMIT. */
export function shareProblem(config) {
  const text = config?.data?.name === "csv" ? config.data.text : null;
  if (!tooLong("data.text", text)) return null;
  return `your CSV (${text.length.toLocaleString("en-US")} characters) is too long for a link ` +
    `(at most ${URL_TEXT_LIMIT.toLocaleString("en-US")}): share the file itself`;
}

/** The CSV a rebuild keeps from `config` when the URL could not carry it: {text, target}
 *  while the data stays csv (`partial` names no other data set), else null. */
export function keptData(config, partial = {}) {
  const data = config?.data;
  const name = partial?.data?.name ?? data?.name;
  if (data?.name !== "csv" || name !== "csv" || partial?.data?.text !== undefined) return null;
  return { text: data.text, target: partial?.data?.target !== undefined ? partial.data.target : data.target };
}

// A resolved config -> URL query string (fields that do not apply, such as `n` for
// inline data, are left out; explicit weights and inline rows come from the preset, not
// the URL). `presets` (GET /api/presets) lets a config that is no longer its preset name
// the one its weights or rows came from (sourcePreset).
export function encodeConfig(config, presets = []) {
  const params = new URLSearchParams();
  const preset = config.preset ?? sourcePreset(config, presets);
  const own = new URLSearchParams();  // inline rows no preset has (drawn points)
  for (const [key, path, codec] of URL_FIELDS) {
    const value = key === "preset" ? preset : getPath(config, path);
    if (value === undefined || (value === null && codec !== batchSize) || tooLong(path, value)) continue;
    if (ROW_KEYS.has(key)) {
      if (!preset) own.set(key, codec.write(value));
    } else params.set(key, codec.write(value));
  }
  // Rows travel while the address stays short enough for every server to take it back;
  // past that, an export carries them (the address then names only the kind of data).
  const extra = own.toString();
  return extra && extra.length <= MAX_ROWS_CHARS ? `${params}&${extra}` : params.toString();
}

/** The preset whose explicit weights or inline rows `config` carries, or null. The server
 *  names a preset only while the config is that preset (core/config.py PRESET_FIELDS): the
 *  textbook weights on other data are `preset: null`. A URL cannot carry those weights or
 *  rows, so it names the preset they came from, and every other field overrides it; the
 *  server then resolves the same config, again without the name. */
export function sourcePreset(config, presets) {
  const explicit = config.init?.scheme === "explicit";
  const inline = config.data?.name === "inline";
  if (!explicit && !inline) return null;
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const source = presets.find((p) => (!explicit || same(p.config?.init?.params, config.init.params))
    && (!inline || same(p.config?.data, config.data)));
  return source?.id ?? null;
}

// URL query string -> {config, errors}: a partial config for the server to resolve, and
// the keys that could not be read (reported, not fatal: the rest still applies).
export function decodeConfig(query) {
  const params = new URLSearchParams(query);
  const config = {};
  const errors = [];
  for (const [key, path, codec] of URL_FIELDS) {
    if (!params.has(key)) continue;
    try {
      setPath(config, path, codec.read(params.get(key)));
    } catch (error) {
      errors.push({ key, reason: error.message });
    }
  }
  return { config, errors };
}

// A compare view's twin: the fields in which it differs from the main run, under the same
// names with this prefix (?preset=xor&lr=0.03&b.lr=0.3). The preset is never one of them:
// a twin is its run with some fields changed (POST /api/sessions/{id}/fork).
export const TWIN_PREFIX = "b.";

/** A query string's twin: {changes, errors}, the partial config of its `b.` fields (as
 *  decodeConfig reads the main ones), or null when it has none. */
export function decodeTwin(query) {
  const twin = new URLSearchParams();
  for (const [key, value] of new URLSearchParams(query)) {
    if (key.startsWith(TWIN_PREFIX) && key !== `${TWIN_PREFIX}preset`) twin.set(key.slice(TWIN_PREFIX.length), value);
  }
  if (!twin.size) return null;
  const { config, errors } = decodeConfig(twin.toString());
  return { changes: config, errors: errors.map((e) => ({ ...e, key: TWIN_PREFIX + e.key })) };
}

/** The `b.` fields of a compare view: each URL field whose value in `twin` (a resolved
 *  config) is not the one in `config`. */
export function encodeTwin(config, twin, presets = []) {
  const main = new URLSearchParams(encodeConfig(config, presets));
  const out = new URLSearchParams();
  for (const [key, value] of new URLSearchParams(encodeConfig(twin, presets))) {
    if (key !== "preset" && main.get(key) !== value) out.set(TWIN_PREFIX + key, value);
  }
  return out.toString();
}

/** The nearest config that may work when the server refused `config`: the fields it named
 *  (`[{field, reason}]`, paths like "layers[1]", "optimizer.lr", "preset") left out, so
 *  their defaults (or the preset's) apply. A whole list goes when one entry is wrong.
 *  Returns null when nothing named can be left out (the caller falls back further). */
export function nearestConfig(config, fields) {
  const out = structuredClone(config);
  let dropped = false;
  for (const { field } of fields ?? []) {
    const path = String(field ?? "").split("[")[0].split(".").filter(Boolean);
    if (!path.length) continue;
    let node = out;
    for (const key of path.slice(0, -1)) node = node?.[key];
    const last = path[path.length - 1];
    if (node && typeof node === "object" && last in node) {
      delete node[last];
      dropped = true;
    }
  }
  return dropped ? out : null;
}

// View options (how a view draws, not the config): `key=1` in the URL while on, absent while
// off. main.js keeps them when it rewrites the URL (lesson/present.js KEPT).

/** Whether view option `key` is on in a query string. */
export function viewOption(search, key) {
  return new URLSearchParams(search ?? "").get(key) === "1";
}

/** The query string `search` (without "?") with view option `key` turned on or off. */
export function withViewOption(search, key, on) {
  const params = new URLSearchParams(search ?? "");
  if (on) params.set(key, "1");
  else params.delete(key);
  return params.toString().replace(/%2C/gi, ",");
}
