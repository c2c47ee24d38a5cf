// The controls: playback in the top bar (controls-playback.js), the share button, the data
// panel, the architecture above the diagram, and the training settings at the bottom
// (controls-settings.js).
//
// The server's config is the only config: every control is set from `app.config` when the
// server says something changed ("topology", "config") and after a refused change, so a
// control never shows a value the server does not have. Live settings go out as
// `app.setLive`, everything else as `app.rebuild` (a new session); the rules that keep a
// rebuild valid (matching layer sizes, loss and output activation) are in
// controls-model.js.
import {
  addHiddenLayer, choices, dataParams, datasetChoices, describeNetwork, inputLimits, outputChoices, parseInteger,
  parseNumber, removeHiddenLayer, resizeLayer, setActivation, setBias, setDataset,
  unavailableReason, vocabulary, NEW_DATA_TITLE, newDataState,
} from "./controls-model.js";
import { pickSpeed } from "./playback-model.js";
import { el } from "../../lib/dom.js";
import { shareProblem, sourcePreset } from "../../shell/urlstate.js";
import { tip } from "../../lib/tip.js";
import {
  field, select, fill, markUnavailable, numberInput, setValue, onCommit, keepFocus, rebuilder, refuse,
} from "./controls-fields.js";
import { mountPlayback } from "./controls-playback.js";
import { mountSettings } from "./controls-settings.js";
import { mountCsv } from "./controls-csv.js";

// --- mount -----------------------------------------------------------------------------

// Space on a focused button presses that button (as everywhere on the web); the page-wide
// shortcut (space = play/pause, keyboard.js) applies when no control has the focus.
function keepSpaceForButtons(root) {
  root?.addEventListener("keydown", (event) => {
    if (event.key === " " && event.target instanceof HTMLButtonElement) event.stopPropagation();
  });
}

export function mount(app) {
  app.speed = pickSpeed(app.speed);
  for (const id of ["playback", "page-tools", "data-panel", "architecture", "hyper-panel"]) {
    keepSpaceForButtons(document.getElementById(id));
  }
  // The config's fields, choices and limits, as the server states them (GET /api/config/fields).
  const ui = { app, busy: 0, vocab: vocabulary(app.fields) };
  const views = [
    mountPlayback(app, ui),
    mountShare(app),
    mountData(app, ui),
    mountArchitecture(app, ui),
    mountSettings(app, ui),
  ];
  // `force`: after a refused or finished change, every control shows the server's value
  // again, even where the config did not change.
  const sync = (force = false) => {
    if (!app.config) return;
    for (const view of views) view.sync?.(force);
  };
  ui.sync = sync;
  app.bus.on("topology", () => sync());
  app.bus.on("config", () => sync());
  // A refused change: show the server's value again (the message is shown by status.js).
  app.bus.on("error", () => sync(true));
  app.bus.on("snapshot", () => { for (const view of views) view.snapshot?.(); });
  sync();
}

// --- share (page tools) ----------------------------------------------------------------

function mountShare(app) {
  const root = document.getElementById("page-tools");
  const button = el("button", { testid: "share", type: "button", title: "copy a link to this exact network, data and settings" }, "Share");
  const said = el("span", { class: "ctl-said", role: "status", testid: "share-status" });
  // Without the clipboard API (plain http on a LAN address) the link is shown, selected.
  const url = el("input", { testid: "share-url", readOnly: true, class: "ctl-share-url", hidden: true, "aria-label": "link to this page" });
  let timer = null;
  const say = (text) => {
    said.textContent = text;
    said.classList.toggle("ctl-said-long", text.length > 40);
    clearTimeout(timer);
    timer = setTimeout(() => { said.textContent = ""; }, 4000);
  };
  button.addEventListener("click", async () => {
    // A link that drops the data would open something else: say why there is none.
    const problem = shareProblem(app.config);
    if (problem) {
      url.hidden = true;
      say(`no link: ${problem}`);
      return;
    }
    const link = app.shareUrl();
    button.dataset.url = link;
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard API");
      await navigator.clipboard.writeText(link);
      url.hidden = true;
      say("copied");
    } catch {
      url.value = link;
      url.hidden = false;
      url.focus();
      url.select();
      say("press Ctrl+C to copy");
    }
  });
  url.addEventListener("blur", () => { url.hidden = true; });
  // The note and the link float under the button: the top bar keeps its layout.
  root.append(el("span", { class: "ctl-share" }, button, el("span", { class: "ctl-share-pop" }, url, said)));
  return {};
}

// --- data panel ------------------------------------------------------------------------

// Data sets whose name says little in the list.
const DATASET_LABELS = { inline: "the lesson's own rows", csv: "your data (CSV)" };

