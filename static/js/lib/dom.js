// Building DOM elements, shared by the views.

// el("button", {class: "primary", testid: "play", text: "Play", dataset: {...}}, child, ...):
// null, undefined and false props are skipped; DOM properties are set as properties
// (aria-* as attributes); other keys become attributes (true -> ""). Children may be
// nested arrays; null and undefined children are skipped.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "testid") node.dataset.testid = value;
    else if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key in node && !key.startsWith("aria")) node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

// Show `text` in an alert or banner `host`, with a button per action ({label, testid, run})
// and a dismiss button; replaces what it showed before.
export function showAlert(host, text, actions = []) {
  host.replaceChildren(
    el("span", { text }),
    ...actions.map(({ label, testid, run }) => el("button", { type: "button", testid, text: label, onclick: run })),
    el("button", { type: "button", text: "\u00d7", title: "dismiss", onclick: () => { host.hidden = true; } }),
  );
  host.hidden = false;
}

// Whether a key pressed on `target` goes into a field (the page's own keys then do nothing).
export function isTyping(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLSelectElement ||
    target instanceof HTMLTextAreaElement || Boolean(target?.isContentEditable);
}

// The teaching panels live under the diagram, in the order they mount.
export function teachingHost() {
  let host = document.getElementById("teaching");
  if (!host) {
    host = el("div", { id: "teaching", className: "teaching" });
    document.getElementById("network-panel").append(host);
  }
  return host;
}
