// The /lessons page: the lessons the server could read (GET /api/lessons), each with its
// number, title, summary and number of steps, linking to /lessons/{id}.
import { request } from "./shell/api.js";
import { Bus } from "./shell/bus.js";
import { el } from "./lib/dom.js";
import * as theme from "./shell/theme.js";

// One list item (also used by the node tests through lessonItemParts).
export function lessonItemParts(lesson) {
  return {
    href: `/lessons/${encodeURIComponent(lesson.id)}`,
    number: String(lesson.number),
    title: lesson.title,
    summary: lesson.summary,
    steps: `${lesson.steps} ${lesson.steps === 1 ? "step" : "steps"}`,
  };
}

async function start() {
  theme.mount({ bus: new Bus() });
  const list = document.querySelector("[data-testid=lesson-list]");
  const status = document.getElementById("lesson-list-status");
  try {
    const lessons = await request("GET", "/api/lessons");
    list.replaceChildren(...lessons.map((lesson) => {
      const parts = lessonItemParts(lesson);
      const link = el("a", { class: "lesson-card-link" },
        el("span", { class: "lesson-card-number" }, parts.number),
        el("span", { class: "lesson-card-title" }, parts.title));
      link.href = parts.href;
      const item = el("li", { class: "lesson-card" }, link,
        el("p", { class: "lesson-card-summary" }, parts.summary),
        el("span", { class: "lesson-card-steps" }, parts.steps));
      item.dataset.testid = "lesson-item";
      item.dataset.id = lesson.id;
      return item;
    }));
    status.textContent = lessons.length ? "" : "No lessons: the server could not read any file in lessons/ (its log says why).";
  } catch (error) {
    status.textContent = `The lessons could not be loaded: ${error.message}`;
    console.error(error);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

if (typeof document !== "undefined") start();
