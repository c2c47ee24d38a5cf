// Inspect mode: a toggle in the chain-rule toolbar above the diagram. On, a click or tap
// on a weight or bias selects it for the formula panel instead of opening its editor: the
// way to a weight's formula for a finger (no Shift or Alt key). A long press does the same
// once (diagram.js). The state lives in `app.inspect` and goes out on the bus as "inspect".
import { chainGroup, chainToolbar } from "./numbers.js";
import { el } from "../../lib/dom.js";
import { tip } from "../../lib/tip.js";

export function mount(app) {
  app.inspect = false;
  const group = chainGroup("chain-inspect", "inspect mode");
  const toggle = el("button", {
    type: "button", class: "inspect-toggle", testid: "inspect", text: "inspect", "aria-pressed": "false",
  });
  toggle.addEventListener("click", () => {
    app.inspect = !app.inspect;
    toggle.setAttribute("aria-pressed", String(app.inspect));
    app.bus.emit("inspect", { on: app.inspect });
  });
  const help = tip("inspect mode", "On: tapping a weight or bias shows its formula instead of opening its editor" +
    " (a node's formula is one tap away either way). Or long-press a weight; with the keyboard, Tab to the" +
    " diagram, move with the arrow keys, Space selects, Enter edits.", { testid: "inspect-tip" });
  group.append(toggle, help.element);
  // Under the numbers' toggle, in one column at the toolbar's right: no row of its own.
  const bar = chainToolbar();
  const numbers = bar.querySelector(".chain-numbers");
  if (numbers) {
    const side = document.createElement("div");
    side.className = "chain-side";
    numbers.replaceWith(side);
    side.append(numbers, group);
  } else bar.append(group);
}
