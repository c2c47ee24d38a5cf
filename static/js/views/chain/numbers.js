// Worked-numbers mode: "show the numbers" and how many decimals, in the chain-rule
// toolbar above the diagram. The state lives in `app.numbers` ({on, decimals}) and goes
// out on the bus as "numbers"; the diagram (diagram-overlay.js) writes the numbers, the
// formula panel takes its decimals from here. Remembered per browser.
import { el } from "../../lib/dom.js";
import { tip } from "../../lib/tip.js";

const KEY = "nnplay:numbers";
export const DECIMALS = [2, 3, 4];

function read() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return {
      on: saved.on === true,
      decimals: DECIMALS.includes(saved.decimals) ? saved.decimals : 4,
    };
  } catch {
    return { on: false, decimals: 4 };
  }
}

// The toolbar above the diagram that the chain-rule views share (phases.js, numbers.js).
export function chainToolbar() {
  let bar = document.getElementById("chain-tools");
  if (!bar) {
    bar = document.createElement("div");
    bar.id = "chain-tools";
    bar.className = "chain-tools";
    // Space on a button or checkbox here presses it; it must not also play or pause.
    bar.addEventListener("keydown", (event) => {
      if (event.key === " " && (event.target instanceof HTMLButtonElement || event.target instanceof HTMLInputElement)) {
        event.stopPropagation();
      }
    });
    document.getElementById("diagram").before(bar);
  }
  return bar;
}

// One labelled group of that toolbar's controls (`name`: its class, after chain-group).
export function chainGroup(name, label) {
  return el("div", { class: `chain-group ${name}`, role: "group", "aria-label": label });
}

export function mount(app) {
  app.numbers = read();
  const group = chainGroup("chain-numbers", "worked numbers");

  const toggle = document.createElement("input");
  toggle.type = "checkbox";
  toggle.dataset.testid = "numbers-toggle";
  toggle.checked = app.numbers.on;
  const toggleLabel = document.createElement("label");
  toggleLabel.className = "ctl-check";
  toggleLabel.title = "write every z, a and w on the diagram, and the step's gradients once the backward pass ran";
  toggleLabel.append(toggle, "show the numbers");

  const decimals = document.createElement("select");
  decimals.dataset.testid = "numbers-decimals";
  for (const d of DECIMALS) decimals.add(new Option(String(d), String(d)));
  decimals.value = String(app.numbers.decimals);
  const decimalsLabel = document.createElement("label");
  decimalsLabel.className = "ctl-field ctl-inline";
  const words = document.createElement("span");
  words.className = "ctl-label";
  words.textContent = "decimals";
  decimalsLabel.append(words, decimals);
  decimalsLabel.title = "digits after the point, on the diagram and in the formula";

  const changed = () => {
    app.numbers = { on: toggle.checked, decimals: Number(decimals.value) };
    try {
      localStorage.setItem(KEY, JSON.stringify(app.numbers));
    } catch {
      // storage full or blocked: the mode still works for this page
    }
    app.bus.emit("numbers", app.numbers);
  };
  toggle.addEventListener("change", changed);
  decimals.addEventListener("change", changed);

  const help = tip("the numbers", `show the numbers: ${toggleLabel.title}. decimals: ${decimalsLabel.title}.`,
    { testid: "numbers-tip" });
  group.append(toggleLabel, decimalsLabel, help.element);
  chainToolbar().append(group);
  app.bus.emit("numbers", app.numbers);
}
