import { test } from "node:test";
import assert from "node:assert/strict";

import { lessonItemParts } from "../../static/js/lesson-list.js";

test("the lessons page lists number, title, summary and steps", () => {
  const parts = lessonItemParts({ id: "01-forward-pass", number: 1, title: "T", summary: "S", steps: 4 });
  assert.deepEqual(parts, { href: "/lessons/01-forward-pass", number: "1", title: "T", summary: "S", steps: "4 steps" });
  assert.equal(lessonItemParts({ id: "x", number: 2, title: "", summary: "", steps: 1 }).steps, "1 step");
});