function mountData(app, ui) {
  const { vocab } = ui;
  const root = document.getElementById("data-panel");
  const rebuild = ui.rebuild ??= rebuilder(app, ui);
  // The rows of the preset this config is or came from (a custom net on the textbook rows).
  const presetData = () => {
    const id = app.config && (app.config.preset ?? sourcePreset(app.config, app.presets));
    return app.presets.find((p) => p.id === id)?.config?.data ?? null;
  };
  const info = (name) => app.datasets.find((d) => d.name === name);

  const dataset = el("select", { testid: "dataset" });
  const description = el("p", { class: "ctl-note", testid: "dataset-description" });
  // Which data sets are disabled, in one line, and why in its tip (an option's title shows
  // to a mouse only; the reasons, MNIST's list of files, would fill the panel).
  const unavailableNames = el("span", { testid: "dataset-unavailable-names" });
  const unavailableWhy = tip("data sets not available here", "", { testid: "dataset-unavailable-tip" });
  const unavailable = el("p", { class: "ctl-note", testid: "dataset-unavailable", hidden: true },
    unavailableNames, " ", unavailableWhy.element);
  dataset.addEventListener("change", () => {
    const chosen = info(dataset.value);
    if (chosen) rebuild((config) => setDataset(vocab, config, chosen, presetData()));
  });

  const params = {};
  const paramFields = {};
  for (const [key, label] of vocab.dataParams) {
    const input = numberInput(`data-${key.replace("_", "-")}`);
    onCommit(input, () => {
      const spec = info(app.config.data.name)?.params?.[key];
      const value = spec?.type === "int" ? parseInteger(input.value) : parseNumber(input.value);
      if (value === null && !(spec?.nullable && input.value.trim() === "")) {
        refuse(app, `data.${key}`, spec?.type === "int" ? "enter a whole number" : "enter a number");
        ui.sync(true);
        return;
      }
      rebuild(() => ({ data: { [key]: value } }));
    });
    params[key] = input;
    paramFields[key] = field(label, input, { help: true });
  }

  const seedField = vocab.field("seed");
  const seed = numberInput("seed", inputLimits(seedField));
  onCommit(seed, () => {
    const value = parseInteger(seed.value);
    if (value === null) {
      refuse(app, "seed", `enter a whole number from ${seedField.min} to ${seedField.max}`);
      ui.sync(true);
      return;
    }
    rebuild(() => ({ seed: value }));
  });

  // The playground's "regenerate": the server draws a new data seed; the weights stay.
  const newData = el("button", { testid: "new-data", type: "button", title: NEW_DATA_TITLE }, "New data");
  newData.addEventListener("click", () => app.send({ type: "new_data" }));
  // Why it is off, in words: a disabled button takes no focus, and a title shows to a mouse only.
  const newDataWhy = el("p", { class: "ctl-note", testid: "new-data-why", hidden: true });
  const yours = mountCsv(app, ui, rebuild);

  root.append(el("div", { class: "ctl-data" },
    el("h2", {}, "Data"),
    field("data set", dataset),
    unavailable,
    description,
    ...vocab.dataParams.map(([key]) => paramFields[key]),
    field("seed", seed, { title: seedField.help, help: true }),
    newData,
    newDataWhy,
    yours.element,
  ));

  return {
    sync() {
      const config = app.config;
      const sets = datasetChoices(app.datasets, config, presetData());
      fill(dataset, sets.map((d) => d.name), Object.fromEntries(sets.map((d) => [d.name, DATASET_LABELS[d.name] ?? d.name])));
      const names = [];
      const reasons = [];
      for (const option of dataset.options) {
        const reason = unavailableReason(app.datasets, option.value);
        markUnavailable(option, reason);
        if (reason !== null) {
          names.push(option.value);
          reasons.push(`${option.value}: ${reason}`);
        }
      }
      unavailableNames.textContent = names.length ? `Not available here: ${names.join(", ")}` : "";
      unavailableWhy.set(reasons.length ? `${reasons.join("; ")}.` : "");
      unavailable.hidden = !names.length;
      dataset.value = config.data.name;
      const current = info(config.data.name);
      description.textContent = current?.description ?? "";
      const shown = new Set(dataParams(vocab, current).map(([key]) => key));
      for (const [key, , spec] of dataParams(vocab, current)) {
        const input = params[key];
        input.min = spec.min ?? "";
        input.max = spec.max ?? "";
        input.step = spec.type === "int" ? "1" : "0.01";
        input.placeholder = spec.nullable ? "all" : "";
        paramFields[key].title = spec.description ?? "";
        paramFields[key].help.set(spec.description ?? "");
        paramFields[key].help.element.hidden = !spec.description;
        setValue(input, config.data[key]);
      }
      for (const [key] of vocab.dataParams) paramFields[key].hidden = !shown.has(key);
      setValue(seed, config.seed);
      const newDataNow = newDataState(app.topology);
      Object.assign(newData, newDataNow);
      newDataWhy.textContent = newDataNow.disabled ? newDataNow.title : "";
      newDataWhy.hidden = !newDataNow.disabled;
      yours.sync();
    },
  };
}

// --- architecture (above the diagram) --------------------------------------------------

