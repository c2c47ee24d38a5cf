// The /lessons page: the lessons the server could read (GET /api/lessons), each with its
// number, title, summary and number of steps, linking to /lessons/{id}.
import { Bus } from "./bus.js";
import * as theme from "./theme.js";

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

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

async function start() {
  theme.mount({ bus: new Bus() });
  const list = document.querySelector("[data-testid=lesson-list]");
  const status = document.getElementById("lesson-list-status");
  try {
    const response = await fetch("/api/lessons");
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const lessons = await response.json();
    list.replaceChildren(...lessons.map((lesson) => {
      const parts = lessonItemParts(lesson);
      const link = el("a", "lesson-card-link",
        el("span", "lesson-card-number", parts.number),
        el("span", "lesson-card-title", parts.title));
      link.href = parts.href;
      const item = el("li", "lesson-card", link,
        el("p", "lesson-card-summary", parts.summary),
        el("span", "lesson-card-steps", parts.steps));
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
