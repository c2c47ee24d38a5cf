// The compare view: the page's run and a twin that differs in a few settings, side by
// side. Each run has its diagram and output plane (the same views as the single run,
// mounted once more per run), titled with its side of the difference ("lr 0.1" and
// "lr 0.3"); one chart per metric shows both runs' curves. Play, pause, step and reset
// drive both (compare-model.js says how lockstep is kept).
//
// "Compare" in the top bar asks which settings the twin changes, forks the session
// (POST /api/sessions/{id}/fork) and enters the view; the address then carries the twin's
// differing fields with a `b.` prefix (?preset=xor&lr=0.03&b.lr=0.3), so a reload or a
// share link opens the same pair. ?a=ID&b=ID opens two existing sessions as a pair.
import { el } from "../../lib/dom.js";
import { TWIN_PREFIX, encodeTwin } from "../../shell/urlstate.js";
import { formatCount, formatLoss } from "../../lib/format.js";
import * as diagram from "../diagram/diagram.js";
import * as heatmap from "../heatmap/heatmap.js";
import { vocabulary, parseNumber } from "../controls/controls-model.js";
import { CompareCharts } from "./compare-charts.js";
import { catchUp, mirrors, strayed } from "./compare-model.js";
import { Twin } from "./compare-twin.js";

// Both runs stand still this long before the one behind catches up (both answers to a
// step or a pause have come by then).
const SETTLE_MS = 600;

// The settings the dialog offers to change, as the issue lists them; their types, choices
// and limits are the server's (GET /api/config/fields).
const OFFERED = ["optimizer.lr", "optimizer.name", "activations", "batch.size", "regularization.kind",
  "regularization.rate", "init.scheme", "seed", "data.noise"];
const LABELS = {
  "optimizer.lr": "learning rate", "optimizer.name": "optimizer", activations: "hidden activation",
  "batch.size": "batch size", "regularization.kind": "regularization", "regularization.rate": "regularization rate",
  "init.scheme": "initialization", seed: "seed (initial weights)", "data.noise": "data noise",
};

export function mount(app) {
  const tools = document.getElementById("page-tools");
  if (!tools) return;
  const view = new CompareView(app);
  app.compare = view;
  tools.append(view.button);
}

class CompareView {
  constructor(app) {
    this.app = app;
    this.twin = null;
    this.sides = ["", ""];
    this.changes = null;     // what the twin changes (null: an existing session, ?a=&b=)
    this.session = null;     // the page's session the twin was made from
    this.lastPlay = 0;
    this.settle = null;
    this.section = null;
    this.button = el("button", {
      type: "button", testid: "compare", title: "train a twin of this run that differs in settings you choose, side by side",
    }, "Compare");
    this.button.addEventListener("click", () => this.ask());
    app.bus.on("topology", (topology) => this.sessionChanged(topology));
    app.bus.on("snapshot", () => this.update());
    app.bus.on("history", () => this.charts?.schedule());
  }

  get active() {
    return this.twin !== null;
  }

  // --- entering and leaving ----------------------------------------------------------

  // Fork the page's session with `changes` (a partial config) and show the pair.
  async open(changes) {
    const { app } = this;
    try {
      const body = await app.api.fork(app.sessionId, changes);
      this.enter(body, body.sides, changes);
      return true;
    } catch (error) {
      app.bus.emit("error", { message: `no twin: ${error.message}`, fields: error.fields });
      return false;
    }
  }

  // Show the page's session beside an existing one (?a=&b=).
  async attach(id) {
    const { app } = this;
    try {
      const [body, named] = await Promise.all([app.api.get(id), app.api.difference(app.sessionId, id)]);
      this.enter(body, named.sides, null);
      return true;
    } catch (error) {
      app.bus.emit("notice", { message: `The second run of this comparison cannot be opened (${error.message}): ` +
        "it may have expired. The first one is shown alone." });
      return false;
    }
  }

