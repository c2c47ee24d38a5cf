// Guided lessons on the playground page (/lessons/{id}?step=k): a lesson panel with the
// step's title and text, previous/next, and a Figures menu. Loading a step asks the server
// for a new session in exactly that step's state (POST /api/lessons/{id}/steps/{k}/session),
// connects the page to it (app.openSession), selects the unit or weight the step talks
// about, and shows only the panels and controls the step lists (lesson-model.js).
// On every page it also puts a "Lessons" link in the top bar.
import { request } from "../../shell/api.js";
import {
  PANELS, buildingWords, figureLinks, lessonHidden, lessonShown, lessonIdFromPath, searchWithStep, selectDetail,
  stepFromSearch, stepLabel,
} from "./lesson-model.js";
import { setHidden } from "./lesson-hide.js";
import { el, isTyping } from "../../lib/dom.js";

const LIVE_TIMEOUT_MS = 20_000;
const DROP_DELAY_MS = 2_000;

export function mount(app) {
  addLessonsLink();
  const id = lessonIdFromPath(location.pathname);
  if (!id) return;
  document.documentElement.classList.add("nn-lesson");
  new LessonView(app, id);
}

function addLessonsLink() {
  const tools = document.getElementById("page-tools");
  if (!tools || tools.querySelector("[data-testid=lessons-link]")) return;
  tools.prepend(el("a", { class: "page-link", href: "/lessons", testid: "lessons-link", title: "the guided lessons" }, "Lessons"));
}

class LessonView {
  constructor(app, id) {
    this.app = app;
    this.id = id;
    this.lesson = null;
    this.k = null;
    this.token = 0;
    this.mine = new Set();       // sessions this page made for lesson steps (deleted when left)
    this.selection = null;       // the unit or weight selected now (for the formula figure)
    this.state = { id, lesson: null, step: null, created: null, caption: null };
    app.lesson = this.state;
    this.build();
    // Hide at once what no lesson step shows, before the first step is known.
    setHidden("lesson", lessonHidden({ show: [], controls: [] }));
    this.ready = Promise.all([
      request("GET", `/api/lessons/${encodeURIComponent(id)}`),
      request("GET", "/api/lessons").catch(() => []),
    ]).then(([lesson, all]) => {
      this.lesson = lesson;
      this.state.lesson = lesson;
      const at = all.findIndex((l) => l.id === id);
      this.previousLesson = at > 0 ? all[at - 1] : null;
      this.nextLesson = at >= 0 && at < all.length - 1 ? all[at + 1] : null;
      return lesson;
    });
    this.interceptOpen();
    this.listen();
  }

  // The page's first open (main.js start, which would open the URL's config) loads the
  // lesson step instead; so does the reopening after the session expired. Anything else
  // (a classroom fork) opens as usual.
  interceptOpen() {
    const app = this.app;
    const open = app.open.bind(app);
    let started = false;
    let gone = false;
    app.bus.on("connection", (state) => { if (state === "gone") gone = true; });
    app.open = (config, options = {}) => {
      if (!started || gone) {
        started = true;
        gone = false;
        return this.load(stepFromSearch(location.search, Infinity));
      }
      return open(config, options);
    };
  }

  build() {
    const prev = el("button", { type: "button", testid: "lesson-prev", title: "the previous step (Page Up)" }, "\u25c2 Previous");
    const next = el("button", { type: "button", class: "primary", testid: "lesson-next", title: "the next step (Page Down)" }, "Next \u25b8");
    // The buttons' keys in words (their titles show to a mouse only).
    const keys = el("p", { class: "lesson-note lesson-keys", testid: "lesson-keys" },
      "Page Up: the previous step; Page Down: the next step (what a presenter's clicker sends).");
    prev.addEventListener("click", () => this.go(this.k - 1));
    next.addEventListener("click", () => this.go(this.k + 1));
    this.prev = prev;
    this.next = next;
    this.crumbs = el("nav", { class: "lesson-crumbs", "aria-label": "lessons" },
      el("a", { href: "/lessons", testid: "lesson-index" }, "\u2190 All lessons"));
    this.title = el("h2", { class: "lesson-title", testid: "lesson-title" }, "Lesson");
    this.counter = el("p", { class: "lesson-counter", testid: "lesson-counter", "aria-live": "polite" }, "");
    this.dots = el("ol", { class: "lesson-dots", "aria-label": "steps" });
    this.stepTitle = el("h3", { class: "lesson-step-title", testid: "lesson-step-title" });
    this.text = el("div", { class: "lesson-text", testid: "lesson-text" });
    this.status = el("p", { class: "lesson-status", role: "status", testid: "lesson-status" });
    this.onward = el("p", { class: "lesson-onward", hidden: true });
    this.figureList = el("ul", { class: "lesson-figure-list", testid: "figure-links" });
    this.figures = el("details", { class: "lesson-figures", testid: "figures" },
      el("summary", {}, "Figures"),
      el("p", { class: "lesson-note" }, "What is on screen now, as an image for slides and handouts:"),
      this.figureList);
    this.figures.addEventListener("toggle", () => this.renderFigures());
    this.root = el("section", { id: "lesson-panel", class: "panel lesson", testid: "lesson", "aria-label": "Lesson", "data-state": "loading" },
      this.crumbs, this.title, this.counter, this.dots, this.stepTitle, this.text, this.status,
      el("div", { class: "lesson-nav" }, prev, next), keys, this.onward, this.figures);
    const layout = document.querySelector(".layout") ?? document.body;
    layout.prepend(this.root);
  }

