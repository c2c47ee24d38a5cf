// Presentation mode, from the URL on any page (the playground or a lesson):
//   present=1            bigger type (html.present: a bigger --font-size)
//   canvas=1280x720      the page laid out in exactly that area (a stage of fixed size,
//                        overflow hidden), for projecting, screenshots and recordings of a
//                        known size. A lesson step gets a layout made for the stage (its
//                        text in a column, its few panels filling the rest, drawn at the
//                        stage's scale of a 1280x720 design); the playground is scaled to fit
//   caption=1            a caption strip at the bottom: the network, loss, optimizer and
//                        seed, the step and the loss, from the engine's snapshot
//   hide=data,hyper      hide panels and controls by name (lesson-model.js NAMES: the names
//                        of a lesson step's show/controls lists, and a few more)
//   discrete=1           the output plane in two colours (heatmap.js, urlstate viewOption)
// main.js keeps these parameters in the URL when it rewrites it (keptQuery).
import { formatCount, formatLoss, formatPercent } from "../../lib/format.js";
import { NAMES, lessonIdFromPath } from "./lesson-model.js";
import { setHidden } from "./lesson-hide.js";

// The parameters the page keeps in its URL whatever the config.
export const KEPT = ["present", "canvas", "caption", "hide", "step", "discrete"];
export const CANVAS_MIN = [320, 240];
export const CANVAS_MAX = [3840, 2160];
const MIN_SCALE = 0.45;  // below this the type is unreadable: the stage crops instead
const MAX_SCALE = 1.6;   // a short page grows to fill the stage, up to this
const FIT_DELAY_MS = 120;
// The stage a lesson step's layout is made for: any canvas draws it at the scale that fills
// it (1.5 at 1920x1080), so the type is as large on every canvas of that shape.
export const DESIGN = { width: 1280, height: 720 };
const MIN_STAGE_SCALE = 0.5;  // a smaller canvas crops the design rather than shrink it more

const yes = (value) => value !== null && /^(1|true|yes|on)$/i.test(value.trim());