  enter(body, sides, changes) {
    const { app } = this;
    this.twin?.close();
    this.build();
    this.sides = sides;
    this.changes = changes;
    this.session = app.sessionId;
    const twin = new Twin(body, { ...app.connection?.view }, {
      onGone: () => this.leave("The twin's session expired; the page shows its own run alone."),
    });
    this.twin = twin;
    // The twin's views, in fresh hosts: those of an earlier twin went with it.
    const diagramHost = el("div", { class: "diagram compare-diagram" });
    const plane = el("div", { class: "compare-plane" });
    this.runs[1].body.replaceChildren(diagramHost, plane);
    diagram.mount(twin, diagramHost);
    heatmap.mount(twin, plane);
    twin.bus.on("snapshot", () => this.update());
    twin.bus.on("history", () => this.charts.schedule());
    twin.bus.on("topology", () => this.charts.schedule());
    twin.bus.on("error", (error) => app.bus.emit("error", { ...error, message: `twin: ${error.message}` }));
    this.title.textContent = sides.join(" vs ");
    this.runs.forEach((run, i) => {
      run.side.textContent = sides[i];
      run.article.setAttribute("aria-label", `run ${i ? "B" : "A"}: ${sides[i]}`);
    });
    document.body.classList.add("comparing");
    this.section.hidden = false;
    this.button.setAttribute("aria-pressed", "true");
    app.writeUrl(app.config);
    this.update();
    this.charts.schedule();
  }

  leave(notice = null) {
    if (!this.twin) return;
    this.twin.close();
    this.twin = null;
    this.changes = null;
    clearTimeout(this.settle);
    document.body.classList.remove("comparing");
    this.section.hidden = true;
    this.button.setAttribute("aria-pressed", "false");
    this.app.writeUrl(this.app.config);
    if (notice) this.app.bus.emit("notice", { message: notice });
    this.button.focus();
  }

  // The page opened another session (a rebuild, an expired one made again): a twin of
  // the old one compares nothing, so the same changes make a twin of the new one.
  sessionChanged(topology) {
    if (!this.active || topology.session === this.session) return;
    if (this.changes) this.open(this.changes);
    else this.leave();
  }

  // --- the address and commands ------------------------------------------------------

  // The twin's `b.` fields for the address (an exact copy says its seed, to be one).
  query() {
    if (!this.active || !this.app.config || !this.twin.config) return "";
    const { config, presets } = this.app;
    return encodeTwin(config, this.twin.config, presets) || `${TWIN_PREFIX}seed=${config.seed}`;
  }

  // A command of the page's run: the twin takes it too when it drives both.
  mirror(command) {
    if (!this.active || !mirrors(command)) return;
    if (command.type === "play") this.lastPlay = performance.now();
    this.twin.send(command);
  }

  // --- the view ----------------------------------------------------------------------

  build() {
    if (this.section) return;
    const { app } = this;
    const leave = el("button", { type: "button", testid: "compare-leave", title: "close the twin and show this run alone" }, "Back to one run");
    leave.addEventListener("click", () => this.leave());
    this.title = el("h2", { testid: "compare-title" });
    const run = (letter) => {
      const side = el("h3", { testid: `compare-side-${letter}`, class: "compare-side" });
      const step = el("strong", { testid: `compare-step-${letter}` }, "0");
      const loss = el("strong", { testid: `compare-loss-${letter}` }, "–");
      const body = el("div", { class: "compare-body" });
      const article = el("article", { class: `compare-run compare-run-${letter}`, testid: `compare-run-${letter}` },
        el("header", { class: "compare-run-head" }, el("span", { class: "compare-swatch", "aria-hidden": "true" }), side,
          el("span", { class: "compare-counter" }, "step ", step), el("span", { class: "compare-counter" }, "train loss ", loss)),
        body);
      return { article, side, step, loss, body };
    };
    this.runs = [run("a"), run("b")];
    // The page's run, drawn a second time here: its usual views stay where they are.
    const diagramHost = el("div", { class: "diagram compare-diagram" });
    const plane = el("div", { class: "compare-plane" });
    this.runs[0].body.append(diagramHost, plane);
    const curves = el("div", { class: "compare-curves" });
    this.section = el("section", { id: "compare", class: "compare", testid: "compare-view", "aria-label": "two runs compared", hidden: true },
      el("div", { class: "compare-head" }, this.title, leave),
      el("div", { class: "compare-runs" }, this.runs.map((r) => r.article)),
      curves);
    const layout = document.querySelector("main.layout");
    if (layout) layout.before(this.section);
    else document.body.append(this.section);
    diagram.mount(app, diagramHost);
    heatmap.mount(app, plane);
    this.charts = new CompareCharts(curves, () => [
      { side: this.sides[0], history: app.history, topology: app.topology },
      { side: this.sides[1], history: this.twin?.history ?? app.history, topology: this.twin?.topology },
    ].slice(0, this.twin ? 2 : 1));
  }