  listen() {
    const app = this.app;
    // Leaving the page: its step sessions go too (a reload builds the step again).
    window.addEventListener("pagehide", () => {
      for (const id of this.mine) {
        fetch(`/api/sessions/${encodeURIComponent(id)}`, { method: "DELETE", keepalive: true }).catch(() => {});
      }
    });
    window.addEventListener("popstate", () => {
      if (!this.lesson) return;
      const k = stepFromSearch(location.search, this.lesson.steps.length);
      if (k !== this.k) this.load(k);
    });
    // Page Down / Page Up (what a presenter's clicker sends) turn the steps; the playground's
    // keys do nothing for a control the step hides.
    window.addEventListener("keydown", (event) => {
      const target = event.target;
      if (isTyping(target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "PageDown" || event.key === "PageUp") {
        event.preventDefault();
        event.stopPropagation();
        this.go(this.k + (event.key === "PageDown" ? 1 : -1));
        return;
      }
      const controls = this.step()?.controls ?? [];
      const needs = { " ": "play", ArrowRight: "step", r: "reset", R: "reset" }[event.key];
      if (needs && !controls.includes(needs) && !(target instanceof HTMLButtonElement)) event.stopPropagation();
    }, true);
    app.bus.on("select", (detail) => {
      this.selection = detail ?? null;
      this.renderFigures();
    });
    app.bus.on("topology", (topology) => {
      if (this.selectionSession !== topology.session) this.selection = null;
      this.selectionSession = topology.session;
      this.renderFigures();
    });
    app.bus.on("theme", () => this.renderFigures());
    let past = null;
    app.bus.on("snapshot", (snap) => {
      const now = snap.viewing_past ? snap.step : null;
      if (now !== past) {
        past = now;
        this.renderFigures();
      }
    });
  }

  step() {
    return this.lesson && this.k ? this.lesson.steps[this.k - 1] : null;
  }

  go(k) {
    if (!this.lesson || !Number.isInteger(k) || k < 1 || k > this.lesson.steps.length || k === this.k) return;
    this.load(k, { push: true });
  }

  // Load step k: panel first (at once), then the step's session, then its selection.
  async load(k, { push = false } = {}) {
    const token = ++this.token;
    const app = this.app;
    let lesson;
    try {
      lesson = await this.ready;
    } catch (error) {
      this.fail(`this lesson could not be loaded: ${error.message}`);
      return false;
    }
    if (token !== this.token) return false;
    const count = lesson.steps.length;
    k = Math.min(Math.max(1, k), count);
    this.k = k;
    const step = lesson.steps[k - 1];
    const search = searchWithStep(location.search, k);
    if (location.search !== search) history[push ? "pushState" : "replaceState"](null, "", `${location.pathname}${search}`);
    this.state.step = k;
    this.state.caption = { number: lesson.number, step: k, count, title: step.title };
    this.render(lesson, k);
    setHidden("lesson", lessonHidden(step));
    // What the step shows, for a stage laid out by it (style.css, html.present-staged).
    document.documentElement.dataset.lessonShow = lessonShown(step).join(" ");
    // A panel the step shows that folds (gradient check, explorers, diagnostics) is unfolded,
    // and so is the one a part of it is in.
    for (const name of lessonShown(step)) {
      for (const selector of PANELS[name] ?? []) {
        for (const node of document.querySelectorAll(selector)) {
          const folding = node.closest("details");
          if (folding) folding.open = true;
        }
      }
    }
    this.root.dataset.state = "loading";
    this.root.dataset.step = String(k);
    this.say(buildingWords(step));

    let body;
    try {
      // In the class, if this tab joined one: the board, broadcasts and challenges reach it.
      body = await request("POST", `/api/lessons/${encodeURIComponent(this.id)}/steps/${k}/session${app.classQuery()}`);
    } catch (error) {
      if (token === this.token) this.fail(`step ${k} could not be built: ${error.message}`);
      return false;
    }
    this.mine.add(body.id);
    if (token !== this.token) {
      this.drop(body.id);
      return false;
    }
    this.showText(body.text);
    this.numbers(step.numbers);
    const old = app.sessionId;
    this.state.created = body;
    try {
      await app.openSession(body.id);
    } catch (error) {
      if (token === this.token) this.fail(`step ${k} could not be opened: ${error.message}`);
      return false;
    }
    const live = await this.live(body.id);
    // The step left is deleted once the new one shows, a little later: a view may still
    // have a request about it on the way.
    if (old && old !== body.id && this.mine.has(old)) setTimeout(() => this.drop(old), DROP_DELAY_MS);
    if (token !== this.token) return false;
    if (!live) {
      this.fail(`step ${k}: the session did not answer`);
      return false;
    }
    const detail = selectDetail(step.select);
    if (detail) app.bus.emit("select", detail);
    // A step that shows a run which diverged while the server built it: the page says so
    // as if it had just happened (status.js), with its reason.
    if (app.snapshot.status === "diverged" && app.snapshot.divergence) app.bus.emit("diverged", app.snapshot.divergence);
    this.root.dataset.state = "ready";
    this.root.dataset.session = body.id;
    this.say("");
    this.renderFigures();
    app.bus.emit("lesson", { id: this.id, step: k, count, session: body.id });
    return true;
  }

  // A step whose text states every z, a and w writes them on the diagram too.
  numbers(on) {
    const toggle = document.querySelector("[data-testid=numbers-toggle]");
    if (!on || !toggle || toggle.checked) return;
    toggle.checked = true;
    toggle.dispatchEvent(new Event("change"));
  }

  drop(id) {
    this.mine.delete(id);
    this.app.api.remove(id).catch(() => {});
  }

  // Resolves true once the page shows session `id` (its topology and a snapshot of it).
  live(id) {
    const app = this.app;
    const shown = () => app.topology?.session === id && app.snapshot?.session === id;
    if (shown()) return Promise.resolve(true);
    return new Promise((resolve) => {
      let off = null;
      const timer = setTimeout(() => { off(); resolve(false); }, LIVE_TIMEOUT_MS);
      off = app.bus.on("snapshot", () => {
        if (!shown()) return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }

  say(text) {
    this.status.textContent = text;
    this.status.classList.remove("bad");
  }

  fail(message) {
    this.root.dataset.state = "error";
    this.status.textContent = message;
    this.status.classList.add("bad");
    this.app.bus.emit("error", { message });
  }

  showText(text) {
    this.text.replaceChildren(...text.split(/\n\s*\n/).map((part) => el("p", {}, part.trim())));
  }

  render(lesson, k) {
    const count = lesson.steps.length;
    const step = lesson.steps[k - 1];
    document.title = `nnplay: ${lesson.number}. ${lesson.title} (${stepLabel(k, count)})`;
    this.title.replaceChildren(el("span", { class: "lesson-number" }, `Lesson ${lesson.number}`), " ", lesson.title);
    this.counter.textContent = stepLabel(k, count);
    this.stepTitle.textContent = step.title;
    // The numbers come with the step's session (filled from its state); until then, "…".
    this.showText(step.text.replace(/\{[^{}]*\}/g, "\u2026"));
    this.dots.replaceChildren(...lesson.steps.map((s, index) => {
      const n = index + 1;
      const link = el("a", { href: `${location.pathname}${searchWithStep(location.search, n)}`, title: s.title,
        "aria-current": n === k ? "step" : null, "aria-label": `step ${n}: ${s.title}` }, String(n));
      link.addEventListener("click", (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        this.go(n);
      });
      return el("li", {}, link);
    }));
    this.prev.disabled = k <= 1;
    this.next.disabled = k >= count;
    const onward = [];
    if (k >= count && this.nextLesson) {
      onward.push(el("a", { href: `/lessons/${encodeURIComponent(this.nextLesson.id)}`, testid: "next-lesson" },
        `Next lesson: ${this.nextLesson.number}. ${this.nextLesson.title} \u25b8`));
    }
    if (k <= 1 && this.previousLesson) {
      onward.push(el("a", { href: `/lessons/${encodeURIComponent(this.previousLesson.id)}`, testid: "previous-lesson" },
        `\u25c2 Previous lesson: ${this.previousLesson.number}. ${this.previousLesson.title}`));
    }
    this.onward.replaceChildren(...onward.flatMap((a, i) => (i ? [el("br"), a] : [a])));
    this.onward.hidden = onward.length === 0;
  }

  renderFigures() {
    const app = this.app;
    const step = this.step();
    const links = figureLinks({
      sessionId: app.sessionId, config: app.config, selection: this.selection,
      theme: document.documentElement.dataset.theme ?? "light",
      past: app.snapshot?.viewing_past ? app.snapshot.step : null,
      name: this.lesson ? `lesson${String(this.lesson.number).padStart(2, "0")}-step${this.k}` : "nnplay",
    });
    const panels = [...new Set(links.map((l) => l.panel))];
    const key = JSON.stringify([links.map((l) => l.href), step?.figure]);
    if (key === this.figuresKey) return;
    this.figuresKey = key;
    this.figureList.replaceChildren(...panels.map((panel) => {
      const mine = links.filter((l) => l.panel === panel);
      const recommended = step?.figure === panel;
      return el("li", { class: recommended ? "recommended" : null },
        el("span", { class: "figure-title" }, mine[0].title, recommended ? el("span", { class: "lesson-note" }, " (this step's figure)") : null),
        ...mine.map((l) => el("a", { href: l.href, download: l.download, testid: `figure-${l.panel}-${l.format}`,
          title: `${l.label}: ${l.download}` }, l.format.toUpperCase())));
    }));
  }
}