// The presentation options of a query string, and what could not be read (in words).
export function parsePresent(search) {
  const params = new URLSearchParams(search ?? "");
  const problems = [];
  let canvas = null;
  const rawCanvas = params.get("canvas");
  if (rawCanvas !== null && !["", "0", "off"].includes(rawCanvas.trim())) {
    const match = /^\s*(\d{3,4})\s*[x\u00d7]\s*(\d{3,4})\s*$/i.exec(rawCanvas);
    const width = match ? Number(match[1]) : NaN;
    const height = match ? Number(match[2]) : NaN;
    if (width >= CANVAS_MIN[0] && width <= CANVAS_MAX[0] && height >= CANVAS_MIN[1] && height <= CANVAS_MAX[1]) {
      canvas = { width, height };
    } else {
      problems.push(`canvas=${rawCanvas}: write WIDTHxHEIGHT, e.g. 1280x720 or 1920x1080 ` +
        `(${CANVAS_MIN.join("x")} to ${CANVAS_MAX.join("x")})`);
    }
  }
  const hide = [];
  const unknown = [];
  for (const name of (params.get("hide") ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (!(name in NAMES)) unknown.push(name);
    else if (!hide.includes(name)) hide.push(name);
  }
  if (unknown.length) {
    problems.push(`hide=${unknown.join(",")}: no panel or control of that name ` +
      `(known: ${Object.keys(NAMES).join(", ")})`);
  }
  return { present: yes(params.get("present")), canvas, caption: yes(params.get("caption")), hide, problems };
}

// The kept parameters of a query string, as a query string ("" if none): commas and the
// "x" of a canvas stay readable.
export function keptQuery(search) {
  const params = new URLSearchParams(search ?? "");
  return KEPT.filter((key) => params.has(key))
    .map((key) => `${key}=${encodeURIComponent(params.get(key)).replace(/%2C/gi, ",")}`)
    .join("&");
}

// "2-3-1 sigmoid/linear · mse · sgd lr 0.01 · seed 0" (and "batch 4" unless full batch).
export function describeConfig(config) {
  if (!config?.layers) return "";
  const parts = [`${config.layers.join("-")} ${(config.activations ?? []).join("/")}`.trim()];
  if (config.loss) parts.push(config.loss);
  if (config.optimizer) parts.push(`${config.optimizer.name} lr ${config.optimizer.lr}`);
  if (config.batch && config.batch.size !== null && config.batch.size !== undefined) parts.push(`batch ${config.batch.size}`);
  if (config.seed !== undefined && config.seed !== null) parts.push(`seed ${config.seed}`);
  return parts.join(" \u00b7 ");
}

// The caption strip's parts: the lesson step (on a lesson page), the config, the step and
// the loss (and accuracy) of the snapshot on screen.
export function captionParts(config, snapshot, lesson = null) {
  const parts = [];
  if (lesson?.number && lesson.step) {
    parts.push(`Lesson ${lesson.number}, step ${lesson.step}${lesson.count ? ` of ${lesson.count}` : ""}` +
      (lesson.title ? `: ${lesson.title}` : ""));
  }
  const described = describeConfig(config);
  if (described) parts.push(described);
  if (snapshot) {
    parts.push(`step ${formatCount(snapshot.step)}${snapshot.viewing_past ? " (past)" : ""}`);
    const loss = snapshot.loss ?? {};
    if (loss.train !== undefined) {
      parts.push(`loss ${formatLoss(loss.train)}` +
        (loss.test !== null && loss.test !== undefined ? ` (test ${formatLoss(loss.test)})` : ""));
    }
    const accuracy = snapshot.accuracy ?? {};
    if (accuracy.train !== null && accuracy.train !== undefined) {
      parts.push(`accuracy ${formatPercent(accuracy.train)}` +
        (accuracy.test !== null && accuracy.test !== undefined ? ` (test ${formatPercent(accuracy.test)})` : ""));
    }
    if (snapshot.status === "diverged") parts.push("diverged");
  }
  return parts;
}

export function captionText(config, snapshot, lesson = null) {
  return captionParts(config, snapshot, lesson).join(" \u00b7 ");
}

// --- the page ------------------------------------------------------------------------------

export function mount(app) {
  const options = parsePresent(location.search);
  app.present = options;
  const root = document.documentElement;
  root.classList.toggle("present", options.present);
  if (options.problems.length) {
    // After the other views mounted (status.js shows it).
    queueMicrotask(() => app.bus.emit("error", { message: `presentation: ${options.problems.join("; ")}` }));
  }
  if (options.hide.length) setHidden("present", options.hide);
  const stage = options.canvas ? buildStage(options.canvas) : null;
  const staged = stage !== null && lessonIdFromPath(location.pathname) !== null;
  if (staged) root.classList.add("present-staged");
  if (options.caption) mountCaption(app, stage);
  if (staged) scaleStage(stage, stageScale(options.canvas));
  else if (stage) fitStage(stage);
}

// The scale at which the DESIGN stage fills a canvas (its shorter side decides).
export function stageScale({ width, height }) {
  return Math.max(MIN_STAGE_SCALE, Math.min(width / DESIGN.width, height / DESIGN.height));
}

// A lesson step's stage: the page is laid out in the canvas size divided by the scale (the
// design size, stretched to the canvas's shape) and drawn at that scale. The layout fills
// that box (style.css, html.present-staged); it is sized again when the caption below it
// changes height.
function scaleStage({ content, inner }, scale) {
  document.documentElement.style.setProperty("--present-scale", String(scale));
  content.dataset.scale = String(scale);
  inner.style.transform = scale === 1 ? "" : `scale(${scale})`;
  const size = () => {
    inner.style.width = `${content.clientWidth / scale}px`;
    inner.style.height = `${content.clientHeight / scale}px`;
  };
  new ResizeObserver(size).observe(content);
  size();
}

function div(className, testid) {
  const node = document.createElement("div");
  node.className = className;
  if (testid) node.dataset.testid = testid;
  return node;
}

// The whole page moves into a stage of exactly the canvas size.
function buildStage({ width, height }) {
  const stage = div("present-stage", "present-stage");
  stage.style.width = `${width}px`;
  stage.style.height = `${height}px`;
  const content = div("present-content");
  const inner = div("present-inner");
  inner.append(...document.body.childNodes);
  content.append(inner);
  stage.append(content);
  document.body.append(stage);
  document.documentElement.classList.add("present-canvas");
  document.documentElement.style.setProperty("--canvas-width", `${width}px`);
  document.documentElement.style.setProperty("--canvas-height", `${height}px`);
  return { stage, content, inner };
}

// Scale the page to the largest scale at which it fits the stage (down for a long page, up
// to MAX_SCALE for a short one): the page is laid out 1/scale times as wide, then drawn
// scaled (a transform: Plotly measures its charts in layout pixels, which CSS zoom would
// change under it). Again whenever what is inside changes size.
function fitStage({ content, inner }) {
  const at = (scale) => {
    inner.style.width = `${content.clientWidth / scale}px`;
    inner.style.transform = scale === 1 ? "" : `scale(${scale})`;
    return inner.offsetHeight * scale <= content.clientHeight + 1 && inner.scrollWidth <= inner.clientWidth + 1;
  };
  let scale = 1;
  let timer = null;
  let recent = [];
  const fit = () => {
    delete content.dataset.fitting;
    // The diagram keeps its height at any width (diagram-layout.js) but is drawn again for
    // a new width only a moment later; until then its SVG would scale with the width. Pinned
    // to its height, the page measures now what it will be once the diagram is redrawn.
    for (const svg of inner.querySelectorAll(".diagram svg[viewBox]")) {
      const height = svg.viewBox.baseVal?.height;
      if (height) svg.style.height = `${height}px`;
    }
    // The fit is monotonic: a larger scale lays the page out narrower, hence taller.
    let [low, high] = at(1) ? [1, MAX_SCALE] : [MIN_SCALE, 1];
    let best;  // each branch below sets it
    if (at(high)) best = high;
    else if (low !== 1 && !at(low)) best = low;  // even the smallest scale crops
    else {
      for (let k = 0; k < 10; k += 1) {
        const mid = (low + high) / 2;
        if (at(mid)) low = mid;
        else high = mid;
      }
      best = Math.floor(low * 1000) / 1000;
    }
    at(best);
    document.documentElement.style.setProperty("--present-scale", String(best));
    content.dataset.scale = String(best);
    if (Math.abs(best - scale) > 0.001) {
      scale = best;
      window.dispatchEvent(new Event("resize"));  // Plotly measures its charts again
    }
  };
  const schedule = () => {
    // A layout that keeps changing with the width (one that wraps differently at each
    // width) settles: at most 15 fits in 3 s, then one more when the 3 s are over.
    const now = performance.now();
    recent = recent.filter((t) => now - t < 3000);
    const wait = recent.length >= 15 ? recent[0] + 3000 - now : FIT_DELAY_MS;
    content.dataset.fitting = "1";
    clearTimeout(timer);
    timer = setTimeout(() => {
      recent.push(performance.now());
      fit();
    }, wait);
  };
  new ResizeObserver(schedule).observe(inner);
  new ResizeObserver(schedule).observe(content);
  fit();
}

function mountCaption(app, stage) {
  const strip = div("present-caption", "caption");
  strip.setAttribute("role", "status");
  strip.setAttribute("aria-live", "off");
  if (stage) stage.stage.append(strip);
  else {
    document.body.append(strip);
    document.documentElement.classList.add("present-captioned");
  }
  let shown = null;
  const render = () => {
    const lesson = app.lesson?.caption ?? null;
    const parts = captionParts(app.config, app.snapshot, lesson);
    const key = parts.join("\u0000");
    if (key === shown) return;
    shown = key;
    const nodes = [];
    parts.forEach((text, k) => {
      if (k > 0) {
        const sep = document.createElement("span");
        sep.className = "caption-sep";
        sep.textContent = " \u00b7 ";
        nodes.push(sep);
      }
      const span = document.createElement("span");
      span.className = `caption-part${k === 0 && lesson ? " caption-lesson" : ""}`;
      span.textContent = text;
      nodes.push(span);
    });
    strip.replaceChildren(...nodes);
  };
  for (const type of ["topology", "snapshot", "config", "lesson"]) app.bus.on(type, render);
  render();
}
