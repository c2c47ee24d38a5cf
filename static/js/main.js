// The page's conductor: finds or creates the session for the URL's config, keeps the
// socket open, and passes what the server says to the views through the bus. Views never
// talk to each other; they read `app` and listen on `app.bus`.
import { api } from "./shell/api.js";
import { WatchedSession, releaseLater } from "./shell/watched.js";
import { decodeConfig, decodeTwin, encodeConfig, keptData, nearestConfig } from "./shell/urlstate.js";
import { mergeDeep } from "./lib/merge.js";
import * as charts from "./views/charts/charts.js";
import * as classroom from "./views/classroom/classroom.js";
import * as codeMenu from "./views/code/code.js";
import * as compare from "./views/compare/compare.js";
import * as controls from "./views/controls/controls.js";
import * as diagnostics from "./views/diagnostics/diagnostics.js";
import * as diagram from "./views/diagram/diagram.js";
import * as digits from "./views/digits/digits.js";
import * as explorer from "./views/explorer/explorer.js";
import * as features from "./views/features/features.js";
import { seesFeatures } from "./views/features/features-model.js";
import * as formula from "./views/formula/formula.js";
import * as gradcheck from "./views/gradcheck/gradcheck.js";
import * as landscape from "./views/landscape/landscape.js";
import * as sweep from "./views/sweep/sweep.js";
import * as heatmaps from "./views/heatmap/heatmap.js";
import * as inspect from "./views/chain/inspect.js";
import * as keyboard from "./shell/keyboard.js";
import * as lesson from "./views/lesson/lesson.js";
import { lessonIdFromPath } from "./views/lesson/lesson-model.js";
import * as numbers from "./views/chain/numbers.js";
import * as phases from "./views/chain/phases.js";
import * as present from "./views/lesson/present.js";
import * as status from "./views/status/status.js";
import * as theme from "./shell/theme.js";
import * as timeline from "./views/timeline/timeline.js";

export const DEFAULT_QUERY = "preset=seed-2-3-1";
const WIDE_LAYER = 32;     // wider layers are sent only in part (see `view`)
const GRID_SIZE = 40;      // decision-boundary resolution for 2-D data
// This tab's session and the address that showed it: a reload (F5) comes back to the same
// run, with what changed live (a learning rate) in the address.
const TAB_SESSION = "nnplay:tab-session";
// This browser's key in the class: the teacher's board shows one row for it.
const SEAT = "nnplay:seat";
// The class this tab joined.
const CLASS = "nnplay:class";

// A reload or back/forward returns to the run this tab showed; a link or a typed address
// (a "navigate") opens what it says, fresh.
function returning() {
  const [entry] = performance.getEntriesByType("navigation");
  return entry?.type === "reload" || entry?.type === "back_forward";
}

function seat() {
  let key = localStorage.getItem(SEAT);
  if (!key) {
    // getRandomValues, not randomUUID: a class LAN serves over plain http, not a secure context.
    key = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(SEAT, key);
  }
  return key;
}

class App extends WatchedSession {
  constructor() {
    super();
    this.presets = [];
    this.datasets = [];
    this.fields = [];        // the config's fields, choices and limits (GET /api/config/fields)
    // A student who opened the class link (?class=CODE) joins the teacher's board, and so
    // does every page this tab opens after it (a lesson, the lesson list and back).
    this.classCode = new URLSearchParams(location.search).get("class") ?? sessionStorage.getItem(CLASS);
    if (this.classCode) sessionStorage.setItem(CLASS, this.classCode);
    this.nickname = null;
    this.compare = null;     // the compare view (views/compare/compare.js), once mounted
  }

  async start() {
    theme.mount(this);
    [this.presets, this.datasets, this.fields] = await Promise.all([api.presets(), api.datasets(), api.configFields()]);
    for (const view of [present, status, controls, codeMenu, compare, features, diagram, charts, heatmaps, digits, keyboard, classroom, diagnostics, gradcheck, landscape, sweep, explorer,
      numbers, inspect, phases, formula, timeline, lesson]) {
      view.mount(this);
    }
    const query = location.search.slice(1);
    const pair = new URLSearchParams(query);
    if (pair.has("a") && pair.has("b") && await this.openPair(pair.get("a"), pair.get("b"))) return;
    let { config, errors } = decodeConfig(query);
    const twin = decodeTwin(query);  // read before open() writes the address anew
    errors = [...errors, ...(twin?.errors ?? [])];
    if (!Object.keys(config).length) config = decodeConfig(DEFAULT_QUERY).config;
    if (errors.length) {
      this.bus.emit("notice", { message: `ignored unreadable URL fields: ${errors.map((e) => e.key).join(", ")}` });
    }
    if (await this.open(config, { reuse: true, fallback: true }) && twin) await this.compare?.open(twin.changes);
  }

  // Two existing sessions side by side (?a=ID&b=ID); false when the first is gone.
  async openPair(a, b) {
    try {
      await this.openSession(a);
    } catch {
      this.bus.emit("notice", { message: "The runs of this comparison are gone (sessions expire when " +
        "nobody uses them); a new run is shown instead." });
      return false;
    }
    await this.compare?.attach(b);
    return true;
  }

