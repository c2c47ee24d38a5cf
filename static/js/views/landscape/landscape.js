// The loss landscape panel: the training loss on a 2-D slice of parameter space around
// the current weights, drawn as contours (Plotly) with the training path and the current
// point. Computed on demand (the button), with training paused, never every frame: one
// slice is thousands of forward passes (GET /api/sessions/{id}/landscape).
import { DEFAULT_RESOLUTION, RESOLUTIONS, axisTitles, buildQuery, describe, landscapeTraces } from "./landscape-model.js";
import { chartLook, cssVar } from "../../shell/theme.js";
import { el, teachingHost } from "../../lib/dom.js";
import { tip } from "../../lib/tip.js";
import { onDemand } from "../../shell/on-demand.js";

// Zoom and pan stay off: on a tablet a drag over the plot scrolls the page.
const PLOT_CONFIG = { displayModeBar: false, responsive: true, scrollZoom: false };

export function mount(app) {
  const field = (text, input) => el("label", { className: "ctl-field" }, el("span", { className: "ctl-label", textContent: text }), input);
  const directions = el("select", { dataset: { testid: "landscape-directions" } });
  directions.add(new Option("two random directions", "random"));
  directions.add(new Option("two weights", "weights"));
  const seed = el("input", { type: "number", min: "0", step: "1", value: "0", dataset: { testid: "landscape-seed" } });
  const first = el("input", { type: "text", value: "W1[0,0]", size: 8, spellcheck: false, dataset: { testid: "landscape-first" } });
  const second = el("input", { type: "text", value: "W1[1,0]", size: 8, spellcheck: false, dataset: { testid: "landscape-second" } });
  const span = el("input", { type: "number", min: "0", step: "any", value: "1", dataset: { testid: "landscape-span" } });
  const resolution = el("select", { dataset: { testid: "landscape-resolution" } });
  for (const n of RESOLUTIONS) resolution.add(new Option(`${n} \u00d7 ${n}`, String(n), n === DEFAULT_RESOLUTION, n === DEFAULT_RESOLUTION));
  const seedField = field("seed", seed);
  const weightFields = [field("weight 1", first), field("weight 2", second)];
  const compute = el("button", { type: "submit", className: "primary", textContent: "Compute landscape",
    dataset: { testid: "landscape-run" } });
  const form = el("form", { className: "teach-form" },
    field("directions", directions), seedField, ...weightFields, field("span \u00b1", span),
    field("resolution", resolution), compute,
    tip("the loss landscape", "Random directions are drawn from the seed and filter-normalized (Li et al. 2018): " +
      "each unit's incoming weights move by as much as their own size per unit of direction; biases stay put. " +
      "Two weights: the loss as those two parameters change, all others fixed. The path is the run's saved " +
      "states (every few steps) projected onto the slice: with random directions most of it lies off the slice.",
    { testid: "landscape-tip" }).element);
  const showFields = () => {
    const random = directions.value === "random";
    seedField.hidden = !random;
    for (const f of weightFields) f.hidden = random;
  };
  directions.addEventListener("change", showFields);
  showFields();
  const status = el("p", { className: "teach-status", dataset: { testid: "landscape-status" } });
  status.setAttribute("role", "status");
  const plot = el("div", { className: "landscape-plot", hidden: true, dataset: { testid: "landscape-plot" } });
  plot.setAttribute("role", "img");
  const section = el("details", { className: "teach", dataset: { testid: "landscape" } },
    el("summary", {}, el("h2", { textContent: "Loss landscape" }),
      el("span", { className: "teach-sub", textContent: "the loss around the current weights" })),
    el("p", { className: "teach-note", textContent: "Move the weights along two directions and measure the training " +
      "loss at every point of a grid: valleys, ridges, and where training came from." }),
    form, status, plot);
  teachingHost().append(section);

  const setStatus = (text, kind = "") => {
    status.textContent = text;
    status.className = `teach-status ${kind}`;
  };

  const clear = () => {
    if (window.Plotly) window.Plotly.purge(plot);
    plot.hidden = true;
    setStatus("");
  };

  const draw = (result) => {
    const colors = { low: cssVar("--pos", "#2166ac"), mid: cssVar("--zero", "#e8e8e8"), high: cssVar("--neg", "#b35806"),
      text: cssVar("--text", "#222"), background: cssVar("--panel", "#fff") };
    const { layout, axis } = chartLook({ height: 24, left: 3.5, bottom: 3 });
    const [xTitle, yTitle] = axisTitles(result);
    plot.hidden = false;
    window.Plotly.react(plot, landscapeTraces(result, colors), {
      ...layout, dragmode: false, hovermode: "closest",
      xaxis: { ...axis, title: { text: xTitle }, zeroline: false },
      yaxis: { ...axis, title: { text: yTitle }, zeroline: false },
    }, PLOT_CONFIG);
    const sentence = describe(result);
    plot.setAttribute("aria-label", sentence);
    setStatus(sentence, "ok");
  };

  onDemand(app, {
    form, button: compute, section, status, setStatus, clear, show: draw, again: "compute again",
    working: "Measuring the loss at every point of the grid\u2026",
    prepare: () => {
      if (!window.Plotly) return { error: "The landscape needs Plotly (static vendor file), which did not load." };
      const { query, error } = buildQuery({ directions: directions.value, seed: seed.value, first: first.value,
        second: second.value, span: span.value, resolution: resolution.value });
      return error ? { error } : { fetch: (session) => app.api.landscape(session, query) };
    },
  });
}