function mountArchitecture(app, ui) {
  const { vocab } = ui;
  const root = document.getElementById("architecture");
  const rebuild = ui.rebuild ??= rebuilder(app, ui);
  const box = el("div", { class: "ctl-arch", role: "group", "aria-label": "network architecture" });
  root.append(box);

  const layerBox = (title, ...children) => el("div", { class: "ctl-layer" }, el("span", { class: "ctl-layer-title" }, title), ...children);
  // Narrow columns (many layers) show the short words; CSS container queries pick one.
  const words = (long, short) => [el("span", { class: "ctl-long" }, long), el("span", { class: "ctl-short", "aria-hidden": "true" }, short)];
  const units = (n, testid) => el("span", { class: "ctl-units", testid }, ...words(`${n} ${n === 1 ? "unit" : "units"}`, String(n)));

  const draw = () => {
    const config = app.config;
    const { layers, activations } = config;
    const last = layers.length - 1;
    const columns = [layerBox(words("input", "in"), units(layers[0], "layer-size-0"))];
    for (let i = 1; i < last; i += 1) {
      const minus = el("button", { type: "button", testid: `neurons-minus-${i}`, class: "ctl-small", "aria-label": `remove a neuron from hidden layer ${i}`, disabled: layers[i] <= 1 }, "\u2212");
      const plus = el("button", { type: "button", testid: `neurons-plus-${i}`, class: "ctl-small", "aria-label": `add a neuron to hidden layer ${i}`, disabled: layers[i] >= vocab.maxUnits }, "+");
      minus.addEventListener("click", () => rebuild((c) => resizeLayer(vocab, c, i, -1)));
      plus.addEventListener("click", () => rebuild((c) => resizeLayer(vocab, c, i, +1)));
      const act = select(`activation-${i}`, choices(vocab.hiddenActivations, activations[i - 1]), {});
      act.setAttribute("aria-label", `activation of hidden layer ${i}`);
      act.value = activations[i - 1];
      act.addEventListener("change", () => rebuild((c) => setActivation(vocab, c, i, act.value)));
      const remove = el("button", { type: "button", testid: `remove-layer-${i}`, class: "ctl-small ctl-remove", "aria-label": `remove hidden layer ${i}`, title: `remove hidden layer ${i}` }, "\u00d7");
      remove.addEventListener("click", () => rebuild((c) => removeHiddenLayer(c, i)));
      columns.push(el("div", { class: "ctl-layer" },
        el("span", { class: "ctl-layer-title" }, ...words(`hidden ${i}`, `h${i}`), remove),
        el("span", { class: "ctl-stepper" }, minus, el("span", { class: "ctl-units", testid: `layer-size-${i}`, "aria-live": "polite" }, String(layers[i])), plus),
        field(words("activation", "act"), act, { className: "ctl-field ctl-compact" })));
    }
    const out = select("output-activation", outputChoices(vocab, layers[last], activations[last - 1]), {});
    out.setAttribute("aria-label", "activation of the output layer");
    out.value = activations[last - 1];
    out.addEventListener("change", () => rebuild((c) => setActivation(vocab, c, last, out.value)));
    columns.push(layerBox(words("output", "out"), units(layers[last], `layer-size-${last}`),
      field(words("activation", "act"), out, { className: "ctl-field ctl-compact" })));

    const grid = el("div", { class: "ctl-layers" }, ...columns);
    grid.style.setProperty("--columns", String(columns.length));

    const full = layers.length - 2 >= vocab.maxHiddenLayers;
    const limit = `at most ${vocab.maxHiddenLayers} hidden layers`;
    const add = el("button", { type: "button", testid: "add-layer", disabled: full, title: limit }, "+ hidden layer");
    add.addEventListener("click", () => rebuild((c) => addHiddenLayer(vocab, c)));
    // Why the button does nothing, in words (a disabled button's title shows to a mouse only).
    const addLimit = el("span", { class: "ctl-note", testid: "add-layer-limit", id: "add-layer-limit", hidden: !full }, `(${limit})`);
    if (full) add.setAttribute("aria-describedby", addLimit.id);
    const bias = el("input", { type: "checkbox", testid: "bias", checked: Boolean(config.bias) });
    bias.addEventListener("change", () => rebuild((c) => setBias(c, bias.checked)));
    const tools = el("div", { class: "ctl-arch-tools" },
      add,
      addLimit,
      el("label", { class: "ctl-check" }, bias, el("span", {}, "biases")),
      el("span", { class: "ctl-note", testid: "network-summary" }, describeNetwork(config)));
    box.replaceChildren(tools, grid);
  };

  // Drawn again only when the network itself changed (a live learning-rate change must not
  // close a select the user has open).
  let drawn = null;
  return {
    sync(force) {
      const { layers, activations, bias } = app.config;
      const key = JSON.stringify([layers, activations, bias]);
      if (key === drawn && !force) return;
      drawn = key;
      keepFocus(box, draw);
    },
  };
}
