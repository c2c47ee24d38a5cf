// Hiding panels and controls by name (lesson-model.js NAMES): each source (a lesson step,
// ?hide=) says which names it hides; the page hides their union through one generated
// stylesheet, so an element a view draws again later (or for the first time) is hidden too,
// and the views' own `hidden` attributes are left alone.
import { hidingCss, rearranges } from "./lesson-model.js";

const sources = new Map();

export function setHidden(source, names) {
  sources.set(source, [...names]);
  const all = [...sources.values()].flat();
  let style = document.getElementById("nn-hiding");
  if (!style) {
    style = document.createElement("style");
    style.id = "nn-hiding";
    document.head.append(style);
  }
  const css = hidingCss(all);
  if (style.textContent !== css) style.textContent = css;
  const root = document.documentElement;
  root.classList.toggle("nn-arranged", root.classList.contains("nn-lesson") || rearranges(all));
  // Charts drawn while hidden have no width: let Plotly measure again.
  requestAnimationFrame(() => window.dispatchEvent(new Event("resize")));
}

export function hiddenNames() {
  return [...new Set([...sources.values()].flat())];
}
