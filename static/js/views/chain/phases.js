// Phase stepping: one training step taken phase by phase (forward, loss, backward,
// update), with the phase that last ran shown by name, and steps of one sample, one
// mini-batch or one epoch. The diagram shows what each phase computed (diagram-overlay.js:
// a class phase-<name> on the SVG and, in numbers mode, the phase's numbers).
import { batchWords, phaseLabel, phaseNote, phaseToRequest } from "./phases-order.js";
import { chainGroup, chainToolbar } from "./numbers.js";
import { moment } from "../diagram/diagram-numbers.js";
import { tip } from "../../lib/tip.js";

const SENT_TIMEOUT_MS = 3000;  // a phase asked for and never confirmed is forgotten

function button(text, testid, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.dataset.testid = testid;
  b.title = title;
  return b;
}

export function mount(app) {
  const group = chainGroup("chain-phases", "one step, phase by phase");

  const next = button("", "phase-step", "run the next phase of the training step");
  next.classList.add("phase-next");
  const nowLabel = document.createElement("span");
  nowLabel.className = "phase-now";
  nowLabel.append("phase ");
  const phase = document.createElement("strong");
  phase.dataset.testid = "phase";
  phase.className = "phase-name";
  phase.setAttribute("aria-live", "polite");
  phase.textContent = phaseLabel(null);
  nowLabel.append(phase);

  const sample = button("1 sample", "phase-sample", "");
  const batch = button("1 mini-batch", "phase-batch", "");
  const epoch = button("1 epoch", "phase-epoch", "one pass over the training data: as many steps as it takes");
  // What the whole-step buttons do, readable without a mouse ("1 sample" changes the batch size).
  const help = tip("the whole-step buttons", "", { testid: "phase-tip" });
  const note = document.createElement("p");
  note.className = "chain-note";
  note.dataset.testid = "phase-note";
  // The moment of the run every number on screen belongs to, named above the diagram.
  const when = document.createElement("p");
  when.className = "moment";
  when.dataset.testid = "moment";
  when.setAttribute("aria-live", "polite");
  document.getElementById("diagram")?.before(when);

  // What this page asked for and the server has not yet shown (see phaseToRequest).
  let sent = null;
  let sentTimer = null;
  const forget = () => {
    sent = null;
    clearTimeout(sentTimer);
  };

  const render = () => {
    const shown = app.snapshot?.phase ?? null;
    next.textContent = `next phase: ${phaseToRequest(shown, sent)} \u25b8`;
    const size = app.config?.batch?.size ?? null;
    const nTrain = app.topology?.dataset?.n_train ?? null;
    const words = batchWords(size, nTrain);
    batch.title = `one training step = ${words}`;
    sample.title = size === 1 ? "one step on one sample (the batch size is 1)"
      : "sets the batch size to 1 (a live change, kept), then takes one step on one sample";
    batch.textContent = size === null || (nTrain && size >= nTrain) ? "1 full batch" : "1 mini-batch";
    help.set(`${next.title}. 1 sample: ${sample.title}. ${batch.textContent}: ${batch.title}. 1 epoch: ${epoch.title}.`);
  };

  const say = (snap) => {
    when.textContent = snap ? moment(snap) : "";
    const current = snap?.viewing_past ? null : snap?.phase ?? null;
    phase.textContent = phaseLabel(current);
    const size = app.config?.batch?.size ?? null;
    const nTrain = app.topology?.dataset?.n_train ?? null;
    note.textContent = `${phaseNote(current)} \u00b7 one step = ${batchWords(size, nTrain)}`;
  };

  next.addEventListener("click", () => {
    const want = phaseToRequest(app.snapshot?.phase ?? null, sent);
    sent = want;
    clearTimeout(sentTimer);
    sentTimer = setTimeout(() => {
      sent = null;
      render();
    }, SENT_TIMEOUT_MS);
    app.send({ type: "step", phase: want });
    render();
  });
  sample.addEventListener("click", () => {
    forget();
    if (app.config?.batch?.size !== 1) app.setLive({ batch: { size: 1 } });
    app.send({ type: "step", steps: 1 });
  });
  batch.addEventListener("click", () => {
    forget();
    app.send({ type: "step", steps: 1 });
  });
  epoch.addEventListener("click", () => {
    forget();
    app.send({ type: "step", epochs: 1 });
  });

  app.bus.on("snapshot", (snap) => {
    if (!snap.viewing_past && (snap.phase ?? null) === sent) forget();
    say(snap);
    render();
  });
  app.bus.on("topology", () => {
    forget();
    render();
  });
  app.bus.on("config", () => {
    render();
    say(app.snapshot);
  });
  app.bus.on("error", () => {
    forget();
    render();
  });

  const buttons = document.createElement("span");
  buttons.className = "chain-buttons";
  const stepWords = document.createElement("span");
  stepWords.className = "ctl-label";
  stepWords.textContent = "whole step:";
  buttons.append(stepWords, sample, batch, epoch);
  group.append(next, nowLabel, help.element, buttons, note);
  const bar = chainToolbar();
  bar.prepend(group);
  render();
  say(app.snapshot);
}
