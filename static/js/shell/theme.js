// Light, dark and projector themes. The choice is remembered per browser; views that paint
// colours themselves (SVG, canvas) read `palette()` and listen for "theme".
import { parseColor } from "../lib/color.js";

const THEMES = ["light", "dark", "projector"];
const KEY = "nnplay:theme";

export function palette() {
  const style = getComputedStyle(document.documentElement);
  const read = (name) => parseColor(style.getPropertyValue(name) || "#888888");
  return { pos: read("--pos"), neg: read("--neg"), zero: read("--zero"), text: style.getPropertyValue("--text").trim() };
}

// A CSS custom property of the page, or `fallback` when it is not set.
export function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

// The look every Plotly chart shares: transparent background, the theme's text, a faint
// grid (light enough on every theme, black included); sizes in ems of the page's font.
// -> {layout, axis}: the layout without axes, and what each axis takes besides its title.
export function chartLook({ height, left, bottom }) {
  const [r, g, b] = parseColor(cssVar("--muted", "#888888"));
  const grid = `rgba(${r}, ${g}, ${b}, 0.25)`;
  const size = parseFloat(cssVar("--font-size", "14px")) || 14;
  return {
    layout: {
      height: Math.round(size * height),
      margin: { l: Math.round(size * left), r: 10, t: Math.round(size * 1.8), b: Math.round(size * bottom) },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { color: cssVar("--text", "#222"), size: Math.round(size * 0.85),
        family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1, yanchor: "bottom", bgcolor: "rgba(0,0,0,0)" },
    },
    axis: { gridcolor: grid, zerolinecolor: grid, linecolor: cssVar("--border", "#ccc"), automargin: true },
  };
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
