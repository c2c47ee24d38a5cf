// The controls' building blocks: labelled fields, selects and number inputs that never
// overwrite what the user is typing, and the queue that runs rebuilds one after another.
import { el } from "../../lib/dom.js";
import { tip } from "../../lib/tip.js";

export const LABELS = {
  mse: "mean squared error (mse)",
  sse: "sum of squared errors (sse)",
  bce: "binary cross-entropy (bce)",
  cce: "categorical cross-entropy (cce)",
  sgd: "gradient descent (sgd)",
  momentum: "momentum",
  rmsprop: "RMSProp",
  adam: "Adam",
  perceptron: "perceptron rule",
  backprop: "backpropagation",
  "numeric-forward": "numeric, forward difference",
  "numeric-central": "numeric, central difference",
  none: "none",
  l1: "L1",
  l2: "L2",
};

// --- small DOM helpers -------------------------------------------------------------------

// A visible label around its control: clicking the text focuses the control. `help`: the
// title also as a tap-to-show tip after the control (label.help.set(words) changes it).
export function field(text, control, { className = "ctl-field", title, help = false } = {}) {
  const words = Array.isArray(text) ? text : [text];
  const label = el("label", { class: className, title }, el("span", { class: "ctl-label" }, ...words), control);
  if (help) {
    label.classList.add("ctl-has-help");
    label.help = tip(words.filter((w) => typeof w === "string").join(" "), title ?? "");
    label.help.element.hidden = !title;
    label.append(label.help.element);
  }
  return label;
}

export function select(testid, values, labels = LABELS) {
  const node = el("select", { testid });
  fill(node, values, labels);
  return node;
}

export function fill(node, values, labels = LABELS) {
  const current = [...node.options].map((o) => o.value);
  if (current.length === values.length && current.every((v, i) => v === String(values[i]))) return;
  node.replaceChildren(...values.map((v) => new Option(labels[v] ?? String(v), v)));
}

/** Options that cannot work here are shown, disabled, with the reason as their tooltip. */
export function markUnavailable(option, reason) {
  option.disabled = reason !== null;
  option.title = reason ?? option.title;
  if (reason !== null && !option.textContent.endsWith(" (unavailable)")) option.textContent += " (unavailable)";
}

export function numberInput(testid, { min, max, step = "any", placeholder } = {}) {
  return el("input", { type: "number", testid, min, max, step, placeholder, inputMode: "decimal" });
}

// Number inputs: what the user is typing is not overwritten by a frame from the server.
export function setValue(node, value) {
  const text = value === null || value === undefined ? "" : String(value);
  node.dataset.server = text;
  if (document.activeElement === node && node.dataset.dirty === "1") return;
  if (node.value !== text) node.value = text;
  node.dataset.dirty = "";
}

// Run `commit` on change and on Enter, once per edit.
export function onCommit(node, commit) {
  node.addEventListener("input", () => { node.dataset.dirty = "1"; });
  const run = () => {
    if (node.dataset.dirty !== "1") return;
    node.dataset.dirty = "";
    commit();
  };
  node.addEventListener("change", run);
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      run();
    } else if (event.key === "Escape") {
      // Give up the edit: the server's value again.
      node.dataset.dirty = "";
      node.value = node.dataset.server ?? "";
    }
  });
}

// Keep keyboard focus on "the same" control when a part of the panel is drawn again.
export function keepFocus(container, draw) {
  const active = document.activeElement;
  const testid = container.contains(active) ? active?.dataset?.testid : null;
  draw();
  if (testid) {
    const again = container.querySelector(`[data-testid="${CSS.escape(testid)}"]`);
    (again && !again.disabled ? again : container.querySelector("button:not([disabled]), select, input"))?.focus();
  }
}

// Rebuilds run one after another, each computed from the config the previous one left, so
// two quick clicks on "+" add two neurons.
export function rebuilder(app, ui) {
  let chain = Promise.resolve();
  return (makePartial, options = {}) => {
    chain = chain.then(async () => {
      const partial = app.config ? makePartial(app.config) : null;
      if (!partial) {
        ui.sync(true);
        return;
      }
      ui.busy += 1;
      setBusy(ui.busy > 0);
      try {
        await app.rebuild(partial, options);
      } finally {
        ui.busy -= 1;
        setBusy(ui.busy > 0);
        ui.sync(true);
      }
    }).catch((error) => {
      // app.rebuild reports the server's refusals itself; this is anything else, and the
      // chain must go on for the next click.
      app.bus.emit("error", { message: `the change could not be made: ${error.message}` });
    });
    return chain;
  };
}

export function setBusy(busy) {
  for (const id of ["data-panel", "architecture", "hyper-panel", "playback"]) {
    document.getElementById(id)?.setAttribute("aria-busy", busy ? "true" : "false");
  }
}

// A local refusal (not a number at all): the server never sees it.
export function refuse(app, field, reason) {
  app.bus.emit("error", { message: `${field}: ${reason}`, fields: [{ field, reason }] });
}
