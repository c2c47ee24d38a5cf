// Moving through the diagram with the arrow keys (diagram.js): which element
// (by its testid) the focus goes to from another. The diagram is one tab stop (a roving
// tabindex): Tab enters it at the element last focused, the arrows move inside it.
//   a node:   up/down the units of its layer (past the last one, the layer's "+N more"),
//             right to its first outgoing weight, left to its bias (else its first
//             incoming weight)
//   a weight: up/down the weights between the same two layers (from unit 1's, in order),
//             right to the bias (else the node) it feeds, left to the node it comes from
//   a bias:   up/down the biases of its layer, right to its node, left to the first weight
//             into its node
//   "+N more": up to the last node drawn of its layer
// Home and End go to the first and the last element of the same kind in the same place.
// Pure (tests/js/views/diagram/diagram-keys.test.mjs).

export const MOVES = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"]);

// `shape`: {counts: [units drawn per layer], biases: [true where layer l draws biases],
// more: [true where layer l has a "+N more" / "show fewer" button]}. `from`: {kind, l, i,
// j} as the element's data attributes say (l the layer of its testid). Returns the testid
// to focus, or null (no element that way: the focus stays).
export function nextElement(key, from, shape) {
  const { counts, biases = [], more = [] } = shape;
  const last = counts.length - 1;
  const node = (l, i) => (l >= 0 && l <= last && i >= 0 && i < counts[l] ? `node-${l}-${i}` : null);
  const bias = (l, j) => (biases[l] && j >= 0 && j < counts[l] ? `bias-${l}-${j}` : null);
  const edge = (l, i, j) => (l >= 0 && l < last && i >= 0 && i < counts[l] && j >= 0 && j < counts[l + 1]
    ? `edge-${l}-${i}-${j}` : null);
  const { kind, l, i, j } = from;
  if (kind === "neuron") {
    switch (key) {
      case "ArrowUp": return node(l, i - 1);
      case "ArrowDown": return node(l, i + 1) ?? (more[l] ? `more-${l}` : null);
      case "ArrowRight": return edge(l, i, 0);
      case "ArrowLeft": return bias(l, i) ?? edge(l - 1, 0, i);
      case "Home": return node(l, 0);
      case "End": return node(l, counts[l] - 1);
      default: return null;
    }
  }
  if (kind === "weight") {
    const width = counts[l + 1];
    const k = i * width + j;  // the weights of this gap in order
    const at = (n) => (n >= 0 && n < counts[l] * width ? edge(l, Math.floor(n / width), n % width) : null);
    switch (key) {
      case "ArrowUp": return at(k - 1);
      case "ArrowDown": return at(k + 1);
      case "ArrowRight": return bias(l + 1, j) ?? node(l + 1, j);
      case "ArrowLeft": return node(l, i);
      case "Home": return at(0);
      case "End": return at(counts[l] * width - 1);
      default: return null;
    }
  }
  if (kind === "bias") {
    switch (key) {
      case "ArrowUp": return bias(l, j - 1);
      case "ArrowDown": return bias(l, j + 1);
      case "ArrowRight": return node(l, j);
      case "ArrowLeft": return edge(l - 1, 0, j);
      case "Home": return bias(l, 0);
      case "End": return bias(l, counts[l] - 1);
      default: return null;
    }
  }
  if (kind === "more") return key === "ArrowUp" ? node(l, counts[l] - 1) : null;
  return null;
}
