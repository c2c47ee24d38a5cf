// The pure part of lessons and presentation mode (no DOM): which page elements a name
// such as "loss-chart" or "lr" stands for, what a lesson step hides, the lesson URL, the
// selection a step asks for, and the figure links of a session. lesson.js and present.js
// put these on the page; tests/js/views/lesson/lesson-model.test.mjs checks them.

// --- names -> elements ------------------------------------------------------------------

// The panels a lesson step can list in `show` (docs/lessons.md). The diagram shows on every
// lesson step whatever `show` says; "network" hides the whole network panel only in ?hide=.
export const PANELS = {
  network: ["#network-panel"],
  formula: ["[data-testid=formula]"],
  "loss-chart": ["#out-loss"],
  "accuracy-chart": ["#out-accuracy"],
  heatmap: ["#out-heatmap"],
  digits: ["#out-digits"],
  gradcheck: ["[data-testid=gradcheck]"],
  landscape: ["[data-testid=landscape]"],
  sweep: ["[data-testid=sweep]"],
  explorer: ["[data-testid=explorer]"],
  "activation-explorer": ["[data-testid=explorer-activation-part]"],
  "loss-explorer": ["[data-testid=explorer-loss-part]"],
  timeline: ["[data-testid=timeline-panel]"],
  diagnostics: ["[data-testid=diagnostics]"],
};

// The controls a lesson step can list in `controls`. A field is hidden with its label.
export const CONTROLS = {
  play: ["[data-testid=play]", "#playback label:has([data-testid=speed])"],
  step: ["[data-testid=step]", "[data-testid=step-epoch]"],
  "phase-step": [".chain-phases", "[data-testid=phase-step]"],
  reset: ["[data-testid=reset]"],
  lr: ["#hyper-panel label:has([data-testid=lr])"],
  batch: ["#hyper-panel fieldset:has([data-testid=batch-size])"],
  optimizer: ["optimizer", "momentum", "rho", "beta1", "beta2", "optimizer-eps"]
    .map((id) => `#hyper-panel label:has([data-testid=${id}])`),
  gradient: ["#hyper-panel fieldset:has([data-testid=gradient])"],
};

// A panel made of parts a step can show one at a time: the whole shows all its parts, a
// part shows the whole's frame too (and no other part).
export const PANEL_PARTS = { explorer: ["activation-explorer", "loss-explorer"] };

// Everything else a name can stand for: never shown on a lesson step (LESSON_HIDDEN), and
// all of them can be hidden with ?hide= (e.g. hide=data,hyper).
export const EXTRAS = {
  data: ["#data-panel"],
  hyper: ["#hyper-panel"],
  settings: ["#hyper-panel"],
  architecture: ["#architecture"],
  "gradnorm-chart": ["#out-gradnorm"],
  output: ["#output-panel"],
  teaching: ["#teaching"],
  preset: ["#playback label:has([data-testid=preset])"],
  speed: ["#playback label:has([data-testid=speed])"],
  reseed: ["[data-testid=reseed]"],
  until: ["[data-testid=until]"],
  loss: ["#hyper-panel fieldset:has([data-testid=loss])"],
  regularization: ["#hyper-panel fieldset:has([data-testid=regularization])"],
  precision: ["#hyper-panel fieldset:has([data-testid=dtype])"],
  numbers: [".chain-numbers"],
  "chain-tools": ["#chain-tools"],
  metrics: ["#metrics"],
  playback: ["#playback"],
  counters: [".topbar .counters"],
  share: [".ctl-share"],
  theme: ["#page-tools label:has([data-testid=theme])"],
  "page-tools": ["#page-tools"],
  topbar: [".topbar"],
  lesson: ["#lesson-panel"],
};

export const NAMES = { ...PANELS, ...CONTROLS, ...EXTRAS };

// Not part of any lesson step: the rest of the playground's controls.
export const LESSON_HIDDEN = ["data", "architecture", "gradnorm-chart", "preset", "reseed", "until", "loss",
  "regularization", "precision", "share"];

// A box hidden when everything in it is hidden, so that no empty frame is left on screen.
export const CONTAINERS = [
  { name: "output", parts: ["loss-chart", "accuracy-chart", "gradnorm-chart", "heatmap", "digits"] },
  { name: "teaching", parts: ["gradcheck", "landscape", "sweep", "explorer", "diagnostics"] },
  { name: "chain-tools", parts: ["phase-step", "numbers"] },
  { name: "optimizer-group", parts: ["lr", "optimizer"], selectors: ["#hyper-panel fieldset:has([data-testid=lr])"] },
  { name: "hyper", parts: ["lr", "batch", "optimizer", "gradient", "loss", "regularization", "precision"] },
];

// The selectors of `names` (unknown names are skipped), each once.
export function selectorsFor(names) {
  const out = [];
  for (const name of names) {
    const container = CONTAINERS.find((c) => c.name === name && c.selectors);
    for (const selector of NAMES[name] ?? container?.selectors ?? []) {
      if (!out.includes(selector)) out.push(selector);
    }
  }
  return out;
}

// `names` plus every container all of whose parts are in it (in CONTAINERS order, so a
// container of containers works).
export function withContainers(names) {
  const hidden = new Set(names);
  for (const { name, parts } of CONTAINERS) {
    if (parts.every((part) => hidden.has(part))) hidden.add(name);
  }
  return [...hidden];
}