  // The address asked for something the server refused (a bad field, an unknown preset or
  // class code): say what, and open the nearest state that works instead of hanging.
  async openNearest(config, error) {
    if (error.fields?.some((f) => f.field === "class_code")) {
      const code = this.classCode;
      this.classCode = null;
      sessionStorage.removeItem(CLASS);
      this.bus.emit("notice", { message: `There is no class with the code ${code}: check the ` +
        "code with your teacher. Until then you are working on your own." });
      return this.open(config, { fallback: true });
    }
    const what = error.fields?.length
      ? error.fields.map((f) => `${f.field}: ${f.reason}`).join("; ") : error.message;
    const fallback = decodeConfig(DEFAULT_QUERY).config;
    const nearest = nearestConfig(config, error.fields) ?? fallback;
    this.bus.emit("notice", { message: `This address asks for a network that cannot be built ` +
      `(${what}), so the nearest one that can is shown instead.`, fields: error.fields });
    if (await this.open(nearest)) return true;
    return nearest !== fallback && this.open(fallback);
  }

  // The session for `config`: after a reload, this tab's session if it still exists and
  // the address still shows it; else a new one.
  async open(config, { reuse = false, fallback = false } = {}) {
    let body = null;
    const known = reuse && returning() ? JSON.parse(sessionStorage.getItem(TAB_SESSION) ?? "null") : null;
    if (known?.address === location.pathname + location.search) {
      body = await api.get(known.id).catch(() => null);
    }
    if (!body) {
      try {
        body = await api.create(config, this.classQuery());
      } catch (error) {
        if (fallback && error.status === 422) return this.openNearest(config, error);
        this.bus.emit("error", { message: error.message, fields: error.fields });
        return false;
      }
    }
    this.sessionId = body.id;
    this.config = body.config;
    this.writeUrl(body.config);
    this.connect();
    return true;
  }

  // An existing session as it is (a lesson step's, made by the server in that step's state).
  async openSession(id) {
    const body = await api.get(id);
    this.sessionId = body.id;
    this.config = body.config;
    this.writeUrl(body.config);
    this.connect();
    return body;
  }

  connect() {
    // A session that expired while the laptop slept: start the same config afresh.
    this.watch(viewFor(this.config), () => this.open(this.baseConfig()));
  }

  configChanged(config) {
    this.writeUrl(config);
  }

  send(command) {
    super.send(command);
    this.compare?.mirror(command);  // play, pause, step and reset drive a compared twin too
  }

  // A live change (learning rate, batch, optimizer, regularization, gradient method).
  setLive(partial) {
    this.send({ type: "set", ...partial });
  }

  // Anything else (data, architecture, loss, seed, preset) needs a new session.
  async rebuild(partial, { fromPreset = false } = {}) {
    const base = fromPreset ? {} : this.baseConfig(partial);
    const old = this.sessionId;
    const opened = await this.open(mergeDeep(base, partial));
    if (opened && old && old !== this.sessionId) {
      releaseLater(old);
    }
    return opened;
  }

  // The config as the URL writes it, plus a CSV too long for the URL while `partial`
  // keeps the data csv: what a rebuild starts from.
  baseConfig(partial = {}) {
    const base = decodeConfig(encodeConfig(this.config, this.presets)).config;
    const kept = keptData(this.config, partial);
    if (kept) base.data = { ...base.data, ...kept };
    return base;
  }

  classQuery() {
    if (!this.classCode) return "";
    const name = encodeURIComponent(this.nickname ?? "student");
    return `?class_code=${encodeURIComponent(this.classCode)}&name=${name}&seat=${seat()}`;
  }

  // The config, the class code and the presentation options (present.keptQuery); a
  // lesson page's state is its ?step=, not a config.
  writeUrl(config) {
    const query = [lessonIdFromPath(location.pathname) ? "" : encodeConfig(config, this.presets),
      this.compare?.query(),
      this.classCode ? `class=${encodeURIComponent(this.classCode)}` : "", present.keptQuery(location.search)]
      .filter(Boolean).join("&");
    if (location.search.slice(1) !== query) history.replaceState(null, "", query ? `?${query}` : location.pathname);
    sessionStorage.setItem(TAB_SESSION, JSON.stringify({ id: this.sessionId, address: location.pathname + location.search }));
  }

  shareUrl() {
    const twin = this.compare?.query();  // a compared pair is shared as a pair
    return `${location.origin}${location.pathname}?${encodeConfig(this.config, this.presets)}${twin ? `&${twin}` : ""}`;
  }
}

function viewFor(config) {
  const widest = Math.max(...config.layers.slice(1));
  return {
    // A network with two inputs, or one that sees features of a plane, draws the plane.
    grid: config.layers[0] === 2 || seesFeatures(config) ? GRID_SIZE : null,
    // The diagram shows 16 units a layer and the digit view 32 weight images: no frame
    // needs more of a wide layer than that.
    units: widest > WIDE_LAYER ? WIDE_LAYER : null,
  };
}

const app = new App();
window.nnplay = app; // for the console and the browser tests
app.start().catch((error) => {
  console.error(error);
  app.bus.emit("error", { message: `the page could not start: ${error.message}` });
});
