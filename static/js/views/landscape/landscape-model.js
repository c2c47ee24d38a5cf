// Pure helpers of the loss landscape panel (landscape.js): the query from the form, the
// axes' titles, and the Plotly traces of GET /api/sessions/{id}/landscape's answer. Every
// loss drawn is the engine's (core/landscape.py); nothing here computes one.

export const RESOLUTIONS = [21, 31, 41, 61, 81];
export const DEFAULT_RESOLUTION = 41;
export const MAX_SPAN = 1000;
const WEIGHT = /^[Wb]\d+\[\d+(,\d+)?\]$/;

// The form's values -> {query} or {error} (the server checks them all again).
export function buildQuery({ directions, seed, first, second, span, resolution }) {
  const params = new URLSearchParams({ directions });
  if (directions === "weights") {
    const names = [first, second].map((name) => String(name ?? "").replace(/\s+/g, ""));
    const bad = names.find((name) => !WEIGHT.test(name));
    if (bad !== undefined) return { error: `weights: ${bad ? `"${bad}"` : "a blank"} is not a weight like W1[0,2] or a bias like b2[0]` };
    if (names[0] === names[1]) return { error: "weights: name two different parameters" };
    params.set("weights", names.join(","));
  } else if (directions === "random") {
    const n = Number(String(seed).trim());
    if (String(seed).trim() === "" || !Number.isInteger(n) || n < 0) return { error: "seed: a whole number, at least 0" };
    params.set("seed", String(n));
  } else {
    return { error: "directions: must be random or weights" };
  }
  const s = Number(String(span).trim());
  if (String(span).trim() === "" || !Number.isFinite(s) || s <= 0 || s > MAX_SPAN) {
    return { error: `span: must be a number in (0, ${MAX_SPAN}]` };
  }
  params.set("span", String(s));
  const r = Number(resolution);
  if (!RESOLUTIONS.includes(r)) return { error: `resolution: one of ${RESOLUTIONS.join(", ")}` };
  params.set("resolution", String(r));
  return { query: params.toString() };
}

// What the x and y axes move along.
export function axisTitles(result) {
  if (result.directions === "weights") return result.weights.map((name) => `change in ${name}`);
  return [`direction 1 (seed ${result.seed}, filter-normalized)`, "direction 2"];
}

// The Plotly traces: the loss's filled contours (null cells left blank), the training
// path projected onto the slice, and the current point at (0, 0). `colors`: {low, mid,
// high, text, background} as CSS colours.
export function landscapeTraces(result, colors) {
  const path = result.path;
  const steps = path.steps;
  return [
    {
      type: "contour", x: result.axis, y: result.axis, z: result.loss, name: "training loss",
      colorscale: [[0, colors.low], [0.5, colors.mid], [1, colors.high]], ncontours: 16,
      contours: { coloring: "fill", showlines: true }, line: { width: 0.5, color: colors.text },
      colorbar: { title: { text: "loss", side: "right" }, thickness: 12, outlinewidth: 0 },
      hovertemplate: "\u03b1 %{x:.3f}, \u03b2 %{y:.3f}<br>loss %{z:.5g}<extra></extra>", connectgaps: false,
    },
    {
      type: "scatter", mode: "lines+markers", x: path.alpha, y: path.beta, name: "training path",
      text: steps.map((step) => `step ${step}`), line: { color: colors.text, width: 1.5 },
      marker: { size: 4, color: colors.text }, hovertemplate: "%{text}<extra></extra>",
    },
    {
      type: "scatter", mode: "markers", x: [0], y: [0], name: `now, step ${steps[steps.length - 1]}`,
      marker: { symbol: "star", size: 16, color: colors.background, line: { color: colors.text, width: 1.5 } },
      hovertemplate: `now, step ${steps[steps.length - 1]}<br>loss ${formatLossText(result.center_loss)}<extra></extra>`,
    },
  ];
}

function formatLossText(value) {
  return typeof value === "number" ? value.toPrecision(5) : "not finite";
}

// One sentence on what was drawn, for the status line (and screen readers).
export function describe(result) {
  const n = result.resolution;
  const done = result.points === n * n ? "" : ` (stopped after ${result.points} of ${n * n} points: its time budget ran out)`;
  const along = result.directions === "weights" ? `along ${result.weights.join(" and ")}` : `along two random directions (seed ${result.seed})`;
  return `The training loss on a ${n}\u00d7${n} grid ${along}, \u00b1${result.span} around step ` +
    `${result.path.steps[result.path.steps.length - 1]}, where it is ${formatLossText(result.center_loss)}${done}; ` +
    `the path projects ${result.path.steps.length - 1} earlier saved state${result.path.steps.length === 2 ? "" : "s"} onto the slice.`;
}
