// Time travel: a slider over the steps taken. Moving it loads that step's state from the
// server (GET /api/sessions/{id}/at/{step}, recomputed exactly there) and shows it through
// the normal path, as a snapshot with viewing_past: true, so the diagram, the numbers and
// the formula show the past; the loss curves get a marker at that step. While the page
// shows the past, live frames wait (the newest is kept in app.snapshot) and any command
// that moves the live run (play, step, reset, a setting) first brings the page back to
// now. "continue from here" rewinds the live run to the step shown (POST .../rewind).
import { api } from "../../shell/api.js";
import { el } from "../../lib/dom.js";
import { Gate } from "../../lib/throttle.js";
import { clampStep, latestStep, movesLive, timelineText } from "./timeline-model.js";
import { cssVar } from "../../shell/theme.js";

const WIDE_LAYER = 32;  // as main.js: wider layers travel only in part

// The loss (and other) curves: a dotted vertical line at `step`, none for null. A chart
// drawn again (new points, a theme) gets the line back after it is drawn.
let marked = null;
const hooked = new WeakSet();

function shapesFor(step) {
  if (step === null) return [];
  const color = cssVar("--warn-text", "#7a3e00");
  return [{ type: "line", xref: "x", yref: "paper", x0: step, x1: step, y0: 0, y1: 1, line: { color, width: 1.5, dash: "dot" } }];
}

function markCharts(step) {
  marked = step;
  const Plotly = window.Plotly;
  if (!Plotly) return;
  for (const div of document.querySelectorAll("#output-panel .js-plotly-plot")) {
    if (!div._fullLayout) continue;
    if (!hooked.has(div) && typeof div.on === "function") {
      hooked.add(div);
      div.on("plotly_afterplot", () => {
        const has = Boolean(div.layout?.shapes?.length);
        if ((marked === null) === !has) return;  // as it should be
        if (marked !== null) Promise.resolve(Plotly.relayout(div, { shapes: shapesFor(marked) })).catch(() => {});
      });
    }
    if (step === null && !(div.layout?.shapes?.length)) continue;
    Promise.resolve(Plotly.relayout(div, { shapes: shapesFor(step) })).catch(() => {});
  }
}

export function mount(app) {
  const root = el("div", { class: "timeline" });
  root.dataset.testid = "timeline-panel";
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "time travel");
  const label = el("label", { class: "timeline-label" });
  label.append(el("span", { class: "ctl-label", text: "time travel" }));
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = "0";
  slider.step = "1";
  slider.value = "0";
  slider.dataset.testid = "timeline";
  slider.setAttribute("aria-label", "the step to look at");
  label.append(slider);
  const readout = el("output", { class: "timeline-step" });
  readout.dataset.testid = "timeline-step";
  const back = el("button", { class: "timeline-back", text: "back to now" });
  back.type = "button";
  back.dataset.testid = "back-to-now";
  back.title = "show the live run again";
  const cont = el("button", { class: "timeline-continue", text: "continue from here" });
  cont.type = "button";
  cont.dataset.testid = "continue-here";
  cont.title = "rewind the live run to this step: the later steps are dropped";
  const said = el("span", { class: "timeline-said" });
  said.dataset.testid = "timeline-status";
  said.setAttribute("role", "status");
  root.append(label, readout, back, cont, said);
  root.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target instanceof HTMLButtonElement) event.stopPropagation();
  });
  document.getElementById("diagram").after(root);

  let viewing = null;  // the past step the page shows, or null for now
  let max = 0;

  // While viewing the past, live snapshots wait: the views keep showing the past.
  const emit = app.bus.emit.bind(app.bus);
  app.bus.emit = (type, payload) => {
    if (type === "snapshot" && viewing !== null && !payload?.viewing_past) return;
    emit(type, payload);
  };
  const send = app.send.bind(app);
  app.send = (command) => {
    if (viewing !== null && movesLive(command)) backToNow();
    send(command);
  };

  const liveStep = () => app.snapshot?.step ?? 0;

  const render = () => {
    max = latestStep(app.history?.columns?.step, liveStep());
    // A run restored from a saved state (an import, a restart) keeps no state before it:
    // the slider offers only the steps the server can show.
    const earliest = Math.min(app.snapshot?.earliest_step ?? 0, max);
    if (slider.min !== String(earliest)) slider.min = String(earliest);
    if (slider.max !== String(max)) slider.max = String(max);
    if (viewing === null && slider.value !== String(max)) slider.value = String(max);
    slider.disabled = max === earliest && viewing === null;
    readout.textContent = timelineText(viewing, viewing, liveStep());
    back.hidden = viewing === null;
    cont.hidden = viewing === null;
    document.body.classList.toggle("viewing-past", viewing !== null);
    root.classList.toggle("past", viewing !== null);
  };

  // As the live frames: wide layers cut to their first units (main.js viewFor).
  const query = () => {
    const widest = Math.max(0, ...(app.topology?.layers ?? []).slice(1));
    return widest > WIDE_LAYER ? `?units=${WIDE_LAYER}` : "";
  };
  const gate = new Gate(
    ({ id, step }) => api.at(id, step, query()),
    (req, outcome) => {
      if (viewing === null || req.id !== app.sessionId) return;
      if (!outcome.ok) {
        said.textContent = outcome.error?.status === 404
          ? "this server cannot show past steps"
          : `could not load step ${req.step}: ${outcome.error?.message ?? outcome.error}`;
        return;
      }
      said.textContent = "";
      emit("snapshot", { ...outcome.result.snapshot, session: app.sessionId, viewing_past: true });
      markCharts(outcome.result.snapshot.step ?? req.step);
    },
    { interval: 100 },
  );

  const view = (step) => {
    viewing = step;
    render();
    gate.want({ id: app.sessionId, step });
  };

  function backToNow({ show = true } = {}) {
    if (viewing === null) return;
    viewing = null;
    gate.drop();
    said.textContent = "";
    markCharts(null);
    render();
    if (show && app.snapshot) emit("snapshot", app.snapshot);
  }

  // Grabbing the slider pauses the run: the past stays put while it is looked at.
  const grab = () => {
    if (app.snapshot?.playing) send({ type: "pause" });
  };
  slider.addEventListener("pointerdown", grab);
  slider.addEventListener("keydown", grab);
  slider.addEventListener("input", () => {
    grab();
    const step = clampStep(slider.value, max, Number(slider.min));
    if (step === liveStep() && !app.snapshot?.playing) backToNow();
    else view(step);
  });
  back.addEventListener("click", () => backToNow());
  cont.addEventListener("click", async () => {
    const step = viewing;
    if (step === null) return;
    cont.disabled = true;
    try {
      const body = await api.rewind(app.sessionId, step);
      viewing = null;
      gate.drop();
      markCharts(null);
      render();
      // The rewind's broadcast may have come first (it waited in app.snapshot).
      const live = app.snapshot?.step === step && !app.snapshot?.viewing_past ? app.snapshot
        : { ...body.snapshot, session: app.sessionId };
      emit("snapshot", live);
      said.textContent = `continued from step ${step}`;
      setTimeout(() => { if (said.textContent === `continued from step ${step}`) said.textContent = ""; }, 4000);
    } catch (error) {
      said.textContent = `could not continue from step ${step}: ${error.message}`;
    } finally {
      cont.disabled = false;
      render();
    }
  });

  app.bus.on("history", () => render());
  app.bus.on("snapshot", () => render());
  app.bus.on("topology", (topology) => {
    if (viewing !== null && topology.session !== app.snapshot?.session) backToNow({ show: false });
    render();
  });
  render();
}
