// Building SVG elements (the diagram, its worked numbers, the teacher's sparklines):
// svgEl("line", {x1: 0, class: "edge"}, parent) makes the element in the SVG namespace,
// sets every attribute and appends it to `parent` when one is given.

export const SVG_NS = "http://www.w3.org/2000/svg";

export function svgEl(name, attrs, parent) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs ?? {})) node.setAttribute(key, value);
  parent?.append(node);
  return node;
}