// The panels a lesson step shows: its `show` (or the default), with the parts of a whole it
// lists and the whole of a part. Presentation mode lays the stage out by them (style.css).
export function lessonShown(step) {
  const show = new Set(step?.show ?? ["network", "loss-chart"]);
  for (const [whole, parts] of Object.entries(PANEL_PARTS)) {
    if (show.has(whole)) parts.forEach((part) => show.add(part));
    else if (parts.some((part) => show.has(part))) show.add(whole);
  }
  return [...show];
}

// What a lesson step hides: the panels not in `show` (the diagram always shows), the
// controls not in `controls`, and the playground controls no lesson step uses.
export function lessonHidden(step) {
  const show = new Set(lessonShown(step));
  const controls = new Set(step?.controls ?? ["play", "step", "reset"]);
  const names = [
    ...Object.keys(PANELS).filter((name) => name !== "network" && !show.has(name)),
    ...Object.keys(CONTROLS).filter((name) => !controls.has(name)),
    ...LESSON_HIDDEN,
  ];
  return names;
}

// One CSS rule per selector: a selector the browser does not know cannot drop the others.
export function hidingCss(names) {
  return selectorsFor(withContainers(names)).map((s) => `${s} { display: none !important; }`).join("\n");
}

// Whether any of the page's three columns is hidden: the layout then shares the width out
// among the columns left (style.css, html.nn-arranged).
export function rearranges(names) {
  const all = withContainers(names);
  return ["data", "network", "output"].some((name) => all.includes(name));
}

// --- the lesson URL ------------------------------------------------------------------------

// "/lessons/01-forward-pass" -> "01-forward-pass"; any other page -> null.
export function lessonIdFromPath(pathname) {
  const match = /^\/lessons\/([^/]+)\/?$/.exec(pathname ?? "");
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

// ?step=k (1-based) as a step of a lesson of `count` steps: anything unreadable is step 1,
// anything past the end the last step.
export function stepFromSearch(search, count) {
  const raw = new URLSearchParams(search ?? "").get("step");
  const k = /^\s*\d+\s*$/.test(raw ?? "") ? Number.parseInt(raw, 10) : 1;
  return Math.min(Math.max(1, k), Math.max(1, count ?? 1));
}

// The query with step=k in place of any earlier step (the other parameters kept).
export function searchWithStep(search, k) {
  const params = (search ?? "").replace(/^\?/, "").split("&").filter((p) => p && !/^step(=|$)/.test(p));
  return `?${[...params, `step=${k}`].join("&")}`;
}

export function stepLabel(k, count) {
  return `step ${k} of ${count}`;
}

// What building a step costs, in words, while the server builds it.
export function buildingWords(step) {
  const parts = [];
  if (step?.epochs) parts.push(`${step.epochs.toLocaleString("en-US")} ${step.epochs === 1 ? "epoch" : "epochs"}`);
  if (step?.steps) parts.push(`${step.steps.toLocaleString("en-US")} training ${step.steps === 1 ? "step" : "steps"}`);
  if (step?.phase) parts.push(`up to the ${step.phase} phase`);
  return parts.length ? `building this step: ${parts.join(", then ")}\u2026` : "building this step\u2026";
}

// --- selection -------------------------------------------------------------------------------

// A lesson's `select` as the bus "select" detail the diagram and the formula panel use.
export function selectDetail(select) {
  if (!select) return null;
  if (select.kind === "neuron") return { kind: "neuron", layer: select.layer, i: select.unit, j: null };
  if (select.kind === "weight") return { kind: "weight", layer: select.layer, i: select.i, j: select.j };
  return null;
}

// A bus "select" detail as the figure route's query (formula panel), or null when the
// figure route cannot draw it (an input unit, a bias).
export function figureSelect(detail) {
  if (!detail || !(detail.layer >= 1)) return null;
  if (detail.kind === "neuron" && Number.isInteger(detail.i)) return { layer: detail.layer, unit: detail.i };
  if (detail.kind === "weight" && Number.isInteger(detail.i) && Number.isInteger(detail.j)) {
    return { layer: detail.layer, i: detail.i, j: detail.j };
  }
  return null;
}

// --- figures -----------------------------------------------------------------------------------

const FIGURE_PANELS = [
  ["network", "Network"],
  ["loss", "Loss curve"],
  ["boundary", "Decision boundary"],
  ["formula", "Formula"],
];
const FORMATS = ["svg", "png"];
const THEMES = ["light", "dark", "projector", "print"];

// The figure links of a session: network and loss always, the decision boundary for 2-D
// inputs, the formula when a unit or weight is selected. `past` draws an earlier step (the
// timeline), `theme` the look on screen; `name` prefixes the downloaded file's name.
export function figureLinks({ sessionId, config, selection = null, theme = "light", past = null, name = "nnplay" }) {
  if (!sessionId) return [];
  const formula = figureSelect(selection);
  const panels = FIGURE_PANELS.filter(([panel]) =>
    (panel !== "boundary" || config?.layers?.[0] === 2) && (panel !== "formula" || formula !== null));
  const links = [];
  for (const [panel, title] of panels) {
    for (const format of FORMATS) {
      const query = new URLSearchParams({ panel, format });
      if (THEMES.includes(theme) && theme !== "light") query.set("theme", theme);
      if (panel === "formula") for (const [key, value] of Object.entries(formula)) query.set(key, String(value));
      if (Number.isInteger(past)) query.set("step", String(past));
      links.push({
        panel, format, title,
        label: `${title} (${format.toUpperCase()})`,
        href: `/api/sessions/${encodeURIComponent(sessionId)}/figure?${query}`,
        download: `${name}-${panel}.${format}`,
      });
    }
  }
  return links;
}
