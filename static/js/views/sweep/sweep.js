// The sweep panel: one setting tried at several values, each variant a twin of this run
// trained the same number of steps in the background (POST /api/sessions/{id}/sweep);
// the socket's `sweep` messages move the progress bar and fill in the plot of final loss
// against the value (the classic learning-rate plot). A point of the plot, or the link in
// its row of the table, opens that variant as a twin (the compare view's `b.` address).
import {
  axisType, DEFAULT_FIELD, DEFAULT_STEPS, MODES, buildBody, defaultsFor, describe, formatValue, isOver,
  sweepTraces, sweepableFields, twinHref,
} from "./sweep-model.js";
import { formatLoss } from "../../lib/format.js";
import { el, teachingHost } from "../../lib/dom.js";
import { tip } from "../../lib/tip.js";
import { chartLook, cssVar } from "../../shell/theme.js";
import { onDemand } from "../../shell/on-demand.js";

// Zoom and pan stay off: on a tablet a drag over the plot scrolls the page.
const PLOT_CONFIG = { displayModeBar: false, responsive: true, scrollZoom: false };
const MODE_LABELS = { log: "log range", linear: "linear range", list: "list" };

export function mount(app) {
  const field = (text, input) => el("label", { className: "ctl-field" }, el("span", { className: "ctl-label", textContent: text }), input);
  const setting = el("select", { dataset: { testid: "sweep-field" } });
  const mode = el("select", { dataset: { testid: "sweep-mode" } });
  for (const name of MODES) mode.add(new Option(MODE_LABELS[name], name));
  const from = el("input", { type: "number", step: "any", dataset: { testid: "sweep-from" } });
  const to = el("input", { type: "number", step: "any", dataset: { testid: "sweep-to" } });
  const count = el("input", { type: "number", min: "2", step: "1", dataset: { testid: "sweep-count" } });
  const values = el("input", { type: "text", size: 16, spellcheck: false, dataset: { testid: "sweep-values" },
    title: "comma-separated; full (or null) for a full batch" });
  const steps = el("input", { type: "number", min: "1", step: "1", value: String(DEFAULT_STEPS), dataset: { testid: "sweep-steps" } });
  const rangeFields = [field("from", from), field("to", to), field("count", count)];
  const valuesField = field("list", values);
  const run = el("button", { type: "submit", className: "primary", textContent: "Run sweep", dataset: { testid: "sweep-run" } });
  const stop = el("button", { type: "button", textContent: "Stop", hidden: true, dataset: { testid: "sweep-stop" } });
  const form = el("form", { className: "teach-form" },
    field("setting", setting), field("values", mode), ...rangeFields, valuesField, field("steps each", steps), run, stop,
    tip("the sweep", "Each value trains a twin of this run (its weights and state now, that one setting changed) for " +
      "the same number of steps; the plot shows each twin's final loss on all the training and test rows. " +
      "A log range spaces the values evenly in powers of ten, as learning rates are usually tried.",
    { testid: "sweep-tip" }).element);
  const progress = el("progress", { className: "sweep-progress", max: 1, value: 0, hidden: true, dataset: { testid: "sweep-progress" } });
  const status = el("p", { className: "teach-status", dataset: { testid: "sweep-status" } });
  status.setAttribute("role", "status");
  const plot = el("div", { className: "sweep-plot", hidden: true, dataset: { testid: "sweep-plot" } });
  plot.setAttribute("role", "img");
  const body = el("tbody");
  const table = el("table", { className: "teach-table sweep-table", hidden: true, dataset: { testid: "sweep-table" } },
    el("thead", {}, el("tr", {}, ...["value", "train loss", "test loss", "diverged", "twin"].map((t) => el("th", { scope: "col", textContent: t })))),
    body);
  const section = el("details", { className: "teach", dataset: { testid: "sweep" } },
    el("summary", {}, el("h2", { textContent: "Sweep" }),
      el("span", { className: "teach-sub", textContent: "final loss against one setting" })),
    el("p", { className: "teach-note", textContent: "Train a twin of this run at each value of one setting, " +
      "then plot where each one ends up: too small a learning rate barely moves, too large a one diverges." }),
    form, progress, status, plot, el("div", { className: "teach-scroll" }, table));
  teachingHost().append(section);

  let shown = null;  // the sweep on show: {session, field, ...} as the server describes it
  let fieldsFilled = false;

  const setStatus = (text, kind = "") => {
    status.textContent = text;
    status.className = `teach-status ${kind}`;
  };

  const showInputs = () => {
    const list = mode.value === "list";
    for (const f of rangeFields) f.hidden = list;
    valuesField.hidden = !list;
  };
  const applyDefaults = () => {
    const info = app.fields.find((f) => f.path === setting.value);
    if (!info) return;
    const current = setting.value.split(".").reduce((node, key) => node?.[key], app.config ?? {});
    const start = defaultsFor(info, current);
    mode.value = start.mode;
    for (const option of mode.options) option.disabled = info.type === "choice" && option.value !== "list";
    if (start.from !== undefined) [from.value, to.value, count.value] = [start.from, start.to, start.count];
    values.value = start.values;
    setting.title = info.help;
    showInputs();
  };
  const fillFields = () => {
    if (fieldsFilled || !app.fields.length) return;
    fieldsFilled = true;
    for (const info of sweepableFields(app.fields)) setting.add(new Option(info.path, info.path, false, info.path === DEFAULT_FIELD));
    applyDefaults();
  };
  setting.addEventListener("change", applyDefaults);
  mode.addEventListener("change", showInputs);
  app.bus.on("topology", fillFields);
  fillFields();

  const clear = () => {
    shown = null;
    if (window.Plotly) window.Plotly.purge(plot);
    plot.hidden = true;
    table.hidden = true;
    progress.hidden = true;
    stop.hidden = true;
    body.replaceChildren();
    setStatus("");
  };

  const open = (index) => {
    const href = shown && twinHref(location.pathname, location.search, shown.field, shown.results[index]?.value);
    if (href) location.assign(href);
  };

  const render = (sweep) => {
    shown = sweep;
    const over = isOver(sweep);
    progress.hidden = false;
    progress.max = Math.max(1, sweep.of);
    progress.value = sweep.done;
    progress.setAttribute("aria-valuetext", `${sweep.done} of ${sweep.of} steps`);
    stop.hidden = over;
    setStatus(describe(sweep), over ? (sweep.status === "done" ? "ok" : "bad") : "");
    body.replaceChildren(...sweep.results.map((result) => resultRow(sweep, result)));
    table.hidden = !sweep.results.length;
    if (!sweep.results.length || !window.Plotly) return;
    const colors = { train: cssVar("--pos", "#2166ac"), test: cssVar("--neg", "#b35806"), bad: cssVar("--bad", "#c62828") };
    const { layout, axis } = chartLook({ height: 18, left: 3.5, bottom: 3 });
    plot.hidden = false;
    window.Plotly.react(plot, sweepTraces(sweep, colors), {
      ...layout, dragmode: false, hovermode: "closest",
      xaxis: { ...axis, title: { text: sweep.field }, type: axisType(sweep) },
      yaxis: { ...axis, title: { text: `loss after ${sweep.steps} steps` } },
    }, PLOT_CONFIG);
    plot.setAttribute("aria-label", describe(sweep));
    if (!plot.dataset.clicks) {  // once: react keeps the div and its handlers
      plot.dataset.clicks = "on";
      plot.on("plotly_click", (event) => open(event.points?.[0]?.customdata));
    }
  };

  const resultRow = (sweep, result) => {
    const href = twinHref(location.pathname, location.search, sweep.field, result.value);
    const value = formatValue(result.value);
    const twin = href
      ? el("a", { href, textContent: "open as twin", dataset: { testid: "sweep-twin" },
        title: `the compare view: this run beside its twin with ${sweep.field} ${value}` })
      : el("span", { className: "teach-note", textContent: "not in the address" });
    return el("tr", { dataset: { testid: "sweep-row", value } },
      el("th", { scope: "row", className: "num", textContent: value }),
      el("td", { className: "num", textContent: result.train_loss === null ? "\u2013" : formatLoss(result.train_loss) }),
      el("td", { className: "num", textContent: result.test_loss === null ? "\u2013" : formatLoss(result.test_loss) }),
      el("td", { textContent: result.diverged_at === null ? "" : `diverged at step ${result.diverged_at}` }),
      el("td", {}, twin));
  };

  // Progress and results, as every socket of the session is told them. The latest is
  // kept: a short sweep may be over before the POST's own answer is read.
  let latest = null;
  app.bus.on("sweep", (sweep) => {
    latest = { ...sweep, session: app.sessionId };
    if (shown && shown.session === latest.session) render(latest);
  });
  app.bus.on("topology", (topology) => {
    if (shown && topology.session !== shown.session) clear();
  });

  stop.addEventListener("click", async () => {
    if (!app.sessionId) return;
    stop.disabled = true;
    try {
      await app.api.stopSweep(app.sessionId);
      clear();
      setStatus("Sweep stopped.");
    } catch (failure) {
      setStatus(failure.message, "bad");
    } finally {
      stop.disabled = false;
    }
  });

  onDemand(app, {
    form, button: run, section, status, setStatus, clear, again: "sweep again",
    show: (sweep) => render(latest?.session === app.sessionId && latest.done >= sweep.done
      ? latest : { ...sweep, session: app.sessionId }),
    working: "Starting the sweep\u2026",
    prepare: () => {
      if (!window.Plotly) return { error: "The sweep's plot needs Plotly (static vendor file), which did not load." };
      const { body: request, error } = buildBody({ field: setting.value, mode: mode.value, from: from.value, to: to.value,
        count: count.value, values: values.value, steps: steps.value });
      if (error) return { error };
      latest = null;  // what the socket says from here on is of this sweep (another one would be a 409)
      return { fetch: (session) => app.api.sweep(session, request) };
    },
  });
}
