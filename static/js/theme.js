// Light, dark and projector themes. The choice is remembered per browser; views that paint
// colours themselves (SVG, canvas) read `palette()` and listen for "theme".
import { parseColor } from "./scales.js";

const THEMES = ["light", "dark", "projector"];
const KEY = "nnplay:theme";

export function palette() {
  const style = getComputedStyle(document.documentElement);
  const read = (name) => parseColor(style.getPropertyValue(name) || "#888888");
  return { pos: read("--pos"), neg: read("--neg"), zero: read("--zero"), text: style.getPropertyValue("--text").trim() };
}

export function apply(app, name) {
  const chosen = THEMES.includes(name) ? name : "light";
  document.documentElement.dataset.theme = chosen;
  localStorage.setItem(KEY, chosen);
  app.bus.emit("theme", chosen);
}

export function mount(app) {
  const tools = document.getElementById("page-tools");
  const label = document.createElement("label");
  label.textContent = "theme ";
  const select = document.createElement("select");
  select.dataset.testid = "theme";
  for (const name of THEMES) select.add(new Option(name, name));
  select.value = localStorage.getItem(KEY) ?? "light";
  select.addEventListener("change", () => apply(app, select.value));
  label.append(select);
  tools.append(label);
  apply(app, select.value);
}
