// Pure helpers of the sweep panel (sweep.js): the settings a sweep may vary (the field
// table's `sweepable`), the request from the form, the link that opens a variant as a
// twin, and the Plotly traces of the results. Every loss drawn is the engine's
// (POST/GET /api/sessions/{id}/sweep); nothing here computes one.
import { TWIN_PREFIX, URL_FIELDS } from "../../shell/urlstate.js";

export const DEFAULT_FIELD = "optimizer.lr";
export const DEFAULT_STEPS = 500;
// The classic learning-rate plot: 8 rates from 0.001 to 1 on a log scale.
export const DEFAULT_RANGE = { from: "0.001", to: "1", count: "8" };
export const MODES = ["log", "linear", "list"];
// Settings whose useful values span decades: their sweeps start as a log range.
const LOG_FIELDS = new Set(["optimizer.lr", "optimizer.eps", "gradient.epsilon", "regularization.rate"]);
const OVER = new Set(["done", "stopped", "failed"]);

// GET /api/config/fields -> the fields a sweep may vary, in the table's order.
export function sweepableFields(fields) {
  return (fields ?? []).filter((field) => field.sweepable);
}

// How the form starts for a field: a log range for the rates, every choice for a choice,
// else a list holding the run's current value (`current`) to edit.
export function defaultsFor(field, current) {
  if (field.type === "choice") return { mode: "list", values: (field.choices ?? []).join(", ") };
  if (LOG_FIELDS.has(field.path)) return { mode: "log", ...DEFAULT_RANGE, values: "" };
  return { mode: "list", values: current === undefined ? "" : formatValue(current) };
}

// "0.1, 0.3" -> [0.1, 0.3]; "full" or "null" -> null (a full batch); other words stay words.
export function parseValues(text) {
  return String(text ?? "").split(",").map((part) => part.trim()).filter((part) => part !== "").map((part) => {
    if (part === "full" || part === "null") return null;
    const number = Number(part);
    return Number.isFinite(number) ? number : part;
  });
}

// The form's values -> {body} for POST .../sweep, or {error} naming the input (the server
// checks everything again and names the field it refuses).
export function buildBody({ field, mode, from, to, count, values, steps }) {
  if (!field) return { error: "setting: choose one" };
  const n = Number(String(steps).trim());
  if (!Number.isInteger(n) || n < 1) return { error: "steps: a whole number, at least 1" };
  if (mode === "list") {
    const list = parseValues(values);
    if (!list.length) return { error: "values: give at least one, separated by commas" };
    return { body: { field, values: list, steps: n } };
  }
  if (!MODES.includes(mode)) return { error: `values: one of ${MODES.join(", ")}` };
  const range = { from: Number(String(from).trim()), to: Number(String(to).trim()), count: Number(String(count).trim()) };
  for (const name of ["from", "to"]) {
    if (String(name === "from" ? from : to).trim() === "" || !Number.isFinite(range[name])) return { error: `${name}: a number` };
  }
  if (!Number.isInteger(range.count) || range.count < 2) return { error: "count: a whole number, at least 2" };
  return { body: { field, ...range, scale: mode, steps: n } };
}

// The link that opens one variant as a twin: this page's address plus the variant's one
// difference as a `b.`-prefixed field in the address's own words (`lr=0.03&b.lr=0.3`);
// null for a setting the address does not carry.
export function twinHref(pathname, search, field, value) {
  const entry = URL_FIELDS.find(([, path]) => path === field);
  if (!entry) return null;
  const [key, , codec] = entry;
  const params = new URLSearchParams(search);
  for (const name of [...params.keys()]) if (name.startsWith(TWIN_PREFIX)) params.delete(name);
  params.set(`${TWIN_PREFIX}${key}`, codec.write(value));
  return `${pathname}?${params.toString()}`;
}

export function formatValue(value) {
  if (value === null) return "full";
  return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value);
}

export function isOver(sweep) {
  return OVER.has(sweep?.status);
}

// The x axis's type: a category for choices (and a full batch among sizes), a log axis
// when every value is a positive number and they span a factor of 100 or more (or the
// field's sweeps start as a log range), else linear.
export function axisType(sweep) {
  const numbers = sweep.values.filter((v) => typeof v === "number");
  if (numbers.length !== sweep.values.length) return "category";
  if (numbers.some((v) => v <= 0)) return "linear";
  return LOG_FIELDS.has(sweep.field) || Math.max(...numbers) / Math.min(...numbers) >= 100 ? "log" : "linear";
}

// Plotly traces: the final training and test loss against the value, and the diverged
// variants marked at the top of the plot. `customdata` is each point's index in `results`
// (a click opens that variant). `colors`: {train, test, bad} as CSS colours.
export function sweepTraces(sweep, colors) {
  const numeric = sweep.values.every((v) => typeof v === "number");
  const x = sweep.results.map((r) => (numeric ? r.value : formatValue(r.value)));
  const index = sweep.results.map((_, i) => i);
  const finite = sweep.results.flatMap((r) => [r.train_loss, r.test_loss]).filter((v) => typeof v === "number");
  const top = finite.length ? Math.max(...finite) : 1;
  const diverged = sweep.results.map((r, i) => [r, i]).filter(([r]) => r.diverged_at !== null);
  const line = (name, key, color) => ({
    type: "scatter", mode: "lines+markers", name, x, y: sweep.results.map((r) => r[key]), customdata: index,
    line: { color, width: 2 }, marker: { size: 9, color }, connectgaps: false,
    hovertemplate: `${sweep.field} %{x}<br>${name} %{y:.5g}<extra></extra>`,
  });
  const traces = [line("train loss", "train_loss", colors.train)];
  if (sweep.results.some((r) => r.test_loss !== null)) traces.push(line("test loss", "test_loss", colors.test));
  traces.push({
    type: "scatter", mode: "markers", name: "diverged", x: diverged.map(([r]) => (numeric ? r.value : formatValue(r.value))),
    y: diverged.map(() => top), customdata: diverged.map(([, i]) => i), text: diverged.map(([r]) => `diverged at step ${r.diverged_at}`),
    marker: { symbol: "x", size: 12, color: colors.bad }, hovertemplate: `${sweep.field} %{x}<br>%{text}<extra></extra>`,
  });
  return traces;
}

// One sentence on the sweep, for the status line (and screen readers).
export function describe(sweep) {
  const count = sweep.values.length;
  const head = `${sweep.field} at ${count} value${count === 1 ? "" : "s"}, ${sweep.steps} steps each`;
  if (!isOver(sweep)) {
    return `Sweeping ${head}: ${sweep.done} of ${sweep.of} steps, ${sweep.results.length} of ${count} variants done\u2026`;
  }
  if (sweep.status === "failed") return `The sweep of ${head} failed: ${sweep.error}`;
  const finished = sweep.results.filter((r) => r.train_loss !== null);
  const best = finished.reduce((a, r) => (a === null || r.train_loss < a.train_loss ? r : a), null);
  const parts = [`Final loss after a sweep of ${head}`];
  if (best) parts.push(`lowest training loss ${best.train_loss.toPrecision(4)} at ${formatValue(best.value)}`);
  const diverged = sweep.results.filter((r) => r.diverged_at !== null).length;
  if (diverged) parts.push(`${diverged} diverged`);
  if (sweep.status === "stopped") {
    parts.push(`stopped early (${sweep.stopped_early}) after ${sweep.results.length} of ${count} variants`);
  }
  return `${parts.join("; ")}.`;
}