  // Counters; lockstep: a run that stopped by itself stops the other, and once both
  // stand still the one behind takes the missing steps.
  update() {
    if (!this.active) return;
    const a = this.app.snapshot;
    const b = this.twin.snapshot;
    [a, b].forEach((snap, i) => {
      if (!snap) return;
      this.runs[i].step.textContent = formatCount(snap.step);
      this.runs[i].loss.textContent = formatLoss(snap.loss?.train);
    });
    if (strayed(a, b, performance.now() - this.lastPlay)) {
      (a.playing ? this.app.connection : this.twin).send({ type: "pause" });
      return;
    }
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      const behind = catchUp(this.app.snapshot, this.twin?.snapshot);
      if (!behind) return;
      const target = behind.run === "a" ? this.app.connection : this.twin;
      target?.send({ type: "step", steps: behind.steps });
    }, SETTLE_MS);
  }

  // --- the dialog --------------------------------------------------------------------

  // Which settings the twin changes: the page's values to start from, the server's
  // choices and limits.
  ask() {
    if (this.active) {
      this.leave();
      return;
    }
    const { app } = this;
    const vocab = vocabulary(app.fields);
    const inputs = [];
    for (const path of OFFERED) {
      const field = vocab.field(path);
      const current = valueAt(app.config, path);
      if (!field || current === undefined || !applies(field, app.config)) continue;
      if (path === "activations" && app.config.layers.length < 3) continue;  // no hidden layer
      const id = `twin-${path.replace(/\./g, "-")}`;
      let control;
      if (path === "activations" || field.type === "choice") {
        const options = path === "activations" ? vocab.hiddenActivations : field.choices;
        control = el("select", { id, testid: id });
        for (const choice of options) control.add(new Option(String(choice), String(choice)));
        control.value = String(path === "activations" ? current[0] : current);
      } else {
        control = el("input", { id, testid: id, type: "text", inputMode: "decimal", value: current === null ? "full" : String(current) });
      }
      inputs.push({ path, control, current });
      control.dataset.path = path;
    }
    const form = el("form", { method: "dialog", class: "compare-form" },
      el("p", { text: "The twin starts from this run's weights, data and batch order, and differs in what you change here." }),
      inputs.map(({ path, control }) => el("label", { class: "compare-field", htmlFor: control.id }, LABELS[path] ?? path, control)),
      el("div", { class: "compare-actions" },
        el("button", { type: "submit", value: "start", class: "primary", testid: "compare-start" }, "Compare"),
        el("button", { type: "submit", value: "cancel", formNoValidate: true }, "Cancel")));
    const dialog = el("dialog", { class: "compare-dialog", testid: "compare-dialog", "aria-label": "compare with a twin" },
      el("h2", { text: "Compare with a twin" }), form);
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (dialog.returnValue === "start") this.open(changesFrom(inputs, app.config));
      else this.button.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
  }
}

function valueAt(config, path) {
  return path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), config);
}

function applies(field, config) {
  return !field.applies || field.applies.values.includes(valueAt(config, field.applies.field));
}

// The partial config of the dialog's changed values (the server checks them: a bad one is
// a 422 naming the field, said as the page says every refusal).
function changesFrom(inputs, config) {
  const changes = {};
  for (const { path, control, current } of inputs) {
    let value = control.value;
    if (path === "activations") {
      if (value === current[0] && current.slice(0, -1).every((a) => a === value)) continue;
      value = [...current.slice(0, -1).map(() => value), current[current.length - 1]];
    } else if (control instanceof HTMLInputElement) {
      value = path === "batch.size" && value.trim() === "full" ? null : parseNumber(value) ?? value;
      if (value === current) continue;
    } else if (value === String(current)) continue;
    const keys = path.split(".");
    if (keys.length === 1) changes[path] = value;
    else changes[keys[0]] = { ...changes[keys[0]], [keys[1]]: value };
  }
  return Object.keys(changes).length ? changes : { seed: config.seed };
}
