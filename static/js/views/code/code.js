// The "Code" menu in the top bar: the session as a NumPy, PyTorch or Keras script that
// trains the next steps as the session would, to download. A script the server cannot
// write (the perceptron's rule in PyTorch, say) is not a file: its reason is shown as an
// error instead, so each entry fetches first and saves only what came back whole.
import { el } from "../../lib/dom.js";
import { FRAMEWORKS, STEPS, clampSteps, codePath, fileName } from "./code-model.js";

export function mount(app) {
  const tools = document.getElementById("page-tools");
  if (!tools) return;
  const steps = el("input", {
    type: "number", min: STEPS.min, max: STEPS.max, step: 1, value: STEPS.initial,
    testid: "code-steps", class: "code-steps",
  });
  steps.addEventListener("change", () => { steps.value = String(clampSteps(steps.value)); });
  const said = el("span", { class: "code-said", role: "status", testid: "code-status" });
  const links = FRAMEWORKS.map(({ id, label }) => {
    // A real link (keyboard, touch, "save link as"), its address kept current; a click
    // fetches it so that a refusal can be said in words.
    const link = el("a", { href: "#", download: "", testid: `code-${id}`, class: "code-link" }, label);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (app.sessionId) download(app, codePath(app.sessionId, id, steps.value), id, said);
    });
    return link;
  });
  const refresh = () => {
    FRAMEWORKS.forEach(({ id }, i) => {
      links[i].href = app.sessionId ? codePath(app.sessionId, id, steps.value) : "#";
    });
  };
  steps.addEventListener("input", refresh);
  steps.addEventListener("change", refresh);
  app.bus.on("topology", refresh);
  const menu = el("details", { class: "code-menu", testid: "code-menu" },
    el("summary", { title: "this network, its weights, data and optimizer as a script to run" }, "Code"),
    el("div", { class: "code-pop" },
      el("label", { class: "code-steps-label" }, "steps to train ", steps),
      el("ul", { class: "code-list" }, links.map((link) => el("li", {}, link))),
      said));
  // Escape closes the menu and gives the focus back to its summary.
  menu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !menu.open) return;
    menu.open = false;
    menu.querySelector("summary").focus();
    event.stopPropagation();
  });
  // A tap or click elsewhere closes it, as a menu does (not the page's own click that
  // saves a script, which is not the user's).
  document.addEventListener("click", (event) => {
    if (event.isTrusted && menu.open && !menu.contains(event.target)) menu.open = false;
  });
  tools.append(menu);
  refresh();
}

// Fetch the script; save it under the server's file name, or say why there is none.
async function download(app, path, framework, said) {
  said.textContent = "writing…";
  try {
    const response = await fetch(path);
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      said.textContent = "";
      app.bus.emit("error", {
        message: body?.error?.message ?? `could not write the script (${response.status})`,
        fields: body?.error?.fields ?? [],
      });
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const name = fileName(response.headers.get("content-disposition"), framework);
    const save = el("a", { href: url, download: name, hidden: true });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    said.textContent = `saved ${name}`;
  } catch (error) {
    said.textContent = "";
    app.bus.emit("error", { message: `could not write the script: ${error.message}`, fields: [] });
  }
}
